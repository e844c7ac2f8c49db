"""The ranking window from memory (storage.roster_names) ranks exactly as SQL does,
and is never used once the roster has changed (issue 18)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlcipher3
from sqlalchemy import text

from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage import roster_names
from ktpe_desktop.storage.engine import connect_raw
from ktpe_desktop.storage.repositories import RosterStudent
from ktpe_desktop.storage.store import Store, database_key_for_tests
from tests.conftest import LEAD, PASSWORD, Factory

NAMES = (
    "MUHAMMAD RIZKY PRATAMA",
    "MOCH. RIZKI FIRMANSYAH",
    "MOH RIZKY",
    "RIZKY",
    "AHMAD FAUZI",
    "ACHMAD FAUZI",
    "SITI NUR AINI",
    "NUR AINI",
    "DEWI LESTARI",
    "DEWI",
    "SOEKARNO",
    "SUKARNO PUTRA",
    "MA'RUF AMIN",
    "PUTRI AYU",
    "EKO PRASETYO",
    "ÉLODIE NURHALIZA",
)
QUERIES = ("riz", "rizky", "moch riz", "ahmad f", "nur", "dewi", "sukarno", "maruf", "eko p", "el")


@pytest.fixture(autouse=True)
def _small_rosters_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_names, "MIN_STUDENTS", 0)


@pytest.fixture
def roster(factory: Factory) -> list[str]:
    a, b = factory.school(), factory.school()
    ids = []
    for i in range(3):  # every name several times, in two schools: ties by name
        for j, name in enumerate(NAMES):
            ids.append(factory.student(a if (i + j) % 2 else b, name=name))
    return ids


def results(store: Store, school: str | None, query: str, **kw: Any) -> list[str]:
    with store.session() as s:
        return [r.id for r in repo.search_students(s, school, query, **kw)]


def test_same_results_as_sql(
    store: Store, factory: Factory, roster: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    factory.student(factory.schools[0], name="RIZKY AMALIA", deleted=True)
    cases = [(school, q) for school in (None, *factory.schools) for q in QUERIES]
    with monkeypatch.context() as patch:
        patch.setattr(repo, "_window_from_memory", lambda *_: None)
        expected = {c: results(store, *c) for c in cases}
        paged = results(store, None, "riz", limit=3, offset=2)
    assert roster_names.ready(store.engine) is not None
    seen = []
    real = repo._window_from_memory

    def spy(*args: Any) -> Any:
        seen.append(out := real(*args))
        return out

    monkeypatch.setattr(repo, "_window_from_memory", spy)
    assert {c: results(store, *c) for c in cases} == expected
    assert results(store, None, "riz", limit=3, offset=2) == paged
    assert seen and all(w is not None for w in seen)  # every window came from memory
    assert any(expected.values())


def test_window_skips_deleted_students_past_the_limit(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    school = factory.school()
    for i in range(6):
        factory.student(school, name=f"BUDI {i}", deleted=i < 4)
    monkeypatch.setattr(repo, "RANK_WINDOW", 2)
    names = roster_names.ready(store.engine)
    assert names is not None
    with store.session() as s:
        got = repo.search_students(s, None, "budi", limit=2)
    assert [r.name for r in got] == ["BUDI 4", "BUDI 5"]


def test_a_roster_write_drops_the_map_a_check_off_does_not(
    store: Store, factory: Factory, roster: list[str]
) -> None:
    names = roster_names.ready(store.engine)
    assert names is not None
    factory.outcome(roster[0])  # writes the student's state and events, not the roster
    assert roster_names.ready(store.engine) is names

    new = factory.student(factory.schools[0], name="RIZKY BARU")
    after = roster_names.ready(store.engine)
    assert after is not names and after is not None
    assert new in results(store, None, "rizky baru")

    factory.student(factory.schools[0], id=new, name="RIZKY LAMA")  # renamed by the roster
    renamed = roster_names.ready(store.engine)
    assert renamed is not after
    assert new in results(store, None, "rizky lama")

    factory.student(factory.schools[0], id=new, name="RIZKY LAMA", deleted=True)
    assert roster_names.ready(store.engine) is not renamed
    assert results(store, None, "rizky lama") == []


def test_no_map_is_built_while_a_roster_write_is_not_committed(
    store: Store, factory: Factory, roster: list[str]
) -> None:
    assert roster_names.ready(store.engine) is not None
    with store.transaction() as s:
        repo.upsert_students_from_roster(
            s, [RosterStudent(id="S-BARU", school_npsn=factory.schools[0], name="RIZKY BARU")]
        )
        s.flush()
        # A snapshot taken now would miss the new student once it is committed.
        assert roster_names.ready(store.engine) is None
    names = roster_names.ready(store.engine)
    with store.session() as s:
        doc = s.execute(text("SELECT doc_no FROM student WHERE id = 'S-BARU'")).scalar_one()
    assert names is not None and names.window([doc], 1) == [(doc, "RIZKY BARU", "rizki baru")]
    assert results(store, None, "rizky baru") == ["S-BARU"]


def test_the_map_follows_the_engine_through_a_dispose(
    store: Store, factory: Factory, roster: list[str]
) -> None:
    names = roster_names.ready(store.engine)
    store.engine.dispose()  # e.g. after a restore: the pool and its connections are new
    after = roster_names.ready(store.engine)
    assert after is not None and after is not names
    new = factory.student(factory.schools[0], name="RIZKY SETELAH")
    assert new in results(store, None, "rizky setelah")
    assert roster_names.ready(store.engine) is not after


def test_a_match_the_map_does_not_know_falls_back_to_sql(
    store: Store, factory: Factory, roster: list[str]
) -> None:
    names = roster_names.ready(store.engine)
    assert names is not None
    # A row written behind the triggers' back (by another process, say).
    conn = connect_raw(store.db_path, database_key_for_tests(store))
    try:
        conn.execute(
            "INSERT INTO student (id, doc_no, school_npsn, name, class_name, search_key, source, "
            "deleted, updated_at) VALUES ('S-LUAR', 999999, ?, 'RIZKY DARI LUAR', '', "
            "'rizki dari luar', 'server', 0, '2026-12-06T00:00:00+00:00')",
            (factory.schools[0],),
        )
    finally:
        conn.close()
    assert roster_names.ready(store.engine, timeout=0) is names  # nobody saw the write
    assert results(store, None, "rizky dari") == ["S-LUAR"]
    assert roster_names.ready(store.engine) is not names  # dropped by the search


def test_a_read_only_store_sees_its_owners_roster_writes(
    store: Store, factory: Factory, roster: list[str], data_dir: Any
) -> None:
    reader = Store.open(data_dir, LEAD, PASSWORD, readonly=True, check="none")
    try:
        assert roster_names.ready(reader.engine) is not None
        assert results(reader, None, "rizky") != []
        new = factory.student(factory.schools[0], name="RIZKY DARI PEMILIK")
        assert results(reader, None, "rizky dari") == [new]
    finally:
        reader.close()


def test_small_rosters_keep_the_sql_window(
    store: Store, roster: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster_names, "MIN_STUDENTS", 10_000)
    assert roster_names.ready(store.engine) is None


def test_the_map_reads_back_what_it_was_given() -> None:
    keys = (
        "nama {d}",
        "NAMA {d}".lower(),
        "",
        "nama",
        "nàma {d}",
    )  # a key as the name's lower case is not stored twice
    names_of = ("NAMA {d}", "Nàma {d}", "-", "")
    rows = [
        (d, names_of[d % 4].format(d=d), keys[d % 5].format(d=d), d % 7 == 0)
        for d in range(1, 20_000, 3)
    ]
    names = roster_names.RosterNames(reversed(rows))
    assert names.students == sum(1 for r in rows if not r[3])
    live = [(d, n, k) for d, n, k, gone in rows if not gone]
    assert names.window([r[0] for r in rows], len(live)) == live
    assert names.window([2], 1) is None  # never seen: the map is older than the roster
    assert names.nbytes() > 0


def test_no_map_when_a_writable_connection_could_not_be_watched(
    store: Store, roster: list[str]
) -> None:
    roster_names._BY_POOL[store.engine.pool].unwatched = True  # e.g. a damaged file
    assert roster_names.ready(store.engine) is None
    assert results(store, None, "rizky") != []  # the SQL window answers


def test_a_read_only_store_never_ranks_with_a_map_older_than_a_new_connection(
    store: Store, factory: Factory, roster: list[str], data_dir: Any
) -> None:
    """PRAGMA data_version is a per-connection counter: a connection the map has not
    seen before cannot tell whether the owner wrote since the map was built."""
    reader = Store.open(data_dir, LEAD, PASSWORD, readonly=True, check="none")
    try:
        assert roster_names.ready(reader.engine) is not None
        gone = roster[0]
        factory.student(factory.schools[0], id=gone, name=NAMES[0], deleted=True)
        # The connection(s) the map has seen are busy: the search takes a new one.
        with reader.engine.connect() as a, reader.engine.connect() as b:
            a.exec_driver_sql("SELECT 1")
            b.exec_driver_sql("SELECT 1")
            assert gone not in results(reader, None, "muhammad rizky")
    finally:
        reader.close()


def test_a_roster_write_committed_while_a_search_takes_the_map_is_not_missed(
    store: Store, factory: Factory, roster: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search's snapshot is taken by its first read (the FTS lookup), after it
    took the map: a roster write committed in between is in the snapshot, not in the map."""
    assert roster_names.ready(store.engine) is not None
    gone = roster[0]
    taken = roster_names.for_connection

    def take_then_write(fairy: Any, pool: Any) -> Any:
        names = taken(fairy, pool)
        assert names is not None
        factory.student(factory.schools[0], id=gone, name=NAMES[0], deleted=True)
        return names

    monkeypatch.setattr(roster_names, "for_connection", take_then_write)
    assert gone not in results(store, None, "muhammad rizky")


