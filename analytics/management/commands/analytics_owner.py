from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the analytics owner: hold chDB (embedded mode), drain the event buffer, answer queries."

    def handle(self, *args, **options):
        from analytics.owner import run_owner

        run_owner()
