"""`manage.py bench_seed --tracks N`: issue 17's benchmark dataset into the var dir JONQUILS_VAR_DIR names."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEFAULT_VAR = (Path(settings.BASE_DIR) / "var").resolve()


class Command(BaseCommand):
    help = "Fill a separate database (JONQUILS_VAR_DIR) with the benchmark dataset of issue 17."

    def add_arguments(self, parser):
        parser.add_argument("--tracks", type=int, required=True)
        for name in ("artists", "albums", "users", "listens", "playlists", "big-playlists"):
            parser.add_argument(f"--{name}", type=int, default=None)
        parser.add_argument("--big-playlist-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--reset", action="store_true", help="drop every catalog/account/playlist/listen row first")
        parser.add_argument("--allow-default-var", action="store_true", help="allow seeding the project's own var/")

    def handle(self, *args, **options):
        from bench.seed import SeedParams, SeedRefused, seed_dataset
        from bench.seed_clickhouse import AnalyticsOwnerRunning, open_seed_clickhouse

        var_dir = os.environ.get("JONQUILS_VAR_DIR")
        if not var_dir or (Path(var_dir).resolve() == DEFAULT_VAR and not options["allow_default_var"]):
            self._refuse("set JONQUILS_VAR_DIR to a separate var dir (e.g. var/bench/t1000000); seeding the "
                         "project's default var/ needs --allow-default-var")
        params = SeedParams(tracks=options["tracks"], artists=options["artists"], albums=options["albums"],
                            users=options["users"], listens=options["listens"], playlists=options["playlists"],
                            big_playlists=options["big_playlists"], big_playlist_size=options["big_playlist_size"],
                            seed=options["seed"], reset=options["reset"])
        try:
            params.resolved()
        except SeedRefused as exc:
            self._refuse(str(exc))
        stack = self._start_stack_if_needed()
        try:
            call_command("migrate", verbosity=0)
            # The owner is not running while seeding: chDB is opened here, on the owner's path.
            clickhouse, close_clickhouse = open_seed_clickhouse()
            try:
                result = seed_dataset(params, clickhouse=clickhouse, report_path=Path(var_dir) / "bench-seed.json",
                                      say=lambda m: self.stdout.write(m))
            finally:
                close_clickhouse()
        except (SeedRefused, AnalyticsOwnerRunning) as exc:
            self._refuse(str(exc))
        finally:
            if stack is not None:
                stack.stop()
        self.stdout.write(self.style.SUCCESS(
            f"seeded {result.counts} in {result.seconds['total']:.1f} s; wrote {Path(var_dir) / 'bench-seed.json'}"))

    def _refuse(self, message: str):
        self.stderr.write(f"bench_seed: {message}")
        sys.exit(2)

    def _start_stack_if_needed(self):
        """Start the var dir's embedded PostgreSQL and Redis when the database is embedded and not running."""
        from django.db import OperationalError, connection

        try:
            connection.ensure_connection()
            return None
        except OperationalError:
            if settings.SERVICES_MODE:
                raise
        from jonquils.embedded.paths import embedded_paths
        from jonquils.embedded.services import EmbeddedStack

        stack = EmbeddedStack(embedded_paths())
        stack.start()
        return stack
