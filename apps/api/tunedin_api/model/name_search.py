"""Artist name search that forgives: accents, case, punctuation and spacing, and typos.

Names and queries are folded to a key of lower-case letters and digits only (Unicode NFKD with
the combining marks dropped, then casefolded): "Björk" → "bjork", "AC/DC" → "acdc", "Sigur Rós"
→ "sigurros". Matches rank by how well they match, then by listeners:

1. the key is the query's key ("bjork" → Björk, before Brant Bjork);
2. the key starts with it ("radioh" → Radiohead);
3. the key contains it ("bjork" → Brant Bjork);
4. typo-tolerant: the keys closest to the query's by normalised Indel similarity (rapidfuzz's
   ``fuzz.ratio``, at least ``FUZZY_CUTOFF``), best first ("radiohed" → Radiohead).

Tiers 1–3 walk one string of every key in popularity order with ``str.find`` (matches come out
ranked, and the walk stops early once ``limit`` prefix matches are found); tier 4 only fills
what the first three leave of ``limit``, among keys of similar length.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

FUZZY_CUTOFF = 75.0  # fuzz.ratio (0–100): "radiohed" ~ "radiohead" is 94, unrelated names < 60
LENGTH_SLACK = 3  # fuzzy candidates differ from the query's key by at most this many characters


def fold(text: str) -> str:
    """The search key of ``text``: letters and digits only, accents dropped, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in bare.casefold() if c.isalnum())


@dataclass(frozen=True)
class NameIndex:
    keys: list[str]  # the folded name of each row, in popularity order
    rows: list[int]  # the catalogue row of each entry of ``keys``
    haystack: str  # ``keys`` joined by newlines
    starts: list[int]  # where each key of ``haystack`` starts
    by_length: dict[int, np.ndarray]  # entries (positions in ``keys``) per key length
    exact: dict[str, list[int]]  # the rows of each key, most listeners first

    @classmethod
    def build(cls, names: list[str], by_popularity: list[int]) -> NameIndex:
        keys = [fold(names[row]) for row in by_popularity]
        starts = list(itertools.accumulate((len(key) + 1 for key in keys[:-1]), initial=0))
        lengths = np.fromiter((len(key) for key in keys), dtype=np.int64, count=len(keys))
        by_length = {int(n): np.flatnonzero(lengths == n) for n in np.unique(lengths)}
        exact: dict[str, list[int]] = {}
        for key, row in zip(keys, by_popularity, strict=True):
            exact.setdefault(key, []).append(row)
        return cls(keys, list(by_popularity), "\n".join(keys), starts, by_length, exact)

    def search(self, query: str, limit: int) -> list[int]:
        """Catalogue rows for ``query``, best match first (see the module's ranking)."""
        needle = fold(query)
        if not needle or limit <= 0:
            return []
        prefix, inside = self._substring(needle, limit)
        found = (self.exact.get(needle, []) + prefix + inside)[:limit]
        if len(found) < limit:
            seen = set(found)
            found += [row for row in self._fuzzy(needle, limit + len(found)) if row not in seen]
        return found[:limit]

    def _substring(self, needle: str, limit: int) -> tuple[list[int], list[int]]:
        """Rows whose key starts with ``needle`` (and is longer), and rows whose key contains it."""
        prefix: list[int] = []
        inside: list[int] = []
        haystack, starts, keys = self.haystack, self.starts, self.keys
        at = haystack.find(needle)
        while at >= 0:
            entry = bisect.bisect_right(starts, at) - 1
            if at != starts[entry]:
                if len(inside) < limit:
                    inside.append(self.rows[entry])
            elif len(keys[entry]) != len(needle):
                prefix.append(self.rows[entry])
                if len(prefix) == limit:  # each outranks every match inside a key
                    break
            if entry + 1 >= len(starts):
                break
            at = haystack.find(needle, starts[entry + 1])
        return prefix, inside

    def _fuzzy(self, needle: str, limit: int) -> list[int]:
        """Rows of the keys most similar to ``needle``: by score, then by listeners."""
        near = [
            self.by_length[n]
            for n in range(len(needle) - LENGTH_SLACK, len(needle) + LENGTH_SLACK + 1)
            if n in self.by_length
        ]
        if not near:
            return []
        entries = np.sort(np.concatenate(near))  # popularity order: ties keep the more listened
        choices = [self.keys[i] for i in entries.tolist()]
        matches = process.extract(needle, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=FUZZY_CUTOFF)
        ranked = sorted(matches, key=lambda match: (-match[1], match[2]))
        return [self.rows[int(entries[index])] for _, _, index in ranked]
