"""Search columns carry every credited artist: a track is found under each of its artists' names,
an album under each of its own artists'.

The BEFORE triggers of 0001 now read track_artists / album_artists as well as the owner column;
credit rows arrive after their track (same transaction), so an AFTER trigger on the credit tables
re-touches the track or album, and renaming an artist rewrites the rows that credit it.
"""
from django.db import migrations

WORDS = "public.jonquils_search_words"
FOLD = "public.jonquils_fold"

FORWARD_SQL = f"""
CREATE OR REPLACE FUNCTION search_tracks_fill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE artist_name text; credited text; album_title text; genre_name text;
BEGIN
  SELECT name INTO artist_name FROM public.artists WHERE id = NEW.artist_id;
  SELECT string_agg(a.name, ' ' ORDER BY c.position) INTO credited
    FROM public.track_artists c JOIN public.artists a ON a.id = c.artist_id
   WHERE c.track_id = NEW.id AND c.artist_id <> NEW.artist_id;
  artist_name := concat_ws(' ', artist_name, credited);
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

CREATE OR REPLACE FUNCTION search_albums_fill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE artist_name text; credited text;
BEGIN
  SELECT name INTO artist_name FROM public.artists WHERE id = NEW.artist_id;
  SELECT string_agg(a.name, ' ' ORDER BY c.position) INTO credited
    FROM public.album_artists c JOIN public.artists a ON a.id = c.artist_id
   WHERE c.album_id = NEW.id AND c.artist_id <> NEW.artist_id;
  artist_name := concat_ws(' ', artist_name, credited);
  NEW.search_vector :=
    setweight(to_tsvector('simple'::regconfig, {WORDS}(NEW.title)), 'A')
    || setweight(to_tsvector('simple'::regconfig, {WORDS}(coalesce(artist_name, ''))), 'B');
  NEW.search_text := {FOLD}(NEW.title || ' ' || coalesce(artist_name, ''));
  RETURN NEW;
END $$;

CREATE FUNCTION search_track_credits_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN UPDATE public.tracks SET artist_id = artist_id WHERE id = OLD.track_id; END IF;
  IF TG_OP <> 'DELETE' THEN UPDATE public.tracks SET artist_id = artist_id WHERE id = NEW.track_id; END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER search_track_credits_changed AFTER INSERT OR UPDATE OR DELETE ON track_artists
  FOR EACH ROW EXECUTE FUNCTION search_track_credits_changed();

CREATE FUNCTION search_album_credits_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN UPDATE public.albums SET artist_id = artist_id WHERE id = OLD.album_id; END IF;
  IF TG_OP <> 'DELETE' THEN UPDATE public.albums SET artist_id = artist_id WHERE id = NEW.album_id; END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER search_album_credits_changed AFTER INSERT OR UPDATE OR DELETE ON album_artists
  FOR EACH ROW EXECUTE FUNCTION search_album_credits_changed();

CREATE OR REPLACE FUNCTION search_artist_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE public.tracks SET artist_id = artist_id
   WHERE artist_id = NEW.id OR id IN (SELECT track_id FROM public.track_artists WHERE artist_id = NEW.id);
  UPDATE public.albums SET artist_id = artist_id
   WHERE artist_id = NEW.id OR id IN (SELECT album_id FROM public.album_artists WHERE artist_id = NEW.id);
  RETURN NULL;
END $$;

-- Rows credited before this migration (0004's data migration credited them to their own artist).
UPDATE albums SET title = title WHERE id IN (SELECT album_id FROM album_artists WHERE artist_id <> albums.artist_id);
UPDATE tracks SET title = title WHERE id IN (SELECT track_id FROM track_artists WHERE artist_id <> tracks.artist_id);
"""

REVERSE_SQL = f"""
DROP TRIGGER IF EXISTS search_track_credits_changed ON track_artists;
DROP TRIGGER IF EXISTS search_album_credits_changed ON album_artists;
DROP FUNCTION IF EXISTS search_track_credits_changed(); DROP FUNCTION IF EXISTS search_album_credits_changed();
CREATE OR REPLACE FUNCTION search_artist_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE public.tracks SET artist_id = artist_id WHERE artist_id = NEW.id;
  UPDATE public.albums SET artist_id = artist_id WHERE artist_id = NEW.id;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION search_tracks_fill() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION search_albums_fill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE artist_name text;
BEGIN
  SELECT name INTO artist_name FROM public.artists WHERE id = NEW.artist_id;
  NEW.search_vector :=
    setweight(to_tsvector('simple'::regconfig, {WORDS}(NEW.title)), 'A')
    || setweight(to_tsvector('simple'::regconfig, {WORDS}(coalesce(artist_name, ''))), 'B');
  NEW.search_text := {FOLD}(NEW.title || ' ' || coalesce(artist_name, ''));
  RETURN NEW;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_search_columns"),
        ("catalog", "0004_artist_credits"),
    ]

    operations = [migrations.RunSQL(FORWARD_SQL, reverse_sql=REVERSE_SQL)]
