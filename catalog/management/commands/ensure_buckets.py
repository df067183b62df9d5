from django.core.management.base import BaseCommand

from jonquils.storage import BUCKETS, ensure_buckets


class Command(BaseCommand):
    help = "Create the storage buckets (tracks, covers, playlists, temp) that are missing."

    def handle(self, *args, **options):
        created = ensure_buckets()
        self.stdout.write(f"buckets: {', '.join(BUCKETS)}; created: {', '.join(created) or 'none'}")
