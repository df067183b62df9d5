"""python manage.py search_reindex [--entity track ...]: rebuild search indexes with zero downtime."""
from django.conf import settings
from django.core.management.base import BaseCommand

from search.es import KINDS


class Command(BaseCommand):
    help = "Rebuild the Elasticsearch indexes (new index + alias swap); nothing to do on PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--entity", action="append", choices=sorted(KINDS), help="repeatable; default: all")

    def handle(self, *args, **options):
        if settings.SEARCH_BACKEND != "elasticsearch":
            self.stdout.write(
                "SEARCH_BACKEND is PostgreSQL: the database keeps the search columns current "
                "(generated columns and triggers); there is no index to rebuild."
            )
            return
        from search.es import rebuild

        for entity in options["entity"] or list(KINDS):
            name = rebuild(entity)
            self.stdout.write(f"{entity}: alias now points at {name}")
