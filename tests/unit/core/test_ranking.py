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
