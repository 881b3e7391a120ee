"""A typed prefix turned into the few real words it most likely begins, forgiving one typo.

The words are the lexicon's (`catalog.lexicon`, kept by triggers on products); migration 0006 gives
each one `prefix_keys`: its prefixes of 2 to MAX_KEYED letters and, from 4 letters, each of their
one-letter deletions, under a GIN index. A prefix of n letters then finds, in one index lookup:
- the words it begins (the key is the prefix itself);
- from TYPO_FROM letters, those it begins with one typo, by its own one-deletion keys: a dropped
  letter makes it a deletion of the word's (n+1)-letter prefix, a replaced letter or two swapped
  neighbours leave a deletion in common with the n-letter prefix, an inserted letter has the
  (n-1)-letter prefix among its deletions (symmetric delete, as `typos.py` does for whole words).
Shared keys only say "within two edits": `edit` checks each candidate here, in Python.

Which words: a noisy-channel guess, P(word) x P(typed | word). P(word) is how many live products
hold it (the lexicon's count); reading the prefix as typed is worth 1, a typo TYPO_WEIGHT, and an
inserted or replaced letter is one of LETTER_CHOICES letters the typist could have hit, so each
such reading is that many times less likely than a dropped letter or a swap, which have one way.
Without that last factor a dropped letter is mostly misread as some other word's inserted letter
(bench/suggestions.py measures the recall).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The longest prefix migration 0006 keys (`catalog.prefix_keys`); longer text is looked up by its head.
MAX_KEYED = 10
#: Typos are forgiven from this many letters of the word being typed (fewer letters say too little).
TYPO_FROM = 4
TYPO_WEIGHT = 0.02
LETTER_CHOICES = 26
EXACT = "exact"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A lexicon word the prefix may begin, how it was read, and how likely that is."""

    word: str
    products: int  # live products whose name holds it
    reading: str  # exact, dropped, swapped, replaced or inserted
    score: float


def fold(value: str) -> str:
    """Lowercase with ё as е, as the lexicon's keys are (and shoppers type)."""
    return value.casefold().replace("ё", "е")


def deletions(value: str) -> set[str]:
    """Each string one letter shorter than `value`."""
    return {value[:i] + value[i + 1 :] for i in range(len(value))}


def lookup_keys(prefix: str) -> list[str]:
    """The keys of `catalog.prefix_keys` that a word begun by `prefix` (or one typo from it) holds."""
    if len(prefix) < TYPO_FROM:
        return [prefix]
    # A typo past the ninth letter leaves the first nine exact: the head finds the word either way.
    head = prefix[: MAX_KEYED - 1]
    return sorted({head, *deletions(head)})


def edit(prefix: str, word: str) -> str | None:
    """How `word` (folded) begins with `prefix`: exact, with one typo (which kind), or None.

    Compared from the first letter where they part: what follows must then line up one letter
    later (dropped), earlier (inserted), at once (replaced) or after a swap.
    """
    if word.startswith(prefix):
        return EXACT
    n = len(prefix)
    if n < TYPO_FROM:
        return None
    i = 0
    while i < len(word) and prefix[i] == word[i]:
        i += 1
    if len(word) > n and prefix[i:] == word[i + 1 : n + 1]:
        return "dropped"
    if len(word) >= n:
        if i + 1 < n and prefix[i] == word[i + 1] and prefix[i + 1] == word[i] and prefix[i + 2 :] == word[i + 2 : n]:
            return "swapped"
        if prefix[i + 1 :] == word[i + 1 : n]:
            return "replaced"
    if len(word) >= n - 1 and prefix[i + 1 :] == word[i : n - 1]:
        return "inserted"
    return None


def score(reading: str, products: int) -> float:
    """How likely the shopper means this word: its products times how likely the reading is."""
    if reading == EXACT:
        return float(products)
    if reading in ("dropped", "swapped"):
        return products * TYPO_WEIGHT
    return products * TYPO_WEIGHT / LETTER_CHOICES


def candidates(prefix: str, rows: Iterable[tuple[str, int]], limit: int) -> list[Candidate]:
    """The `limit` likeliest words among the lexicon rows (word, products) the keys found."""
    found = []
    for word, products in rows:
        reading = edit(prefix, fold(word))
        if reading is not None:
            found.append(Candidate(word, products, reading, score(reading, products)))
    found.sort(key=lambda c: (-c.score, c.word))
    return found[:limit]


def allocate(scores: Sequence[float], available: Sequence[int], slots: int) -> list[int]:
    """Which word fills each slot, best first: the next slot goes to the word with the highest
    score / (slots it has + 1) that has products left (D'Hondt), so a dominant word takes most
    slots and words alike in weight take turns."""
    given = [0] * len(scores)
    order: list[int] = []
    for _ in range(slots):
        best = max(
            (i for i in range(len(scores)) if given[i] < available[i]),
            key=lambda i: (scores[i] / (given[i] + 1), -i),
            default=None,
        )
        if best is None:
            break
        given[best] += 1
        order.append(best)
    return order
