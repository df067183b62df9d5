"""An index on tracks.file_path: each upload's load looks its file up, and the embedded media
the cleanup after a track is deleted asks whether any track still holds its path. At 1M tracks, without it, that lookup walked
the primary key for 2.5 s per upload (bench/NOTES.md, fifth round)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_album_newest_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='track',
            index=models.Index(fields=['file_path'], name='tracks_file_path_idx'),
        ),
    ]
