"""Tests of ktpe_desktop.core.namekeys."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ktpe_desktop.core.namekeys import fold_token, matches, name_key, query_tokens, variant_table

MUST_MATCH = [
    # the required pairs
    ("moch rizki", "MUHAMMAD RIZKY"),
    ("sukarno", "SOEKARNO"),
    ("ahmad", "ACHMAD"),
    ("djoko", "JOKO"),
    ("nur", "NOOR"),
    ("st. aisyah", "SITI AISYAH"),
    # Muhammad and its abbreviations, both ways
    ("muhammad rizky", "MOCH. RIZKI"),
    ("m rizki", "MUHAMMAD RIZKY"),
    ("m. rizki", "M. RIZKI"),
    ("mochammad", "MUHAMAD FAJAR"),
    ("moh fajar", "MOHAMMAD FAJAR"),
    ("muh ilham", "MUCHAMMAD ILHAM"),
    ("mukhammad", "MOKHAMAD HASAN"),
    # old spelling, Arabic kha, doubled letters
    ("soeharto", "SUHARTO"),
    ("joko", "DJOKO SANTOSO"),
    ("akhmad fauzi", "ACHMAD FAUZI"),
    ("ahmat", "AHMAD"),
    ("tjahjono", "CAHYONO"),
    ("noer", "NUR HIDAYAH"),
    ("siti nurjanah", "SITI NURJANNAH"),
    ("abdullah", "ABDULAH"),
    ("abd rahman", "ABDUL RAHMAN"),
    ("khoirul", "CHOIRUL ANAM"),
    ("hairul anam", "KHOIRUL ANAM"),
    ("ikhsan", "ICHSAN"),
    ("ramadan", "RAMADHAN"),
    ("romadhon", "RAMADHAN"),
    ("luthfi", "LUTFI"),
    ("taufiq", "TAUFIK"),
    ("iqbal", "IKBAL"),
    ("fahri", "FACHRI"),
    ("setiawan", "SETIYAWAN"),
    ("prasetyo", "PRASETIO"),
    ("rizky", "RISKY AMALIA"),
    ("yusuf", "JUSUF"),
    ("yosef", "JOSEPH"),
    ("kristina", "CHRISTINA"),
    ("sjarifah", "SYARIFAH"),
    ("saiful", "SYAIFUL"),
    ("zulkifli", "DZULKIFLI"),
    ("maruf", "MA'RUF"),
    ("ma'ruf", "MARUF"),
    ("makruf", "MA'RUF AMIN"),
    ("aisyah", "AISAH PUTRI"),
    ("annisa", "ANISA"),
    ("sholikhah", "SOLIKHAH"),
    # case, diacritics, punctuation, order, prefixes
    ("rené", "RENE"),
    ("rizki muhammad", "MUHAMMAD RIZKY"),
    ("siti ais", "SITI AISYAH"),
    ("s a", "SITI AISYAH"),
    ("ahm fau", "ACHMAD FAUZI"),
    ("nur", "NURUL HIDAYAH"),  # prefix matching: nur is the start of nurul
    ("m", "MAYA"),  # a lone initial stays a plain prefix
    ("abd", "ABDILLAH"),
    ("", "ANY NAME"),
]

MUST_NOT_MATCH = [
    ("budi", "BAYU"),
    ("siti", "SANTI"),
    ("rizki", "REZA"),
    ("nurul", "NUR HIDAYAH"),
    ("joko", "JAKA"),
    ("ahmad", "MAHMUD"),
    ("dewi", "DIAH"),
    ("muhammad", "MAHMUD"),
    ("siti siti", "SITI AISYAH"),  # two query tokens need two distinct name tokens
    ("agus", "BAGUS"),  # prefix of a token, not a substring
    ("moch", "MOCHTAR"),  # documented limit: a complete abbreviation means Muhammad
    ("st", "STEFANI"),  # same limit for SITI
    ("eko fajar", "EKO PRASETYO"),
    ("putri", "PUTRA"),
]


@pytest.mark.parametrize(("query", "name"), MUST_MATCH)
def test_must_match(query: str, name: str) -> None:
    assert matches(query, name), (query_tokens(query), name_key(name))


@pytest.mark.parametrize(("query", "name"), MUST_NOT_MATCH)
def test_must_not_match(query: str, name: str) -> None:
    assert not matches(query, name), (query_tokens(query), name_key(name))


def test_pair_lists_are_big_enough() -> None:
    assert len(MUST_MATCH) >= 30 and len(MUST_NOT_MATCH) >= 10


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("MOCH. RIZKY", "muhamad rizki"),
        ("MUHAMMAD RIZKI", "muhamad rizki"),
        ("SOEKARNO", "sukarno"),
        ("ST. AISYAH", "siti aisiah"),
        ("  Siti   Aisyah  ", "siti aisiah"),
        ("MA'RUF", "maruf"),
        ("MA’RUF", "maruf"),
        ("NUR-AINI", "nur aini"),
        ("", ""),
        ("...", ""),
        ("Zoë Ñañez", "zu nanez"),
        ("FACHRI", "fahri"),
    ],
)
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key


def test_query_tokens() -> None:
    assert query_tokens("Moch. Rizk") == ["muhamad", "rizk"]
    assert query_tokens("m") == ["m"]
    assert query_tokens("st") == ["siti"]
    assert query_tokens("  ") == []


def test_variant_table_is_consistent() -> None:
    table = variant_table()
    assert len(table) >= 40
    for variant, canonical in table.items():
        assert table[canonical] == canonical, variant
        assert fold_token(canonical) == canonical
        assert fold_token(variant) == variant


KEY_SHAPE = re.compile(r"^([a-z0-9]+( [a-z0-9]+)*)?$")
LETTERS = "abcdefghijklmnopqrstuvwxyzàáâäèéêëìíîïòóôöùúûüñç"
names = st.lists(
    st.text(alphabet=LETTERS + LETTERS.upper() + "'.-", min_size=1, max_size=12),
    min_size=1,
    max_size=5,
).map(" ".join)
realistic = st.lists(
    st.sampled_from(
        [
            "MUHAMMAD",
            "MOCH.",
            "M.",
            "RIZKY",
            "SOEKARNO",
            "ACHMAD",
            "SITI",
            "ST.",
            "NUR",
            "NOOR",
            "NURUL",
            "DJOKO",
            "MA'RUF",
            "KHOIRUL",
            "AISYAH",
            "YUSUF",
            "ABD.",
            "ABDULLAH",
            "CHRISTINA",
            "SJARIFAH",
            "ALEX",
            "QORI",
            "PHILIP",
        ]
    ),
    min_size=1,
    max_size=5,
).map(" ".join)
any_name = st.one_of(names, realistic, st.text(max_size=30))


@given(any_name)
def test_key_is_idempotent_and_fts_safe(name: str) -> None:
    key = name_key(name)
    assert name_key(key) == key
    assert KEY_SHAPE.match(key), key
    assert key.isascii()


@given(st.one_of(names, realistic))
def test_name_matches_itself_and_its_leading_tokens(name: str) -> None:
    assert matches(name, name)
    words = name.split()
    for k in range(1, len(words) + 1):
        assert matches(" ".join(words[:k]), name)
    # Prefixes of the key's own tokens also match (what the FTS prefix query sees).
    key_tokens = name_key(name).split()
    if key_tokens:
        last = key_tokens[-1]
        for cut in range(1, len(last) + 1):
            assert matches(" ".join([*key_tokens[:-1], last[:cut]]), name) or (
                last[:cut] in variant_table()
            )


PLAIN_FROM = "àáâäèéêëìíîïòóôöùúûüñçÀÁÂÄÈÉÊËÌÍÎÏÒÓÔÖÙÚÛÜÑÇ"
PLAIN_TO = "aaaaeeeeiiiioooouuuuncAAAAEEEEIIIIOOOOUUUUNC"


@given(names)
def test_case_and_diacritics_do_not_matter(name: str) -> None:
    plain = name.translate(str.maketrans(PLAIN_FROM, PLAIN_TO))
    assert name_key(name) == name_key(name.upper()) == name_key(name.lower())
    assert name_key(name) == name_key(plain)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=15))
def test_fold_is_idempotent(token: str) -> None:
    assert fold_token(fold_token(token)) == fold_token(token)
