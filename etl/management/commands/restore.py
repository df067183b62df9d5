"""manage.py restore DIR [--force]: put a backup back, refusing a target that holds data unless --force."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from etl.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` and check counts and checksums against its manifest."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path)
        parser.add_argument("--force", action="store_true", help="replace what the target already holds")

    def handle(self, *args, source, force, **options):
        try:
            report = backup_restore(source=source, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored from {source}: counts match, {report['objects_checked']} objects verified.")
