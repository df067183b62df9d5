from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Apply the ClickHouse migrations not yet recorded in schema_migrations."

    def handle(self, *args, **options):
        from analytics.clickhouse import ClickHouseError, get_client
        from analytics.clickhouse.migrations import MIGRATIONS, migrate

        client = get_client()
        try:
            # Through the owner in embedded mode (it holds chDB); directly against a server.
            applied = client.backend.call("/migrate")["applied"] if client.kind == "owner" else migrate(client)
        except ClickHouseError as exc:
            raise CommandError(f"ClickHouse migrations failed: {exc}") from exc
        latest = MIGRATIONS[-1].version
        if applied:
            self.stdout.write(f"Applied ClickHouse migrations {applied}; schema at version {latest}.")
        else:
            self.stdout.write(f"ClickHouse schema already at version {latest}.")
