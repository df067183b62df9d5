from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.demo import demo_catalog_create


class Command(BaseCommand):
    help = "Create a small demo catalog with real generated audio, users of each role, playlists and listens (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=settings.JONQUILS_DEMO_PASSWORD,
                            help="Password of the demo users created now (JONQUILS_DEMO_PASSWORD).")

    def handle(self, *args, password, **options):
        summary = demo_catalog_create(password=password)
        created = ", ".join(f"{n} {kind}" for kind, n in summary.created.items() if n) or "nothing (already there)"
        self.stdout.write(f"Created {created}.")
        self.stdout.write(f"Demo logins: listener1..3, artist_velvet, artist_kite — password: {password}")
