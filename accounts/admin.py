from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from . import services
from .models import User


class _GuardedChangeForm(DjangoUserAdmin.form):
    """The admin's change form, refusing what the account service refuses (last superuser, oneself)."""

    actor: User | None = None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            try:
                services.user_privileges_check(
                    user=self.instance, actor=self.actor, is_active=cleaned.get("is_active"),
                    is_superuser=cleaned.get("is_superuser"), role=cleaned.get("role"),
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = _GuardedChangeForm
    list_display = ("username", "email", "role", "country", "is_active", "is_staff", "created_at")
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "country")
    search_fields = ("username", "email")
    ordering = ("-created_at",)
    readonly_fields = ("created_at", "last_login")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "email", "country", "role")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "role", "password1", "password2")}),
    )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and issubclass(form, _GuardedChangeForm):
            form = type(form.__name__, (form,), {"actor": request.user})
        return form

    def has_delete_permission(self, request, obj=None):
        """Nobody deletes their own account or the last active superuser here."""
        if obj is not None:
            if obj.pk == request.user.pk:
                return False
            if obj.is_superuser and obj.is_active and not (
                User.objects.filter(is_superuser=True, is_active=True).exclude(pk=obj.pk).exists()
            ):
                return False
        return super().has_delete_permission(request, obj)
