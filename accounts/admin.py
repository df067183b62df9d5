"""Accounts in admin: role, active, staff and superuser changes and deletions go through the account
services (the same rules and audit entries as the API); the audit log is read-only here."""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_site import FastChangelist, confirm_action
from .models import AuditEvent, Role, User

# Changed only through the services (rules, artist profile, audit), never by the form's save.
_GUARDED = ("role", "is_active", "is_staff", "is_superuser")


class _GuardedChangeForm(DjangoUserAdmin.form):
    """The admin's change form, refusing what the account service refuses (last superuser, oneself)."""

    actor: User | None = None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            try:
                services.user_privileges_check(
                    user=User.objects.get(pk=self.instance.pk), actor=self.actor, is_active=cleaned.get("is_active"),
                    is_superuser=cleaned.get("is_superuser"), role=cleaned.get("role"),
                )
            except ValidationError as exc:
                for field, messages_ in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages_)
        return cleaned


def _apply_guarded(*, request, user: User, new: dict) -> User:
    """Role, active flag, staff and superuser status through the account services, in one transaction."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if "is_superuser" in new or "is_staff" in new:
            user = services.user_staff_flags_set(user=user, actor=request.user, is_staff=new.get("is_staff"),
                                                 is_superuser=new.get("is_superuser"), request=request)
        if "role" in new and new["role"] != user.role:
            user = services.user_role_change(user=user, role=new["role"], actor=request.user, request=request)
        if "is_active" in new:
            user = services.user_active_set(user=user, is_active=new["is_active"], actor=request.user, request=request)
    return user


@admin.register(User)
class UserAdmin(FastChangelist, DjangoUserAdmin):
    form = _GuardedChangeForm
    list_display = ("username", "email", "role", "country", "is_active", "is_staff", "created_at")
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "country")
    search_fields = ("username", "email")
    ordering = ("-created_at",)
    readonly_fields = ("created_at", "last_login")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("first_name", "last_name", "email", "country", "role")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "created_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "role", "password1", "password2")}),
    )
    actions = ["make_listener", "make_artist", "make_admin", "activate", "deactivate", "delete_selected_guarded"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced: the bulk delete keeps the same rules
        return actions

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and issubclass(form, _GuardedChangeForm):
            form = type(form.__name__, (form,), {"actor": request.user})
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            if obj.role == Role.ARTIST:  # an artist account gets its profile, as the API gives it
                services.user_role_change(user=obj, role=Role.ARTIST, actor=request.user, request=request)
            return
        original = User.objects.get(pk=obj.pk)
        new = {field: getattr(obj, field) for field in _GUARDED if field in form.changed_data}
        if new.get("is_superuser", original.is_superuser):
            new.pop("role", None)  # a superuser is always an admin (User.save sets it)
        for field in _GUARDED:
            setattr(obj, field, getattr(original, field))
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if new:
                _apply_guarded(request=request, user=obj, new=new)
        obj.refresh_from_db()

    def log_change(self, request, obj, message):
        """The password form of this admin sets the password itself: revoke the tokens and audit it."""
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "auth_user_password_change":
            services.user_password_changed(user=obj, actor=request.user, request=request)
        return super().log_change(request, obj, message)

    def has_delete_permission(self, request, obj=None):
        """Nobody deletes their own account or the last active superuser here."""
        if obj is not None:
            try:
                services.user_privileges_check(user=obj, actor=request.user, is_active=False)
            except ValidationError:
                return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.user_delete(user=obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for user in queryset.select_for_update():
                services.user_delete(user=user, actor=request.user, request=request)

    def _bulk(self, request, queryset, *, title, summary, change, done):
        def perform(objects, data):
            with transaction.atomic():
                for user in objects:
                    _apply_guarded(request=request, user=user, new=change)
            return done % len(objects)

        return confirm_action(self, request, queryset, title=title, summary=summary, perform=perform)

    @admin.action(description=_("Make selected users listeners"), permissions=["change"])
    def make_listener(self, request, queryset):
        return self._bulk(request, queryset, title=_("Make listeners"), change={"role": Role.USER},
                          summary=_("The selected accounts get the listener role."), done=_("%d users are listeners now."))

    @admin.action(description=_("Make selected users artists"), permissions=["change"])
    def make_artist(self, request, queryset):
        return self._bulk(request, queryset, title=_("Make artists"), change={"role": Role.ARTIST},
                          summary=_("The selected accounts get the artist role and an artist profile (their own, "
                                    "or a new one named after them)."), done=_("%d users are artists now."))

    @admin.action(description=_("Make selected users admins"), permissions=["change"])
    def make_admin(self, request, queryset):
        return self._bulk(request, queryset, title=_("Make admins"), change={"role": Role.ADMIN},
                          summary=_("The selected accounts get the admin role (everything in the API)."),
                          done=_("%d users are admins now."))

    @admin.action(description=_("Activate selected users"), permissions=["change"])
    def activate(self, request, queryset):
        return self._bulk(request, queryset, title=_("Activate"), change={"is_active": True},
                          summary=_("The selected accounts may sign in again."), done=_("%d users are active."))

    @admin.action(description=_("Deactivate selected users"), permissions=["change"])
    def deactivate(self, request, queryset):
        return self._bulk(request, queryset, title=_("Deactivate"), change={"is_active": False},
                          summary=_("The selected accounts cannot sign in any more and every device is signed out."),
                          done=_("%d users are deactivated."))

    @admin.action(description=_("Delete selected users"), permissions=["delete"])
    def delete_selected_guarded(self, request, queryset):
        """Django's bulk delete, refused up front when it would delete oneself or the last superuser."""
        for user in queryset:
            try:
                if user.pk == request.user.pk:
                    raise ValidationError(_("You cannot delete your own account."))
                services.user_privileges_check(user=user, actor=request.user, is_active=False)
            except ValidationError as exc:
                self.message_user(request, f"{user.username}: {'; '.join(exc.messages)}", messages.ERROR)
                return None
        return delete_selected(self, request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(FastChangelist, admin.ModelAdmin):
    """The audit log: read-only, filterable by action, date, actor and target."""

    list_display = ("created_at", "action", "actor_username", "target_username", "ip_address", "details")
    list_filter = ("action", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=actor_username", "=target_username", "=ip_address")
    date_hierarchy = None
    ordering = ("-id",)
    sortable_by = ("created_at",)
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
