"""manage.py backup DIR: PostgreSQL, the ClickHouse tables and the objects (see etl/backup.py)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from etl.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up PostgreSQL (pg_dump), the ClickHouse tables and the objects of every bucket into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("target", type=Path)
        parser.add_argument("--no-objects", action="store_true",
                            help="list the objects with their checksums but do not copy them (S3 has its own backups)")

    def handle(self, *args, target, no_objects, **options):
        try:
            manifest = backup_create(target=target, objects=not no_objects)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        objects = sum(len(entries) for entries in manifest["objects"].values())
        self.stdout.write(f"Backed up to {target}: {sum(manifest['postgres'].values())} PostgreSQL rows counted, "
                          f"{sum(manifest['clickhouse'].values())} ClickHouse rows, {objects} objects.")
