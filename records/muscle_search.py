"""Muscle search as clinicians type: pure ranking over the catalogue (no database).

Best first: an exact alias (or the exact name or slug), then names starting with the text,
then names or aliases whose words start with the typed words ("glut med"), then any
substring, then a misspelling within one edit ("gluteus medus"). Ties go by name.
"""

import re
from collections.abc import Iterable
from typing import NamedTuple

from records.muscle_aliases import MUSCLE_ALIASES

__all__ = ["EXACT", "MuscleEntry", "normalise", "rank", "tier_of", "within_one_edit"]

EXACT, NAME_PREFIX, WORD_PREFIX, SUBSTRING, ONE_EDIT = range(5)
# Shorter words are too easily one edit from something else ("pec" ~ "pes").
MIN_FUZZY_LENGTH = 4


class MuscleEntry(NamedTuple):
    key: object
    name: str
    slug: str


def normalise(text: str) -> str:
    """Lower case; hyphens, dots and runs of spaces become single spaces."""
    return " ".join(re.sub(r"[-_.,/]+", " ", text.lower()).split())


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` by at most one insertion, deletion, substitution or
    swap of neighbouring letters."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        if len(diffs) != 2 or diffs[1] != diffs[0] + 1:
            return False
        return a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _words_prefix(query_words: list[str], words: list[str]) -> bool:
    return all(any(word.startswith(q) for word in words) for q in query_words)


def _words_one_edit(query_words: list[str], words: list[str]) -> bool:
    return all(
        any(word.startswith(q) or (len(q) >= MIN_FUZZY_LENGTH and within_one_edit(q, word)) for word in words)
        for q in query_words
    )


def _tier(query: str, entry: MuscleEntry) -> int | None:
    name = normalise(entry.name)
    slug = normalise(entry.slug)
    aliases = [normalise(alias) for alias in MUSCLE_ALIASES.get(entry.slug, ())]
    texts = [name, slug, *aliases]
    if query in texts:
        return EXACT
    if name.startswith(query):
        return NAME_PREFIX
    query_words = query.split()
    if any(_words_prefix(query_words, text.split()) for text in texts):
        return WORD_PREFIX
    if any(query in text for text in texts):
        return SUBSTRING
    if len(query.replace(" ", "")) >= MIN_FUZZY_LENGTH and any(
        within_one_edit(query, text) or _words_one_edit(query_words, text.split()) for text in texts
    ):
        return ONE_EDIT
    return None


def rank(query: str, entries: Iterable[MuscleEntry]) -> list[MuscleEntry]:
    """The entries that match ``query``, best first (empty when the query is blank)."""
    query = normalise(query)
    if not query:
        return []
    scored = []
    for entry in entries:
        tier = _tier(query, entry)
        if tier is not None:
            scored.append((tier, entry.name.lower(), entry))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in scored]


def tier_of(query: str, entry: MuscleEntry) -> int | None:
    """How well ``entry`` matches ``query``: ``EXACT`` (0) … ``ONE_EDIT`` (4), None for no match."""
    return _tier(normalise(query), entry)
