"""What every backend receives and returns: ids with scores, ranked; the service hydrates them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

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
class SearchRequest:
    """A validated query: `text` as typed (trimmed), `folded` and `words` as search.folding made them."""

    entity: str
    text: str
    folded: str
    words: tuple[str, ...]
    user_id: int | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
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

    def search(self, request: SearchRequest) -> list[Hit]:
        """Return at most request.limit hits, best first (relevance, then popularity)."""

    def index_tracks(self, *, track_ids: list[int] | None = None) -> int:
        """Bring the index up to date for these tracks (all when None); return how many were sent."""

    def ping(self) -> dict:
        """Run a trivial query; raise when the backend cannot answer."""
