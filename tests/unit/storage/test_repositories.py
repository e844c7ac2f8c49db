from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, text

from ktpe_desktop.core.events import Status
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage.repositories import RosterStudent
from ktpe_desktop.storage.store import Store
from tests.conftest import Factory


def names(rows: list[repo.StudentRow]) -> set[str]:
    return {r.name for r in rows}


def test_name_search_with_spelling_variants(store: Store, factory: Factory) -> None:
    school = factory.school()
    factory.student(school, name="MUHAMMAD RIZKY PRATAMA")
    factory.student(school, name="MOCH. RIZKI FIRMANSYAH")
    factory.student(school, name="SITI AISYAH")
    with store.session() as s:
        assert names(repo.search_students(s, school, "moch riz")) == {
            "MUHAMMAD RIZKY PRATAMA",
            "MOCH. RIZKI FIRMANSYAH",
        }
        assert names(repo.search_students(s, None, "muhammad rizky")) == {
            "MUHAMMAD RIZKY PRATAMA",
            "MOCH. RIZKI FIRMANSYAH",
        }
        assert names(repo.search_students(s, None, "firm")) == {"MOCH. RIZKI FIRMANSYAH"}
        assert names(repo.search_students(s, None, "aisy sit")) == {"SITI AISYAH"}
        assert repo.search_students(s, None, "zzz") == []
        assert repo.search_students(s, None, "  ") != []  # empty query lists the roster
        assert repo.count_students(s, school, "riz") == 2


def test_search_inside_one_school_and_filters(store: Store, factory: Factory) -> None:
    a, b = factory.school(), factory.school()
    x = factory.student(a, name="DEWI LESTARI", class_name="XII IPA 1")
    factory.student(a, name="DEWI SARTIKA", class_name="XII IPS 2")
    factory.student(b, name="DEWI ANGGRAINI")
    RecordingService(store).record_outcome(x, "recorded", "op")
    with store.session() as s:
        assert len(repo.search_students(s, None, "dewi")) == 3
        assert len(repo.search_students(s, a, "dewi")) == 2
        assert names(repo.search_students(s, a, "dewi", class_name="XII IPS 2")) == {"DEWI SARTIKA"}
        assert names(repo.search_students(s, a, "dewi", status=Status.RECORDED)) == {"DEWI LESTARI"}
        assert names(repo.search_students(s, a, "dewi", status="pending")) == {"DEWI SARTIKA"}
        assert repo.count_students(s, a, "", status="pending") == 1
        assert len(repo.search_students(s, None, "dewi", limit=2)) == 2
        assert len(repo.search_students(s, None, "dewi", limit=2, offset=2)) == 1


def test_nisn_and_nik_prefixes(store: Store, factory: Factory) -> None:
    factory.student(name="A", nisn="0061234567", nik="3573010101060001")
    factory.student(name="B", nisn="0061299999", nik="3573020202060002")
    factory.student(name="C", nisn="1061234567", nik="3507010303060003")
    with store.session() as s:
        assert names(repo.search_students(s, None, "00612")) == {"A", "B"}
        assert names(repo.search_students(s, None, "006123")) == {"A"}
        assert names(repo.search_students(s, None, "0061234567")) == {"A"}
        assert names(repo.search_students(s, None, "3573")) == {"A", "B"}
        assert names(repo.search_students(s, None, "3507 01")) == {"C"}
        assert names(repo.search_students(s, None, "1")) == {"C"}
        assert repo.count_students(s, None, "00612") == 2
        assert repo.search_students(s, None, "99") == []


def test_exact_identifier_for_the_scanner(store: Store, factory: Factory) -> None:
    sid = factory.student(nisn="0012345678", nik="3573010101060001")
    with store.session() as s:
        row = repo.find_by_exact_identifier(s, "0012345678")
        assert row is not None and row.id == sid
        row = repo.find_by_exact_identifier(s, "3573010101060001")
        assert row is not None and row.id == sid
        assert repo.find_by_exact_identifier(s, "12345678") is None  # leading zeros matter
        assert repo.find_by_exact_identifier(s, "001234567") is None
        assert repo.get_student(s, sid) is not None
        assert repo.get_student(s, "nope") is None


def test_roster_upsert_keeps_the_fts_index_in_step(store: Store, factory: Factory) -> None:
    school = factory.school()
    sid = factory.student(school, name="BAMBANG SUTEJO")
    with store.transaction() as s:
        ins, upd = repo.upsert_students_from_roster(
            s,
            [
                RosterStudent(id=sid, school_npsn=school, name="BAMBANG SOETEDJO"),
                RosterStudent(id="new1", school_npsn=school, name="CITRA KIRANA"),
            ],
        )
    assert (ins, upd) == (1, 1)
    with store.session() as s:
        assert names(repo.search_students(s, None, "citra")) == {"CITRA KIRANA"}
        assert names(repo.search_students(s, None, "bambang")) == {"BAMBANG SOETEDJO"}
        fts = s.execute(select(func.count()).select_from(m.Student)).scalar()
        assert fts == 2
    with store.transaction() as s:
        repo.upsert_students_from_roster(
            s, [RosterStudent(id="new1", school_npsn=school, name="CITRA KIRANA", deleted=True)]
        )
    with store.session() as s:
        assert repo.search_students(s, None, "citra") == []


