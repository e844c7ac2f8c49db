"""Search keys for people's names, tolerant of Indonesian spelling habits.

An operator types ``moch rizki`` and must find ``MUHAMMAD RIZKY``; ``sukarno`` must
find ``SOEKARNO``. Both the stored name and the typed query go through the same
folding, so that variant spellings land on the same *key token*:

1. **Normalise**: apostrophes are removed inside words (``MA'RUF`` → ``maruf``),
   case is folded, diacritics are dropped (NFKD), every other non-alphanumeric
   character separates tokens.
2. **Phonetic folds** (:func:`fold_token`), applied to every token until nothing
   changes, so the fold is idempotent:

   ========  ======  ==========================================================
   rule      to      why / example
   ========  ======  ==========================================================
   chr       kr      at the start only: Christina = Kristina (Fachri keeps ``h``)
   oe        u       Dutch-era spelling: Soekarno = Sukarno, Noer = Nur
   oo        u       Noor = Nur
   dj        j       Djoko = Joko
   tj        c       Tjipto = Cipto
   sj        sy      Sjarifah = Syarifah
   dz        z       Dzulkifli = Zulkifli
   ch, kh    h       Arabic kha: Achmad = Akhmad = Ahmad, Chusnul = Husnul
   dh        d       Ramadhan = Ramadan
   th        t       Luthfi = Lutfi
   ph        f       Joseph = Josef
   sh        s       Shinta = Sinta
   q         k       Taufiq = Taufik
   x         ks      Alex = Aleks
   y         i       Rizky = Rizki, Setiyawan = Setiawan (everywhere, so that a
                     half-typed token stays a prefix of the full one)
   aa, ll…   a, l    double letters collapse: Muhammad = Muhamad
   ========  ======  ==========================================================

3. **Variant table** (``data/name_variants.csv``, ``variant,canonical``): whole
   tokens that no rule can relate — abbreviations (``moch``, ``m``, ``st``,
   ``abd``) and irregular variants (``risky``, ``choirul``, ``zaenal``). Both
   columns are folded when loaded; the table maps a folded variant to a folded
   canonical token.

Keys are plain ASCII lowercase tokens separated by single spaces, fit for an
SQLite FTS5 column queried with ``token*`` prefixes.

Matching (:func:`matches`, the reference semantics for the SQL layer): a query
matches a name when every query token is a prefix of a *distinct* key token of the
name, in any order. A query token that is a table variant becomes its canonical,
unless the folded token is already a prefix of that canonical (so typing ``m``
or ``abd`` stays a plain prefix and still finds ``MAYA`` or ``ABDILLAH``). A known
limit: a complete abbreviation typed as the start of another word (``st`` for
``STEFANI``, ``moch`` for ``MOCHTAR``) finds the canonical name until one more
letter is typed.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources

__all__ = ["fold_token", "matches", "name_key", "query_tokens", "variant_table"]

_DATA_FILE = "name_variants.csv"
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02bb\u00b4]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGRAPHS = {
    "chr": "kr",
    "oe": "u",
    "oo": "u",
    "dj": "j",
    "tj": "c",
    "sj": "sy",
    "dz": "z",
    "ch": "h",
    "kh": "h",
    "dh": "d",
    "th": "t",
    "ph": "f",
    "sh": "s",
    "q": "k",
    "x": "ks",
    "y": "i",
}
# Longest patterns first so that "chr" wins over "ch"; "chr" only at the start.
_DIGRAPH_RE = re.compile(
    "|".join(("^" if p == "chr" else "") + p for p in sorted(_DIGRAPHS, key=len, reverse=True))
)
_DOUBLES = re.compile(r"([a-z])\1+")


def _split(text: str) -> list[str]:
    """Case-, diacritic- and punctuation-free tokens of ``text`` (no folds yet)."""
    text = _APOSTROPHES.sub("", text)
    if text.isascii():  # most names: no decomposition, no combining mark, casefold = lower
        return _NON_ALNUM.split(text.lower())
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.split(text.lower())


@lru_cache(maxsize=65536)
def fold_token(token: str) -> str:
    """Apply the phonetic folds to one normalised token until it stops changing."""
    for _ in range(len(token) + 1):
        folded = _DOUBLES.sub(r"\1", _DIGRAPH_RE.sub(lambda m: _DIGRAPHS[m.group(0)], token))
        if folded == token:
            break
        token = folded
    return token


@cache
def variant_table() -> Mapping[str, str]:
    """Folded variant → folded canonical token, from the packaged CSV.

    Every canonical maps to itself, so applying the table twice changes nothing.

    Raises:
        ValueError: when the data is inconsistent (a variant with two canonicals,
            a canonical that is a variant of another, a cell that is not one word).
    """
    raw = resources.files("ktpe_desktop.core").joinpath("data", _DATA_FILE).read_text("utf-8")
    pairs: list[tuple[str, str]] = []
    for row in csv.DictReader(io.StringIO(raw)):
        variant, canonical = (_single_token(row["variant"]), _single_token(row["canonical"]))
        pairs.append((fold_token(variant), fold_token(canonical)))
    table: dict[str, str] = {canonical: canonical for _, canonical in pairs}
    for variant, canonical in pairs:
        if table.setdefault(variant, canonical) != canonical:
            raise ValueError(
                f"name variant {variant!r} maps to both {table[variant]!r} and {canonical!r}"
            )
    return table


def _single_token(cell: str) -> str:
    tokens = [t for t in _split(cell) if t]
    if len(tokens) != 1:
        raise ValueError(f"name variant cell {cell!r} must be one word")
    return tokens[0]


def _key_tokens(text: str) -> list[str]:
    table = variant_table()
    out = []
    for raw in _split(text):
        if raw:
            folded = fold_token(raw)
            out.append(table.get(folded, folded))
    return out


def name_key(name: str) -> str:
    """The search key of a name: folded tokens joined by single spaces.

    >>> name_key("MOCH. RIZKY")
    'muhamad rizki'
    """
    return " ".join(_key_tokens(name))


def query_tokens(query: str) -> list[str]:
    """Fold a typed query like :func:`name_key`; each token is meant as a prefix.

    A token that is a table variant becomes its canonical unless it already is a
    prefix of the canonical (``m`` stays ``m``: it finds ``muhamad`` and ``maya``).
    """
    table = variant_table()
    out = []
    for raw in _split(query):
        if not raw:
            continue
        folded = fold_token(raw)
        canonical = table.get(folded, folded)
        out.append(folded if canonical.startswith(folded) else canonical)
    return out


def matches(query: str, name: str) -> bool:
    """True when every query token is a prefix of a distinct key token of ``name``.

    An empty query matches every name. Token order does not matter.
    """
    wanted = query_tokens(query)
    if not wanted:
        return True
    have = name_key(name).split()
    if len(wanted) > len(have):
        return False
    # Bipartite matching query token → key token (Kuhn's augmenting paths); names
    # have a handful of tokens, so this is a few dozen comparisons.
    owner: dict[int, int] = {}

    def assign(qi: int, seen: set[int]) -> bool:
        for ki, token in enumerate(have):
            if ki in seen or not token.startswith(wanted[qi]):
                continue
            seen.add(ki)
            if ki not in owner or assign(owner[ki], seen):
                owner[ki] = qi
                return True
        return False

    return all(assign(qi, set()) for qi in range(len(wanted)))
