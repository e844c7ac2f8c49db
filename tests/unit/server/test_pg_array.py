"""The ingest's array literals: each fast path writes what the element-by-element form writes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ktpe_server.db import _pg_element, pg_array


def _reference(values: list[object]) -> str:
    return "{" + ",".join(map(_pg_element, values)) + "}" if values else "{}"


# PostgreSQL text holds no NUL, and the ingest refuses it at the door.
texts = st.text(alphabet=st.characters(blacklist_characters="\x00"))
quoting = st.text(alphabet='ab"\\,{} N\n', max_size=6)


@given(st.lists(st.one_of(texts, quoting)))
def test_texts(values: list[object]) -> None:
    assert pg_array(values) == _reference(values)


@given(st.lists(st.one_of(st.none(), texts, quoting)))
def test_texts_and_nulls(values: list[object]) -> None:
    assert pg_array(values) == _reference(values)


@given(st.lists(st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1))))
def test_numbers_and_nulls(values: list[object]) -> None:
    assert pg_array(values) == _reference(values)


@given(st.lists(st.booleans()))
def test_booleans(values: list[object]) -> None:
    assert pg_array(values) == _reference(values)


def test_a_nul_is_never_split() -> None:
    """A NUL (which the driver refuses) stays inside its element."""
    assert pg_array(['a"\x00b', "c"]) == '{"a\\"\x00b","c"}'
