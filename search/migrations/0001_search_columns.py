"""Search columns on the catalog and playlist tables, kept current by the database.

Why the database and not the application: rows arrive from the ORM, the ETL's bulk loads
and benchmarks' INSERT ... SELECT; generated columns and triggers fold and index all of
them the same way, with no code path that can forget.

- artists, playlists: generated columns (their text is all in the row).
- tracks, albums: BEFORE triggers (their vector holds the artist's name, the album's title
  and the genre's name); renaming an artist, album or genre re-touches the rows that
  carry the old name (AFTER triggers).
- search_vector: 'simple' configuration (no stemming, no stop words: every language and
  script alike), weights A title/name, B artist/album, C description/bio/genre.
- search_text: folded title (+ artist) for pg_trgm typo matching.
The models of catalog/playlists do not declare these columns: the ORM never writes them.
"""
from django.db import migrations

from search.folding import DROP_FUNCTIONS_SQL, fold_function_sql

WORDS = "public.jonquils_search_words"
FOLD = "public.jonquils_fold"

GENERATED_SQL = f"""
ALTER TABLE artists
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, {WORDS}(name)), 'A')
    || setweight(to_tsvector('simple'::regconfig, {FOLD}(bio)), 'C')) STORED,
  ADD COLUMN search_text text GENERATED ALWAYS AS ({FOLD}(name)) STORED;
ALTER TABLE playlists
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, {WORDS}(title)), 'A')
    || setweight(to_tsvector('simple'::regconfig, {FOLD}(description)), 'C')) STORED,
  ADD COLUMN search_text text GENERATED ALWAYS AS ({FOLD}(title)) STORED;
"""

TRIGGERS_SQL = f"""
ALTER TABLE tracks ADD COLUMN search_vector tsvector, ADD COLUMN search_text text;
ALTER TABLE albums ADD COLUMN search_vector tsvector, ADD COLUMN search_text text;

CREATE FUNCTION search_tracks_fill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE artist_name text; album_title text; genre_name text;
BEGIN
  SELECT name INTO artist_name FROM public.artists WHERE id = NEW.artist_id;
  IF NEW.album_id IS NOT NULL THEN SELECT title INTO album_title FROM public.albums WHERE id = NEW.album_id; END IF;
  IF NEW.genre_id IS NOT NULL THEN SELECT name INTO genre_name FROM public.genres WHERE id = NEW.genre_id; END IF;
  NEW.search_vector :=
    setweight(to_tsvector('simple'::regconfig, {WORDS}(NEW.title)), 'A')
    || setweight(to_tsvector('simple'::regconfig, {WORDS}(coalesce(artist_name, ''))), 'B')
    || setweight(to_tsvector('simple'::regconfig, {FOLD}(coalesce(album_title, ''))), 'B')
    || setweight(to_tsvector('simple'::regconfig, {FOLD}(coalesce(genre_name, ''))), 'C');
  NEW.search_text := {FOLD}(NEW.title || ' ' || coalesce(artist_name, ''));
  RETURN NEW;
END $$;
CREATE TRIGGER search_tracks_fill BEFORE INSERT OR UPDATE OF title, artist_id, album_id, genre_id
  ON tracks FOR EACH ROW EXECUTE FUNCTION search_tracks_fill();

CREATE FUNCTION search_albums_fill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE artist_name text;
BEGIN
  SELECT name INTO artist_name FROM public.artists WHERE id = NEW.artist_id;
  NEW.search_vector :=
    setweight(to_tsvector('simple'::regconfig, {WORDS}(NEW.title)), 'A')
    || setweight(to_tsvector('simple'::regconfig, {WORDS}(coalesce(artist_name, ''))), 'B');
  NEW.search_text := {FOLD}(NEW.title || ' ' || coalesce(artist_name, ''));
  RETURN NEW;
END $$;
CREATE TRIGGER search_albums_fill BEFORE INSERT OR UPDATE OF title, artist_id
  ON albums FOR EACH ROW EXECUTE FUNCTION search_albums_fill();

-- A renamed artist/album/genre: rewrite the rows that carry its name (the BEFORE triggers
-- above fire on "UPDATE OF" the listed column).
CREATE FUNCTION search_artist_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE public.tracks SET artist_id = artist_id WHERE artist_id = NEW.id;
  UPDATE public.albums SET artist_id = artist_id WHERE artist_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER search_artist_renamed AFTER UPDATE OF name ON artists
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION search_artist_renamed();

CREATE FUNCTION search_album_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE public.tracks SET album_id = album_id WHERE album_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER search_album_renamed AFTER UPDATE OF title ON albums
  FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION search_album_renamed();

CREATE FUNCTION search_genre_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE public.tracks SET genre_id = genre_id WHERE genre_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER search_genre_renamed AFTER UPDATE OF name ON genres
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION search_genre_renamed();

-- Rows that existed before this migration.
UPDATE albums SET title = title;
UPDATE tracks SET title = title;
"""

INDEXES_SQL = """
CREATE INDEX tracks_search_vector_idx ON tracks USING gin (search_vector);
CREATE INDEX tracks_search_text_trgm_idx ON tracks USING gin (search_text gin_trgm_ops);
CREATE INDEX artists_search_vector_idx ON artists USING gin (search_vector);
CREATE INDEX artists_search_text_trgm_idx ON artists USING gin (search_text gin_trgm_ops);
CREATE INDEX albums_search_vector_idx ON albums USING gin (search_vector);
CREATE INDEX albums_search_text_trgm_idx ON albums USING gin (search_text gin_trgm_ops);
CREATE INDEX playlists_search_vector_idx ON playlists USING gin (search_vector);
CREATE INDEX playlists_search_text_trgm_idx ON playlists USING gin (search_text gin_trgm_ops);
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS search_genre_renamed ON genres;
DROP TRIGGER IF EXISTS search_album_renamed ON albums;
DROP TRIGGER IF EXISTS search_artist_renamed ON artists;
DROP TRIGGER IF EXISTS search_albums_fill ON albums;
DROP TRIGGER IF EXISTS search_tracks_fill ON tracks;
DROP FUNCTION IF EXISTS search_genre_renamed(); DROP FUNCTION IF EXISTS search_album_renamed();
DROP FUNCTION IF EXISTS search_artist_renamed(); DROP FUNCTION IF EXISTS search_albums_fill();
DROP FUNCTION IF EXISTS search_tracks_fill();
ALTER TABLE tracks DROP COLUMN IF EXISTS search_vector, DROP COLUMN IF EXISTS search_text;
ALTER TABLE albums DROP COLUMN IF EXISTS search_vector, DROP COLUMN IF EXISTS search_text;
ALTER TABLE artists DROP COLUMN IF EXISTS search_vector, DROP COLUMN IF EXISTS search_text;
ALTER TABLE playlists DROP COLUMN IF EXISTS search_vector, DROP COLUMN IF EXISTS search_text;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("playlists", "0001_initial"),
    ]

    operations = [
        # Kept on reverse: other code may use pg_trgm too.
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm;", reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(fold_function_sql(), reverse_sql=DROP_FUNCTIONS_SQL),
        migrations.RunSQL(GENERATED_SQL + TRIGGERS_SQL + INDEXES_SQL, reverse_sql=DROP_SQL),
    ]
