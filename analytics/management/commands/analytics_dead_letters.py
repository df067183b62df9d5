from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Analytics events ClickHouse refused one by one (the dead-letter stream): "
        "`list` (default) counts and shows them, `replay` puts them back in the buffer, `purge` deletes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", default="list", choices=["list", "replay", "purge"])
        parser.add_argument("ids", nargs="*", help="dead-letter ids (as `list` shows them)")
        parser.add_argument("--all", action="store_true", help="replay or purge every dead letter")
        parser.add_argument("--limit", type=int, default=20, help="how many to show (list)")
        parser.add_argument("--table", help="show only this table's (list)")
        parser.add_argument("--full", action="store_true", help="show whole rows, not their first 300 characters")

    def handle(self, *args, action, ids, all, limit, table, full, **options):  # noqa: A002 - the option's name
        import redis

        from analytics import dead_letters

        try:
            if action == "list":
                self._list(dead_letters, limit=limit, table=table, full=full)
                return
            if not ids and not all:
                raise CommandError(f"Name the dead letters to {action}, or pass --all.")
            chosen = None if all else ids
            if action == "replay":
                outcome = dead_letters.dead_letter_replay(ids=chosen)
                self.stdout.write(f"Replayed {outcome['replayed']} event(s) into the buffer.")
                if outcome["not_replayed"]:
                    self.stdout.write(f"Not replayed (no known table, or the buffer is full): "
                                      f"{', '.join(outcome['not_replayed'])}")
                if outcome["missing"]:
                    self.stdout.write(f"No such dead letter: {', '.join(outcome['missing'])}")
            else:
                self.stdout.write(f"Deleted {dead_letters.dead_letter_purge(ids=chosen)} dead letter(s).")
        except redis.RedisError as exc:
            raise CommandError(f"The analytics buffer (Redis) is unavailable: {exc}") from exc

    def _list(self, dead_letters, *, limit, table, full):
        total = dead_letters.dead_letter_count()
        letters = dead_letters.dead_letter_list(limit=limit, table=table)
        self.stdout.write(f"{total} dead letter(s)" + (f"; showing {len(letters)} of table {table}" if table else
                                                        f"; showing the oldest {len(letters)}" if total else ""))
        for letter in letters:
            payload = letter.payload if full else letter.payload[:300]
            self.stdout.write(f"\n{letter.id}  table={letter.table or '?'}  failed_at={letter.failed_at}  "
                              f"buffer_entry={letter.entry}\n  error: {letter.error}\n  row: {payload}")
