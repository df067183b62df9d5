"""Elasticsearch documents (django-elasticsearch-dsl) of tracks, artists, albums and playlists.

Each index name below is an alias: `search_reindex` builds `<alias>-<timestamp>` and swaps
the alias onto it (search.es). Auto-sync is off (settings): documents are sent in batches
by search.tasks / search.services.index_tracks, never from a model's save().

Analyzers give the behaviour of the PostgreSQL backend:
- `folded`: standard tokenizer (splits "AC/DC"), dots and apostrophes dropped first
  ("R.E.M." -> "rem"), lowercase, asciifolding ("Beyoncé" -> "beyonce"); Cyrillic and
  other scripts are lower-cased and kept.
- `.compact` sub-field: the whole name without spaces or punctuation ("acdc").
- `.suggest` sub-field: edge n-grams (1-20) at index time, `folded` at search time, for
  prefixes and as-you-type ("metall" -> Metallica).
Typos are handled at query time (fuzziness AUTO, search.backends.elastic).

Every row is indexed, whatever its state (tracks carry `processing_status`, playlists
`is_public` and `owner_id`): the query pre-filters by the viewer's SearchScope, and hits
are loaded through `visible_to(viewer)`, the one visibility rule.
"""
from __future__ import annotations

from django.conf import settings
from django_elasticsearch_dsl import Document, Index, fields
from django_elasticsearch_dsl.registries import registry
from elasticsearch.dsl import analyzer, char_filter, token_filter, tokenizer

from catalog.models import Album, Artist, Track
from catalog.selectors import album_artists, albums_with_credits, track_artists, with_credits
from playlists.models import Playlist

_drop_marks = char_filter("jonquils_drop_marks", type="pattern_replace", pattern="[.'’`]", replacement="")
_drop_all = char_filter("jonquils_drop_all", type="pattern_replace", pattern="[^\\p{L}\\p{N}]", replacement="")
_edge = token_filter("jonquils_edge", type="edge_ngram", min_gram=1, max_gram=20)

folded = analyzer("jonquils_folded", tokenizer="standard", char_filter=[_drop_marks], filter=["lowercase", "asciifolding"])
compact = analyzer("jonquils_compact", tokenizer=tokenizer("keyword"), char_filter=[_drop_all], filter=["lowercase", "asciifolding"])
autocomplete = analyzer(
    "jonquils_autocomplete", tokenizer="standard", char_filter=[_drop_marks], filter=["lowercase", "asciifolding", _edge]
)

INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0, "max_ngram_diff": 19}


def alias_name(kind: str) -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-{kind}"


def _index(kind: str) -> Index:
    index = Index(alias_name(kind))
    index.settings(**INDEX_SETTINGS)
    return index


def _name_field(**kwargs) -> fields.TextField:
    """A name or title: folded words, plus the compact and the as-you-type forms."""
    return fields.TextField(
        analyzer=folded,
        fields={
            "compact": fields.TextField(analyzer=compact),
            "suggest": fields.TextField(analyzer=autocomplete, search_analyzer=folded),
        },
        **kwargs,
    )


class _Document(Document):
    """Document whose field preparers survive __init__.

    django-elasticsearch-dsl 9.0 stores them with `self._prepared_fields = ...`, which the
    elasticsearch 9.5 DSL turns into document data: prepare() then saw no field at all.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "_prepared_fields", self.init_prepare())


tracks_index = _index("tracks")
artists_index = _index("artists")
albums_index = _index("albums")
playlists_index = _index("playlists")


@registry.register_document
@tracks_index.document
class TrackDocument(_Document):
    title = _name_field()
    artist_name = _name_field(multi=True)  # every credited artist's name, in credit order
    album_title = fields.TextField(analyzer=folded)
    genre_name = fields.TextField(analyzer=folded)
    artist_id = fields.IntegerField()  # the main artist
    artist_ids = fields.IntegerField(multi=True)  # every credited artist
    genre_id = fields.IntegerField()
    genre_key = fields.KeywordField()
    year = fields.IntegerField()
    popularity = fields.FloatField()
    tempo = fields.FloatField()
    energy = fields.FloatField()
    processing_status = fields.KeywordField()

    class Django:
        model = Track
        queryset_pagination = 500

    def get_queryset(self):
        return with_credits(Track.objects.select_related("artist", "album", "genre"))

    def prepare_artist_name(self, track) -> list[str]:
        return [artist.name for artist in track_artists(track)]

    def prepare_artist_ids(self, track) -> list[int]:
        return [artist.pk for artist in track_artists(track)]

    def prepare_album_title(self, track) -> str:
        return track.album.title if track.album else ""

    def prepare_genre_name(self, track) -> str:
        return track.genre.name if track.genre else ""

    def prepare_genre_key(self, track) -> str:
        return track.genre.name.lower() if track.genre else ""

    def prepare_year(self, track) -> int | None:
        return track.album.release_date.year if track.album and track.album.release_date else None


@registry.register_document
@artists_index.document
class ArtistDocument(_Document):
    name = _name_field()
    aliases = _name_field(multi=True)  # merged duplicates' names (catalog.curation.artist_merge)
    bio = fields.TextField(analyzer=folded)
    popularity = fields.FloatField()
    genre_ids = fields.IntegerField(multi=True)
    genre_keys = fields.KeywordField(multi=True)

    class Django:
        model = Artist
        queryset_pagination = 500

    def prepare_popularity(self, artist) -> float:
        return float(sum(t.popularity for t in artist.tracks.all()))

    def prepare_genre_ids(self, artist) -> list[int]:
        return sorted({t.genre_id for t in artist.tracks.all() if t.genre_id})

    def prepare_genre_keys(self, artist) -> list[str]:
        return sorted({t.genre.name.lower() for t in artist.tracks.all() if t.genre_id})

    def get_queryset(self):
        return Artist.objects.prefetch_related("tracks__genre")


@registry.register_document
@albums_index.document
class AlbumDocument(_Document):
    title = _name_field()
    artist_name = _name_field(multi=True)  # the album's own artists, in order
    artist_id = fields.IntegerField()
    artist_ids = fields.IntegerField(multi=True)
    year = fields.IntegerField()
    popularity = fields.FloatField()

    class Django:
        model = Album
        queryset_pagination = 500

    def get_queryset(self):
        return albums_with_credits(Album.objects.select_related("artist").prefetch_related("tracks"))

    def prepare_artist_name(self, album) -> list[str]:
        return [artist.name for artist in album_artists(album)]

    def prepare_artist_ids(self, album) -> list[int]:
        return [artist.pk for artist in album_artists(album)]

    def prepare_year(self, album) -> int | None:
        return album.release_date.year if album.release_date else None

    def prepare_popularity(self, album) -> float:
        return float(sum(t.popularity for t in album.tracks.all()))


@registry.register_document
@playlists_index.document
class PlaylistDocument(_Document):
    title = _name_field()
    description = fields.TextField(analyzer=folded)
    is_public = fields.BooleanField()
    owner_id = fields.IntegerField()
    popularity = fields.FloatField()

    class Django:
        model = Playlist
        queryset_pagination = 500

    def get_queryset(self):
        return Playlist.objects.prefetch_related("entries")

    def prepare_popularity(self, playlist) -> float:
        return float(len(playlist.entries.all()))


DOCUMENTS = {"track": TrackDocument, "artist": ArtistDocument, "album": AlbumDocument, "playlist": PlaylistDocument}
