"""`manage.py etl_run`: run music_etl_pipeline once, here, and print the job summary."""
from django.core.management.base import BaseCommand, CommandError

from etl.pipeline.run import STEPS, run_pipeline


class Command(BaseCommand):
    help = "Run the ETL pipeline once (extract, process, genre_model, index, aggregates, cache) and print the job summary."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Process at most this many pending files.")
        parser.add_argument("--step", action="append", choices=STEPS, dest="steps",
                            help="Run only this step (repeatable); default: every step in order.")

    def handle(self, *args, limit=None, steps=None, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        ordered = tuple(step for step in STEPS if step in (steps or STEPS))
        job = run_pipeline(limit=limit, steps=ordered)
        out = self.stdout
        out.write(f"etl job {job.pk} ({job.job_name}): {job.status}")
        out.write(f"  steps:     {', '.join(ordered)}")
        out.write(f"  new:       {job.records_new}")
        out.write(f"  processed: {job.records_processed}")
        out.write(f"  failed:    {job.records_failed}")
        out.write(f"  skipped:   {job.records_skipped}")
        out.write(f"  duration:  {(job.end_time - job.start_time).total_seconds():.1f} s")
        genre_model = job.details.get("genre_model")
        if genre_model:
            out.write(f"  genre model: {genre_model['status']}"
                      + (f", held-out accuracy {genre_model['held_out_accuracy']:.2f} vs majority baseline "
                         f"{genre_model['majority_baseline']:.2f}" if genre_model.get("held_out_accuracy") is not None else ""))
        aggregates = job.details.get("aggregates")
        if aggregates:
            out.write(f"  aggregates: {aggregates['status']}"
                      + (f", {aggregates['tracks_scored']} tracks scored" if aggregates["status"] == "done" else
                         f": {aggregates['reason']}"))
        if job.error_message:
            out.write(f"  error:     {job.error_message.strip().splitlines()[-1]}")
            raise CommandError(f"etl job {job.pk} failed")
