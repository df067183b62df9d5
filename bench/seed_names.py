"""The vocabulary benchmark names are drawn from: a few very common words, many rare ones (Zipf-like).

Shared by the dataset seed (bench/seed.py) and the search benchmark (bench/search.py) so both
search the same kind of text. Several scripts on purpose: folding and search must treat
Latin with accents, Cyrillic, Greek, CJK and Arabic alike.
"""
from __future__ import annotations

import random

COMMON_WORDS = (
    "love night heart baby dance fire dream time girl blue summer rain home light world road "
    "money night sweet wild gold river moon star city song party soul morning midnight ghost "
    "café señor naïve любовь ночь lune corazón θάλασσα αγάπη 夜 愛 東京 حب ليل"
).split()
SYLLABLES = "ka lo mi ra ten sol vi an dor el fin gar hu jo ly mo nek or pa qu ri sa tu ur ve wo xa yo zu".split()
# Terms the benchmarks query, one per kind of search (see QUERIES in bench/search.py).
RARE_WORD = "zyzzogeton"
TYPO_ARTIST = "Metallica"
SEARCH_TERMS = {"rare": RARE_WORD, "common": "love", "typo": "metalica", "prefix": "lov"}


def vocabulary(size: int, *, seed: int = 42) -> list[str]:
    """Return `size` distinct words, the common ones first (rank 1 is the most frequent under a Zipf pick)."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(COMMON_WORDS))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words
