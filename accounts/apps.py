from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from .tokens import on_user_logged_out

        user_logged_out.connect(on_user_logged_out, dispatch_uid="accounts.stream-links-on-logout")
