"""Staff curation: hidden tracks, artist aliases (searchable), indexes for the admin's filters and sorts.

The artists' generated search columns (search 0001) are rebuilt to include the aliases, so
a merged duplicate's name still finds the artist that absorbed it.
"""

import django.contrib.postgres.fields
from django.conf import settings
from django.db import migrations, models

WORDS = "public.jonquils_search_words"
FOLD = "public.jonquils_fold"

ALIASES_SQL = f"""
CREATE OR REPLACE FUNCTION public.jonquils_aliases_text(a varchar[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(array_to_string(a, ' '), '') $$;
ALTER TABLE artists DROP COLUMN search_vector, DROP COLUMN search_text;
ALTER TABLE artists
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, {WORDS}(name)), 'A')
    || setweight(to_tsvector('simple'::regconfig, {WORDS}(public.jonquils_aliases_text(aliases))), 'A')
    || setweight(to_tsvector('simple'::regconfig, {FOLD}(bio)), 'C')) STORED,
  ADD COLUMN search_text text GENERATED ALWAYS AS (
    {FOLD}(name || ' ' || public.jonquils_aliases_text(aliases))) STORED;
CREATE INDEX artists_search_vector_idx ON artists USING gin (search_vector);
CREATE INDEX artists_search_text_trgm_idx ON artists USING gin (search_text gin_trgm_ops);
"""

ALIASES_REVERSE_SQL = f"""
ALTER TABLE artists DROP COLUMN search_vector, DROP COLUMN search_text;
ALTER TABLE artists
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, {WORDS}(name)), 'A')
    || setweight(to_tsvector('simple'::regconfig, {FOLD}(bio)), 'C')) STORED,
  ADD COLUMN search_text text GENERATED ALWAYS AS ({FOLD}(name)) STORED;
CREATE INDEX artists_search_vector_idx ON artists USING gin (search_vector);
CREATE INDEX artists_search_text_trgm_idx ON artists USING gin (search_text gin_trgm_ops);
DROP FUNCTION IF EXISTS public.jonquils_aliases_text(varchar[]);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_artist_credits'),
        ('search', '0001_search_columns'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='artist',
            name='aliases',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=255), blank=True, db_default=[], default=list, size=None),
        ),
        migrations.AddField(
            model_name='track',
            name='hidden',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddIndex(
            model_name='album',
            index=models.Index(fields=['title', 'id'], name='albums_title_id_idx'),
        ),
        migrations.AddIndex(
            model_name='album',
            index=models.Index(fields=['release_date', 'id'], name='albums_release_id_idx'),
        ),
        migrations.AddIndex(
            model_name='artist',
            index=models.Index(fields=['name', 'id'], name='artists_name_id_idx'),
        ),
        migrations.AddIndex(
            model_name='artist',
            index=models.Index(fields=['country', 'id'], name='artists_country_id_idx'),
        ),
        migrations.AddIndex(
            model_name='track',
            index=models.Index(condition=models.Q(('hidden', True)), fields=['id'], name='tracks_hidden_idx'),
        ),
        migrations.AddIndex(
            model_name='track',
            index=models.Index(condition=models.Q(('tempo__isnull', True)), fields=['id'], name='tracks_no_features_idx'),
        ),
        migrations.AddIndex(
            model_name='track',
            index=models.Index(fields=['title', 'id'], name='tracks_title_idx'),
        ),
        migrations.AddIndex(
            model_name='track',
            index=models.Index(fields=['processing_status', 'id'], name='tracks_status_id_idx'),
        ),
        migrations.AddIndex(
            model_name='track',
            index=models.Index(fields=['genre', 'id'], name='tracks_genre_id_idx'),
        ),
        migrations.RunSQL(ALIASES_SQL, reverse_sql=ALIASES_REVERSE_SQL),
    ]
