"""Credited artists: ordered track and album credits; existing rows credited to their current artist."""

import django.db.models.deletion
from django.db import migrations, models


# Every existing track and album is credited to its current artist (position 0, main).
CREDIT_EXISTING_SQL = """
INSERT INTO track_artists (track_id, artist_id, position, role)
SELECT id, artist_id, 0, 'main' FROM tracks ON CONFLICT DO NOTHING;
INSERT INTO album_artists (album_id, artist_id, position)
SELECT id, artist_id, 0 FROM albums ON CONFLICT DO NOTHING;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_track_lyrics_replay_gain_format'),
    ]

    operations = [
        migrations.CreateModel(
            name='AlbumArtist',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('album', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='credits', to='catalog.album')),
                ('artist', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='album_credits', to='catalog.artist')),
            ],
            options={
                'db_table': 'album_artists',
                'ordering': ['album_id', 'position'],
                'indexes': [models.Index(fields=['artist', 'album'], name='album_artists_artist_idx')],
                'constraints': [models.UniqueConstraint(fields=('album', 'position'), name='album_artists_position_unique'), models.UniqueConstraint(fields=('album', 'artist'), name='album_artists_artist_unique')],
            },
        ),
        migrations.CreateModel(
            name='TrackArtist',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('role', models.CharField(choices=[('main', 'Main'), ('featured', 'Featured')], default='main', max_length=16)),
                ('artist', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='track_credits', to='catalog.artist')),
                ('track', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='credits', to='catalog.track')),
            ],
            options={
                'db_table': 'track_artists',
                'ordering': ['track_id', 'position'],
                'indexes': [models.Index(fields=['artist', 'track'], name='track_artists_artist_idx')],
                'constraints': [models.UniqueConstraint(fields=('track', 'position'), name='track_artists_position_unique'), models.UniqueConstraint(fields=('track', 'artist'), name='track_artists_artist_unique'), models.CheckConstraint(condition=models.Q(('role__in', ['main', 'featured'])), name='track_artists_role_valid')],
            },
        ),
        migrations.RunSQL(CREDIT_EXISTING_SQL, reverse_sql=migrations.RunSQL.noop),
    ]
