"""Check-off commit (issue 18): ``event.school_npsn``'s index gives way to ``event_school``.

Revision ID: 0010
Revises: 0009

``ix_event_school_npsn`` was one of the B-trees every check-off wrote a page of (one
WAL frame of ~10, ~0.13 M of a check-off's ~2.1 M instructions, docs/performance.md,
D41). The per-school event queries (the papers, the sync status of a school, the
retention purge) now reach the school's events through its students: the roster's
students of the school and the pairs of ``event_school``, then ``ix_event_student_id``,
keeping ``event.school_npsn = :npsn`` as the filter, so they find exactly the rows the
index found.

``event_school`` holds the (school, student) pairs of events filed under a school
their student's row does not name (a student moved, deleted, or not in the roster).
Triggers keep it: an event inserted (or updated) under such a school adds its pair;
a student row whose school changes, or that is deleted, adds the pair of its events
filed under the old school. The upgrade fills it from the events already held.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The pair of an event row ``{row}`` (NEW) when its student's row does not name its school.
_EVENT_PAIR = (
    "WHEN NEW.school_npsn IS NOT NULL AND NOT EXISTS (SELECT 1 FROM student "
    "WHERE id = NEW.student_id AND school_npsn = NEW.school_npsn) BEGIN "
    "INSERT OR IGNORE INTO event_school (school_npsn, student_id) "
    "VALUES (NEW.school_npsn, NEW.student_id); END"
)
# The pair of a student row (OLD) leaving its school, when events are filed under it.
_STUDENT_PAIR = (
    "BEGIN INSERT OR IGNORE INTO event_school (school_npsn, student_id) "
    "SELECT OLD.school_npsn, OLD.id WHERE EXISTS (SELECT 1 FROM event "
    "WHERE student_id = OLD.id AND school_npsn = OLD.school_npsn); END"
)
TRIGGERS = (
    f"CREATE TRIGGER event_school_ai AFTER INSERT ON event {_EVENT_PAIR}",
    f"CREATE TRIGGER event_school_au AFTER UPDATE OF school_npsn, student_id ON event "
    f"{_EVENT_PAIR}",
    "CREATE TRIGGER student_school_au AFTER UPDATE OF id, school_npsn ON student "
    "WHEN OLD.school_npsn IS NOT NEW.school_npsn OR OLD.id IS NOT NEW.id "
    f"{_STUDENT_PAIR}",
    f"CREATE TRIGGER student_school_ad AFTER DELETE ON student {_STUDENT_PAIR}",
)
_TRIGGER_NAMES = ("event_school_ai", "event_school_au", "student_school_au", "student_school_ad")


def upgrade() -> None:
    op.execute(
        "CREATE TABLE event_school (\n"
        "\tschool_npsn VARCHAR(8) NOT NULL, \n"
        "\tstudent_id VARCHAR(64) NOT NULL, \n"
        "\tCONSTRAINT pk_event_school PRIMARY KEY (school_npsn, student_id)\n"
        ") WITHOUT ROWID"
    )
    op.execute(
        "INSERT OR IGNORE INTO event_school (school_npsn, student_id) "
        "SELECT DISTINCT e.school_npsn, e.student_id FROM event AS e "
        "WHERE e.school_npsn IS NOT NULL AND NOT EXISTS (SELECT 1 FROM student AS s "
        "WHERE s.id = e.student_id AND s.school_npsn = e.school_npsn)"
    )
    for ddl in TRIGGERS:
        op.execute(ddl)
    op.drop_index("ix_event_school_npsn", table_name="event")


def downgrade() -> None:
    op.create_index("ix_event_school_npsn", "event", ["school_npsn"])
    for name in _TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE event_school")
