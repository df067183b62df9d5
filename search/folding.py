"""Case, accent and punctuation folding, identical in Python and in PostgreSQL.

The embedded PostgreSQL has no `unaccent`, so the database gets its own IMMUTABLE SQL
function `jonquils_fold(text)` built from PostgreSQL's own Unicode support (`normalize`,
`lower`, `regexp_replace`) and the constants below; Python folds queries with the same
constants, so a query and a stored name fold alike by construction (tests compare both).

Rules: NFKD, drop combining marks ("Beyoncé" -> "beyonce", "Кино" -> "кино"), lower case,
a few letters without decomposition spelled out ("ø" -> "o", "ß" -> "ss"); apostrophes and
dots vanish ("R.E.M." -> "rem"); other punctuation becomes a space ("AC/DC" -> "ac dc").
`jonquils_compact(text)` also drops the spaces ("acdc"), so names written together or
apart both match.

Why not a generated `translate()` table: PostgreSQL's translate() scans its whole `from`
string for every input character; with the ~850 characters a full table needs it cost
200 µs per title (20 s per 100k rows). normalize() + regexp_replace() cost ~5 µs.

Changing these constants changes stored data: ship a new migration that recreates the
functions and rewrites the search columns (generated columns are not recomputed alone).
"""
from __future__ import annotations

import re
import unicodedata

# Combining marks left by NFKD (accents, breve of "й", diaeresis of "ё").
COMBINING_CLASS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
# Letters without a decomposition that people type without the mark (after lower()).
SPECIAL_LETTERS = (
    ("ø", "o"), ("đ", "d"), ("ł", "l"), ("ħ", "h"), ("ı", "i"), ("ð", "d"), ("þ", "th"),
    ("æ", "ae"), ("œ", "oe"), ("ß", "ss"), ("ς", "σ"),
)
# Vanish inside words: apostrophes, back-tick, dots, middle dot.
DROPPED_CLASS = r"[\u0027\u2019\u2018\u02bc\u0060\u002e\u00b7]"
# Become one space: ASCII punctuation, Latin-1 signs, general and CJK punctuation, spaces.
SPACE_CLASS = (
    r"[\u0021-\u002d\u002f\u003a-\u0040\u005b-\u005e\u005f\u007b-\u007e"
    r"\u00a0-\u00bf\u00d7\u00f7\u2000-\u206f\u3000-\u303f\s]+"
)

_COMBINING = re.compile(COMBINING_CLASS)
_DROPPED = re.compile(DROPPED_CLASS)
_SPACE = re.compile(SPACE_CLASS)


def fold(text: str) -> str:
    """Fold like the SQL function jonquils_fold(): lower case, no accents, punctuation as spaces."""
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()
    for letter, replacement in SPECIAL_LETTERS:
        text = text.replace(letter, replacement)
    return _SPACE.sub(" ", _DROPPED.sub("", text)).strip()


def compact(text: str) -> str:
    """Fold and drop the spaces, like jonquils_compact()."""
    return fold(text).replace(" ", "")


def search_words(text: str) -> str:
    """Folded words, plus the compact form of a multi-word name ("ac dc acdc"), like jonquils_search_words()."""
    folded = fold(text)
    return f"{folded} {folded.replace(' ', '')}" if " " in folded else folded


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fold_function_sql() -> str:
    """CREATE statements of jonquils_fold(text) and jonquils_compact(text)."""
    letters = "s"
    for letter, replacement in SPECIAL_LETTERS:
        letters = f"replace({letters}, {_sql_literal(letter)}, {_sql_literal(replacement)})"
    guard = _sql_literal("[" + "".join(letter for letter, _ in SPECIAL_LETTERS) + "]")
    # PL/pgSQL, not an inlined SQL expression: each step runs once per call (a CASE in
    # SQL would evaluate normalize() twice), ~15 µs for a title.
    return (
        "CREATE OR REPLACE FUNCTION jonquils_fold(t text) RETURNS text\n"
        "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fold$\n"
        "DECLARE s text;\n"
        "BEGIN\n"
        f"  s := lower(regexp_replace(normalize(t, NFKD), {_sql_literal(COMBINING_CLASS)}, '', 'g'));\n"
        f"  IF s ~ {guard} THEN s := {letters}; END IF;\n"
        f"  s := regexp_replace(s, {_sql_literal(DROPPED_CLASS)}, '', 'g');\n"
        f"  RETURN btrim(regexp_replace(s, {_sql_literal(SPACE_CLASS)}, ' ', 'g'));\n"
        "END\n"
        "$fold$;\n"
        "CREATE OR REPLACE FUNCTION jonquils_compact(t text) RETURNS text\n"
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE\n"
        "RETURN replace(public.jonquils_fold(t), ' ', '');\n"
        "CREATE OR REPLACE FUNCTION jonquils_search_words(t text) RETURNS text\n"
        "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $words$\n"
        "DECLARE s text := public.jonquils_fold(t);\n"
        "BEGIN\n"
        "  IF position(' ' in s) > 0 THEN RETURN s || ' ' || replace(s, ' ', ''); END IF;\n"
        "  RETURN s;\n"
        "END\n"
        "$words$;\n"
    )


DROP_FUNCTIONS_SQL = (
    "DROP FUNCTION IF EXISTS jonquils_search_words(text); DROP FUNCTION IF EXISTS jonquils_compact(text); "
    "DROP FUNCTION IF EXISTS jonquils_fold(text);"
)
