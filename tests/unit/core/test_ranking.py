"""Ranking of name-search results by match quality (issue 11, path 4)."""

from __future__ import annotations

from ktpe_desktop.core.ranking import EXACT, OTHER, PREFIX, VARIANT, WORD_PREFIX, match_rank, ranker


def order(query: str, names: list[str]) -> list[str]:
    rank = ranker(query)
    return sorted(names, key=lambda n: (rank(n), n))


def test_the_issue_examples_put_the_meant_student_first() -> None:
    assert order("noor", ["MELATI NURHALIZA", "NOOR ANGGI"])[0] == "NOOR ANGGI"
    assert order("muhamad", ["MOH. DONI", "MUHAMMAD AGUNG"])[0] == "MUHAMMAD AGUNG"


def test_tiers() -> None:
    assert match_rank("noor anggi", "NOOR ANGGI")[0] == EXACT
    assert match_rank("noor", "NOOR ANGGI")[0] == PREFIX
    assert match_rank("anggi", "NOOR ANGGI")[0] == WORD_PREFIX
    assert match_rank("nur", "SITI NOOR")[0] == VARIANT
    assert match_rank("anggi noor", "NOOR ANGGI")[0] == OTHER


def test_exact_beats_prefix_beats_word_then_ties_by_name() -> None:
    names = ["SITI ERIKA", "ERIKA SARI", "ERIKA", "ERIKA PUTRI", "ERIKHA"]
    assert order("erika", names) == ["ERIKA", "ERIKA PUTRI", "ERIKA SARI", "SITI ERIKA", "ERIKHA"]


def test_punctuation_case_and_diacritics_do_not_matter() -> None:
    assert match_rank("ma'ruf", "MA'RUF AMIN")[0] == PREFIX
    assert match_rank("moh", "MOH. DONI")[0] == PREFIX
    assert match_rank("rene", "RÉNE")[0] == EXACT


def _reference_rank(query: str, name: str) -> tuple[int, int]:
    """The tiers as first written (issue 11), kept to check the faster :func:`ranker`."""
    from ktpe_desktop.core.namekeys import name_key, query_tokens
    from ktpe_desktop.core.ranking import _closeness, normalize

    q, n = normalize(query), normalize(name)
    q_key = " ".join(query_tokens(query))
    if not q:
        return OTHER, 0
    if n == q:
        return EXACT, 0
    if n.startswith(q):
        return PREFIX, 0
    if f" {q}" in f" {n}":
        return WORD_PREFIX, 0
    closeness = -_closeness(q.split(), n.split())
    key = name_key(name)
    if q_key and (key.startswith(q_key) or f" {q_key}" in f" {key}"):
        return VARIANT, closeness
    return OTHER, closeness


def test_ranker_agrees_with_the_tiers_definition_over_a_generated_roster() -> None:
    import random

    words = [
        "MUHAMMAD",
        "MUHAMAD",
        "MOCH.",
        "MOH",
        "M.",
        "RIZKY",
        "RIZKI",
        "RISKA",
        "SITI",
        "NUR",
        "NOOR",
        "NURHALIZA",
        "AINI",
        "AYU",
        "PUTRI",
        "EKO",
        "PRASETYO",
        "MA'RUF",
        "ACHMAD",
        "AHMAD",
        "FAUZI",
        "DEWI",
        "SOEKARNO",
        "SUKARNO",
        "RÉNE",
        "DWI",
        "A",
        "P",
        "RI",
    ]
    rnd = random.Random(18)
    names = [" ".join(rnd.choice(words) for _ in range(rnd.randint(1, 4))) for _ in range(400)]
    queries = [""]
    for phrase in ("muhammad rizky", "moch rizki", "siti nur", "putri ayu", "eko p", "ma'ruf"):
        queries += [phrase[:i] for i in range(1, len(phrase) + 1)]
    queries += [rnd.choice(names).lower()[: rnd.randint(1, 12)] for _ in range(60)]
    for query in queries:
        rank = ranker(query)
        for name in names:
            assert rank(name) == _reference_rank(query, name), (query, name)
            assert rank(name, name_key_of(name)) == _reference_rank(query, name), (query, name)


def name_key_of(name: str) -> str:
    from ktpe_desktop.core.namekeys import name_key

    return name_key(name)


def test_normalize_of_ascii_agrees_with_the_per_character_definition() -> None:
    from ktpe_desktop.core.ranking import normalize

    def reference(text: str) -> str:
        low = text.lower().replace("'", "").replace("`", "")
        return " ".join("".join(ch if ch.isalnum() else " " for ch in low).split())

    every_ascii = "".join(chr(i) for i in range(128))
    samples = [every_ascii, every_ascii[::-1], "MA'RUF  AMIN", "MOH. DONI", "a`b-c_d\\te\\x1f", ""]
    samples += [every_ascii[i : i + 7] for i in range(0, 128, 3)]
    for text in samples:
        assert normalize(text) == reference(text), repr(text)