def test_correction_survives_a_roster_refresh(store: Store, factory: Factory) -> None:
    school = factory.school()
    sid = factory.student(school, name="JOKO SUSILO")
    RecordingService(store).correct_details(sid, {"name": "JOKO SUSILO WIBOWO"}, "op")
    with store.transaction() as s:
        repo.upsert_students_from_roster(
            s, [RosterStudent(id=sid, school_npsn=school, name="JOKO SUSILO")]
        )
    with store.session() as s:
        row = repo.get_student(s, sid)
        assert row is not None and row.name == "JOKO SUSILO WIBOWO"
        assert names(repo.search_students(s, None, "wibowo")) == {"JOKO SUSILO WIBOWO"}


def test_school_counts_history_anomalies_outbox(store: Store, factory: Factory) -> None:
    school = factory.school()
    a = factory.student(school, sex="L")
    b = factory.student(school, sex="P")
    factory.student(school, sex="P")
    service = RecordingService(store)
    service.record_outcome(a, "recorded", "op1")
    service.activate_ikd(a, "op1")
    service.record_outcome(b, "failed", "op2", reason="no_kk")
    service.record_outcome(b, "recorded", "op2")
    service.record_outcome(b, "recorded", "op3")  # anomaly: recorded twice
    with store.session() as s:
        counts = repo.school_counts(s, school)
        assert counts.by_status["recorded"] == 2
        assert counts.by_status["pending"] == 1
        assert counts.by_sex == {"L": 1, "P": 2}
        assert counts.by_status_and_sex[("recorded", "P")] == 1
        assert counts.ikd_activated == 1
        assert counts.total == 3
        history = repo.student_events(s, b)
        assert [h.kind for h in history] == ["failed", "recorded", "recorded"]
        assert {h.operator for h in history} == {"op2", "op3"}
        assert all(h.device_id == store.device_id and h.origin == "local" for h in history)
        anomalies = repo.list_anomalies(s)
        assert [x.code for x in anomalies] == ["recorded_twice"]
        assert repo.list_anomalies(s, school_npsn=school)
        assert repo.outbox_counts(s)["pending"] == 5
        schools = repo.list_schools(s)
        assert [x.student_count for x in schools] == [3]
        assert repo.list_classes(s, school) == ["XII IPA 1"]
        assert repo.device_head(s)[1] == 5


def test_bulk_insert(store: Store, factory: Factory, data_dir: Path) -> None:
    school = factory.school()
    with store.transaction() as s, repo.deferred_fts(s):
        repo.bulk_insert_students(
            s,
            [
                {"id": f"b{i}", "school_npsn": school, "name": f"NAMA {i} SUGIANTO"}
                for i in range(50)
            ],
        )
    with store.session() as s:
        assert repo.count_students(s, school, "sugi") == 50
        assert repo.count_students(s, school, "", status="pending") == 50
    factory.student(school, name="SESUDAH SUGIANTO")  # the trigger is back
    with store.session() as s:
        assert repo.count_students(s, school, "sugi") == 51


def test_migration_0004_rebuilds_the_name_index_with_longer_prefixes(
    store: Store, factory: Factory
) -> None:
    """Down to 0003 (prefixes 1-4) and back up: the rebuilt index finds every student."""
    from alembic import command

    from ktpe_desktop.storage.engine import write_engine
    from ktpe_desktop.storage.store import alembic_config

    school = factory.school()
    factory.student(school, name="MUHAMMAD FIRMANSYAH")
    factory.student(school, name="MOCH. RIZKI PRATAMA")

    def fts_sql() -> str:
        with store.session() as s:
            return str(
                s.scalar(
                    select(text("sql"))
                    .select_from(text("sqlite_master"))
                    .where(text("name = 'student_fts'"))
                )
            )

    assert "prefix='1 2 3 4 5 6 7 8'" in fts_sql()
    cfg = alembic_config()
    for target in ("0003", "head"):
        # The writer's BEGIN IMMEDIATE: the migration reads before it writes, and a
        # plain BEGIN's read fails at once if the name map's probe holds the lock.
        with write_engine(store.engine).begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if target == "0003" else command.upgrade)(cfg, target)
        with store.session() as s:
            assert names(repo.search_students(s, school, "muhamma")) == {
                "MUHAMMAD FIRMANSYAH",
                "MOCH. RIZKI PRATAMA",
            }
            assert names(repo.search_students(s, None, "firmans")) == {"MUHAMMAD FIRMANSYAH"}
    assert "prefix='1 2 3 4 5 6 7 8'" in fts_sql()
    factory.student(school, name="SITI MUHAMMADIYAH")  # the triggers feed the new table
    with store.session() as s:
        assert "SITI MUHAMMADIYAH" in names(repo.search_students(s, school, "muhammadi"))


def test_a_migration_waits_for_another_writer_instead_of_failing(
    store: Store, factory: Factory
) -> None:
    """A migration reads alembic_version before its first write. Begun IMMEDIATE it
    waits (busy_timeout) for a writer that holds the lock; a plain BEGIN's read
    cannot wait to become a write and failed at once with "database is locked"."""
    import threading

    from alembic import command

    from ktpe_desktop.storage.engine import write_engine
    from ktpe_desktop.storage.store import alembic_config

    school = factory.school()
    factory.student(school, name="MUHAMMAD FIRMANSYAH")
    cfg = alembic_config()
    with write_engine(store.engine).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    holder = store.engine.raw_connection()
    try:
        holder.driver_connection.execute("BEGIN IMMEDIATE")  # another writer at work
        release = threading.Timer(0.3, lambda: holder.driver_connection.execute("ROLLBACK"))
        release.start()
        try:
            Store._migrate(store.engine)
        finally:
            release.join()
    finally:
        holder.close()
    with store.session() as s:
        assert s.scalar(text("SELECT version_num FROM alembic_version")) != "0003"
        assert names(repo.search_students(s, None, "firmans")) == {"MUHAMMAD FIRMANSYAH"}
