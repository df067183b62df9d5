"""Re-encrypt every stored Subsonic password under the first of SUBSONIC_CREDENTIAL_KEYS (after a key rotation)."""
from django.core.management.base import BaseCommand

from accounts.subsonic_credentials import subsonic_credentials_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt the stored Subsonic passwords under the first SUBSONIC_CREDENTIAL_KEYS key."

    def handle(self, *args, **options):
        count = subsonic_credentials_reencrypt()
        self.stdout.write(f"re-encrypted {count} Subsonic password(s)")
