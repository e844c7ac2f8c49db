"""How well a student's name matches what the operator typed (pure, no I/O).

The name search finds every spelling variant (``core.namekeys``); this module
orders what it found, so that "type, Enter, Enter" lands on the student meant:

====  ==========================================  ===========================
Tier  The name …                                  "noor" finds, in this order
====  ==========================================  ===========================
0     is exactly what was typed                   NOOR
1     starts with it                              NOOR ANGGI
2     has a word starting with it                 SITI NOORHAYATI
3     matches through a spelling variant          NUR AINI, MELATI NURHALIZA
4     matches otherwise (words in another order)  …
====  ==========================================  ===========================

Inside tiers 3 and 4 a name whose own spelling shares more letters with what was
typed comes first ("muhamad": MUHAMMAD AGUNG before MOH. DONI); then ties go by
name. Two top rows with the same :func:`match_rank` are an *ambiguous* match: the
outcome dialog then asks for one extra confirmation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

from ktpe_desktop.core.namekeys import name_key, query_tokens

EXACT, PREFIX, WORD_PREFIX, VARIANT, OTHER = range(5)


# ASCII: apostrophes and backticks vanish, every other non-alphanumeric splits words
# (one C-level pass instead of a Python loop over the characters).
_ASCII_WORDS = {i: (None if chr(i) in "'`" else " ") for i in range(128) if not chr(i).isalnum()}


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Lower case, no diacritics or apostrophes, words split on anything else."""
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_WORDS).split())
    low = unicodedata.normalize("NFKD", text.casefold())
    low = "".join(ch for ch in low if not unicodedata.combining(ch) and ch not in "'`’‘ʼ")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in low).split())


def _closeness(query_words: list[str], name_words: list[str]) -> int:
    """Letters the first typed word shares, from the start, with the best name word."""
    if not query_words:
        return 0
    first = query_words[0]
    best = 0
    for word in name_words:
        n = 0
        for a, b in zip(first, word, strict=False):
            if a != b:
                break
            n += 1
        best = max(best, n)
    return best


def ranker(query: str) -> Callable[..., tuple[int, int]]:
    """A function ``(name, key=None) -> (tier, -closeness)``: smaller is a better match.

    ``key`` is the name's :func:`name_key` when the caller has it already (the
    ``student.search_key`` column): folding 300 names per keystroke was a fifth of
    a search's CPU.
    """
    q = normalize(query)
    q_words = q.split()
    q_key = " ".join(query_tokens(query))
    # Per name this runs 300 times a keystroke (the ranking window): the word and
    # key tests below are the tiers' definitions with the strings built once.
    spaced_q = f" {q}"
    spaced_key = f" {q_key}"
    first = q_words[0] if q_words else ""

    def closeness(words: list[str]) -> int:
        """:func:`_closeness` for ``[first, ...]``, stopping at a full match."""
        if not first:
            return 0
        best = 0
        head = first[0]
        for word in words:
            if word[0] != head:
                continue
            if word.startswith(first):
                return len(first)
            n = 1
            for a, b in zip(first[1:], word[1:], strict=False):
                if a != b:
                    break
                n += 1
            if n > best:
                best = n
        return best

    def rank(name: str, key: str | None = None) -> tuple[int, int]:
        n = normalize(name)
        if not q:
            return OTHER, 0
        if n == q:
            return EXACT, 0
        if n.startswith(q):
            return PREFIX, 0
        if spaced_q in n:
            return WORD_PREFIX, 0
        close = -closeness(n.split())
        if key is None:
            key = name_key(name)
        if q_key and (key.startswith(q_key) or spaced_key in key):
            return VARIANT, close
        return OTHER, close

    return rank


def match_rank(query: str, name: str) -> tuple[int, int]:
    """The rank of one name for one query (see :func:`ranker`)."""
    return ranker(query)(name)
