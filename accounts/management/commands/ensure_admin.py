from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import admin_ensure


class Command(BaseCommand):
    help = "Create the staff admin (JONQUILS_ADMIN_USER) on first run and print its login."

    def handle(self, *args, **options):
        user, password = admin_ensure(
            username=settings.JONQUILS_ADMIN_USER,
            password=settings.JONQUILS_ADMIN_PASSWORD,
            password_file=settings.EMBEDDED.admin_password_file,
        )
        shown = password if password is not None else "(changed since first run; not shown)"
        self.stdout.write(f"{user.username} / {shown}")
