"""Album indexes for "newest first": the home page and browse (release date, undated last) and Subsonic (created)."""

import datetime
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_curation'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='album',
            index=models.Index(django.db.models.functions.comparison.Coalesce('release_date', models.Value(datetime.date(1, 1, 1))), models.F('id'), name='albums_newest_idx'),
        ),
        migrations.AddIndex(
            model_name='album',
            index=models.Index(fields=['created_at', 'id'], name='albums_created_id_idx'),
        ),
    ]
