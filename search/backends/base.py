"""What every backend receives and returns: ids with scores, ranked; the service hydrates them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

ENTITIES = ("track", "artist", "album", "playlist")


@dataclass(frozen=True)
class SearchFilters:
    genre_id: int | None = None
    genre_name: str | None = None
    artist_id: int | None = None
    year_min: int | None = None
    year_max: int | None = None
    tempo_min: float | None = None
    tempo_max: float | None = None
    energy_min: float | None = None
    energy_max: float | None = None


@dataclass(frozen=True)
class SearchScope:
    """Which rows a backend may skip for this viewer: a cheap pre-filter, never the rule itself.

    The rule is `visible_to(user)` of each model, applied when hits are loaded
    (search.selectors.hits_visible): a stale index cannot show a row the viewer may not see.
    The scope only keeps rows the viewer can never see from using up the ranked candidates,
    so it must never drop a row `visible_to` would keep. Built by search.services.search_scope.

    sees_all: admins (no pre-filter). user_id: the viewer's own private playlists.
    artist_id: the viewer's own artist profile, whose unfinished tracks they may see.
    """

    sees_all: bool = False
    user_id: int | None = None
    artist_id: int | None = None


@dataclass(frozen=True)
class SearchRequest:
    """A validated query: `text` as typed (trimmed), `folded` and `words` as search.folding made them."""

    entity: str
    text: str
    folded: str
    words: tuple[str, ...]
    user_id: int | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    scope: SearchScope = field(default_factory=SearchScope)
    # Who searches (a User, or None for anonymous): hits are loaded through visible_to(viewer).
    viewer: Any = field(default=None, compare=False, repr=False)
    limit: int = 500
    candidates: int | None = None  # None: settings.SEARCH_CANDIDATE_LIMIT


@dataclass(frozen=True)
class Hit:
    entity: str
    id: int
    score: float
    popularity: float = 0.0


class SearchBackend(Protocol):
    name: str
    # True when writes must be sent to the index (Elasticsearch); False when the database keeps it (PostgreSQL).
    needs_sync: bool

    def search(self, request: SearchRequest) -> list[Hit]:
        """Return at most request.limit hits, best first (relevance, then popularity)."""

    def index_tracks(self, *, track_ids: list[int] | None = None) -> int:
        """Bring the index up to date for these tracks (all when None); return how many were sent."""

    def index_objects(self, *, entity: str, ids: list[int]) -> int:
        """Bring the index up to date for these rows of one entity (deleted rows leave it); return how many were sent."""

    def ping(self) -> dict:
        """Run a trivial query; raise when the backend cannot answer."""
