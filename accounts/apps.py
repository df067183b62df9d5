from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_delete, post_save

        from .audit import on_user_logged_in, on_user_login_failed
        from .models import User
        from .tokens import on_user_logged_out
        from .user_cache import on_user_changed

        user_logged_out.connect(on_user_logged_out, dispatch_uid="accounts.stream-links-on-logout")
        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.audit-login")
        user_login_failed.connect(on_user_login_failed, dispatch_uid="accounts.audit-login-failed")
        post_save.connect(on_user_changed, sender=User, dispatch_uid="accounts.user-cache-save")
        post_delete.connect(on_user_changed, sender=User, dispatch_uid="accounts.user-cache-delete")