def test_a_build_overtaken_by_a_close_leaves_no_connection_open(
    store: Store, roster: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = roster_names._batches
    names = roster_names._BY_POOL[store.engine.pool]
    used: list[Any] = []

    def closing(cursor: Any) -> Any:
        used.append(cursor.connection)
        store.engine.dispose()  # the store closes while the map is being built
        names.too_small = True  # (no second build after it in this test)
        return real(cursor)

    monkeypatch.setattr(roster_names, "_batches", closing)
    assert roster_names.ready(store.engine) is None
    with pytest.raises(sqlcipher3.ProgrammingError):  # closed, not left to the collector
        used[0].execute("SELECT 1")


def test_the_build_leaves_every_connection_with_its_usual_page_cache(
    store: Store, roster: list[str]
) -> None:
    """The build reads every student page through a small cache (the memory target
    with 500,000 students), then gives its pooled connection the usual one back."""
    from ktpe_desktop.storage.engine import CACHE_SIZE_KIB

    assert roster_names.ready(store.engine) is not None
    with store.engine.connect() as conn:  # LIFO: the build's connection, back in the pool
        size = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    assert size == -CACHE_SIZE_KIB


def test_a_build_beside_a_roster_write_in_progress_does_not_deadlock(
    store: Store, factory: Factory, roster: list[str]
) -> None:
    """A roster write whose trigger is calling into Python while a build starts: the
    build once asked the writer's connection ``in_transaction``, which waits for that
    connection's mutex while holding the GIL, and the trigger waits for the GIL while
    holding the mutex (found hanging in the suite: a retention purge)."""
    import threading

    names = roster_names._BY_POOL[store.engine.pool]
    in_trigger = threading.Event()
    real_changed = names.changed

    def slow_changed(*args: Any) -> None:  # the trigger's call, held while a build starts
        in_trigger.set()
        build = threading.Thread(target=roster_names.ready, args=(store.engine, 10), daemon=True)
        build.start()
        build.join(0.5)  # the build runs while this statement is still executing
        real_changed(*args)

    names.changed = slow_changed  # type: ignore[method-assign]
    done = threading.Event()

    def write() -> None:
        factory.student(factory.schools[0], name="RIZKY SEDANG DITULIS")
        done.set()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    assert in_trigger.wait(10)
    assert done.wait(15), "the roster write and the map's build deadlocked"
    names.changed = real_changed  # type: ignore[method-assign]
    assert results(store, None, "rizky sedang") != []
