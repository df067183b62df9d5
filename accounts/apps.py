from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from .audit import on_user_logged_in, on_user_login_failed
        from .tokens import on_user_logged_out

        user_logged_out.connect(on_user_logged_out, dispatch_uid="accounts.stream-links-on-logout")
        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.audit-login")
        user_login_failed.connect(on_user_login_failed, dispatch_uid="accounts.audit-login-failed")
