"""The database layer on a real SQLite file: migrations, invites, the directory, FSM rows."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from db import Database, ManualClock
from db.database import apply_migrations, migration_scripts, schema_version
from db.domain.errors import InvalidValue, InviteInvalid, NotAllowed, NotFound
from db.domain.invites import CODE_LENGTH, normalize_code
from db.domain.models import OrgKind, Role
from db.domain.orgs import OrgInput, validate_org
from tests.factories import make_member, make_org, make_student, make_university, person


async def test_migrations_build_an_empty_database_and_are_idempotent(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "fresh.db"
    first = await Database.open(path, clock)
    await make_university(first)
    await first.close()
    second = await Database.open(path, clock)  # a second start applies nothing and keeps data
    try:
        assert await schema_version(second._writer) == len(migration_scripts())
        assert await second.fetch_value("SELECT count(*) FROM organizations") == 1
        assert await second.fetch_value("PRAGMA journal_mode") == "wal"
        assert await second.fetch_value("PRAGMA foreign_keys") == 1
        assert await apply_migrations(second._writer) == len(migration_scripts())
    finally:
        await second.close()


async def test_a_database_newer_than_the_code_is_refused(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "future.db"
    db = await Database.open(path, clock)
    await db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(RuntimeError, match="newer"):
        await Database.open(path, clock)


async def test_invite_codes_are_long_random_and_stored_hashed(db: Database) -> None:
    school = await make_org(db)
    codes = {(await db.invites.create(None, Role.MENTOR, school.id)).code for _ in range(50)}
    assert len(codes) == 50
    assert all(len(code) == CODE_LENGTH for code in codes)
    stored = {row[0] for row in await db.fetch_all("SELECT code_hash FROM invites")}
    assert not codes & stored


async def test_only_the_right_people_create_codes_for_fitting_organizations(db: Database) -> None:
    university = await make_university(db)
    school = await make_org(db)
    coordinator = await make_member(db, Role.COORDINATOR, university, 500)
    student = await make_student(db, 501, university)
    with pytest.raises(NotAllowed):
        await db.invites.create(coordinator, Role.ADMIN, university.id)
    with pytest.raises(NotAllowed):
        await db.invites.create(student, Role.MENTOR, school.id)
    with pytest.raises(NotFound):  # a mentor belongs to a school, not a university
        await db.invites.create(coordinator, Role.MENTOR, university.id)
    with pytest.raises(InvalidValue):
        await db.invites.create(coordinator, Role.MENTOR, school.id, max_uses=0)
    created = await db.invites.create(coordinator, Role.MENTOR, school.id, max_uses=3)
    assert created.invite.uses_left == 3


async def test_concurrent_redemptions_never_exceed_the_uses(db: Database) -> None:
    school = await make_org(db)
    created = await db.invites.create(None, Role.MENTOR, school.id, max_uses=3)

    async def redeem(telegram_id: int) -> bool:
        try:
            await db.invites.redeem(created.code, person(telegram_id))
        except InviteInvalid:
            return False
        return True

    results = await asyncio.gather(*(redeem(600 + i) for i in range(20)))
    assert sum(results) == 3
    assert await db.fetch_value("SELECT count(*) FROM users WHERE role = 'mentor'") == 3
    assert await db.fetch_value("SELECT uses FROM invites") == 3


async def test_concurrent_redemptions_from_two_processes_share_the_limit(
    db: Database, db_path: Path, clock: ManualClock
) -> None:
    school = await make_org(db)
    created = await db.invites.create(None, Role.MENTOR, school.id, max_uses=1)
    other = await Database.open(
        db_path, clock
    )  # a second connection pair, as another process would
    try:
        outcomes = await asyncio.gather(
            db.invites.redeem(created.code, person(700)),
            other.invites.redeem(created.code, person(701)),
            return_exceptions=True,
        )
    finally:
        await other.close()
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["InviteInvalid", "Redemption"]


async def test_expired_and_revoked_codes(db: Database, clock: ManualClock) -> None:
    school = await make_org(db)
    created = await db.invites.create(None, Role.MENTOR, school.id, valid_days=7)
    clock.advance(timedelta(days=7))
    with pytest.raises(InviteInvalid) as expired:
        await db.invites.redeem(created.code, person(800))
    assert expired.value.reason == "expired"
    assert await db.users.by_telegram_id(800) is None


def test_codes_are_read_as_people_type_them() -> None:
    assert normalize_code(" abcde-fghjk mnpqr_stuvw ") == "ABCDEFGHJKMNPQRSTUVW"


async def test_organization_import_is_all_or_nothing(db: Database) -> None:
    good = OrgInput(OrgKind.SCHOOL, "№1 мектеп", None, None, "Семей", code="S1")
    duplicate_kind = OrgInput(OrgKind.SCHOOL, "№2 мектеп", None, None, "Семей", code="S2")
    await db.orgs.import_many([good, duplicate_kind])
    with pytest.raises(sqlite3.IntegrityError):
        await db.orgs.import_many(
            [
                OrgInput(OrgKind.SCHOOL, "№3", None, None, "Семей", code="S3"),
                OrgInput(OrgKind.SCHOOL, "bad", None, None, "X", latitude=91.0, longitude=0.0),
            ]
        )
    assert await db.fetch_value("SELECT count(*) FROM organizations") == 2
    result = await db.orgs.import_many(
        [OrgInput(OrgKind.SCHOOL, "№1 мектеп-лицей", None, None, "Семей", code="S1")]
    )
    assert (result.created, result.updated) == (0, 1)
    updated = await db.orgs.by_code("S1")
    assert updated is not None
    assert updated.name_kk == "№1 мектеп-лицей"


def test_directory_rows_are_validated_with_the_column_named() -> None:
    with pytest.raises(InvalidValue) as kind:
        validate_org({"kind": "shcool", "name_ru": "Школа", "city": "Семей"})
    assert kind.value.field == "kind"
    with pytest.raises(InvalidValue) as name:
        validate_org({"kind": "school", "city": "Семей"})
    assert name.value.field == "name"
    with pytest.raises(InvalidValue) as lat:
        validate_org({"kind": "school", "name_kk": "Мектеп", "city": "Семей", "latitude": "50,4"})
    assert lat.value.field == "latitude"
    org = validate_org(
        {
            "kind": " School ",
            "name_kk": " №7   мектеп ",
            "city": "Семей",
            "latitude": "50,41",
            "longitude": "80.23",
        }
    )
    assert (org.kind, org.name_kk, org.latitude) == (OrgKind.SCHOOL, "№7 мектеп", 50.41)


async def test_search_folds_kazakh_and_russian_case(db: Database) -> None:
    await make_org(db, name="Абай атындағы мектеп-гимназия")
    found, total = await db.orgs.page([OrgKind.SCHOOL], 0, 10, "АБАЙ ГИМНАЗИЯ")
    assert total == 1
    assert found[0].name_kk == "Абай атындағы мектеп-гимназия"


async def test_fsm_rows_round_trip_and_clear(db: Database) -> None:
    await db.fsm.save("k", "Registration:full_name", {"locale": "kk", "n": 1})
    assert await db.fsm.load("k") == ("Registration:full_name", {"locale": "kk", "n": 1})
    await db.fsm.save("k", None, {})
    assert await db.fsm.load("k") == (None, {})
    assert await db.fetch_value("SELECT count(*) FROM fsm_state") == 0


async def test_migration_8_dates_requests_resolved_before_it(tmp_path: Path) -> None:
    """Requests resolved before reports existed get their resolution time from the audit log."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for version, sql in migration_scripts()[:7]:
            conn.executescript(f"{sql}\nPRAGMA user_version = {version};")
        conn.executescript(
            "INSERT INTO organizations (id, kind, name_kk, city, search_text, created_at,"
            " updated_at) VALUES (1, 'school', 'Мектеп', 'Семей', 'мектеп', '2025-01-01 00:00:00',"
            " '2025-01-01 00:00:00');"
            "INSERT INTO users (id, telegram_id, full_name, role, organization_id, locale,"
            " consent_at, created_at, seen_at) VALUES (1, 5, 'Әсел', 'director', 1, 'kk',"
            " '2025-01-01 00:00:00', '2025-01-01 00:00:00', '2025-01-01 00:00:00');"
            "INSERT INTO school_issues (id, organization_id, author_id, category, urgency, title,"
            " description, status, last_activity_at, created_at, updated_at) VALUES"
            " (1, 1, 1, 'digital', 'normal', 'Роботтар', 'Мұғалім керек', 'closed',"
            " '2025-02-05 09:00:00', '2025-02-01 09:00:00', '2025-02-05 09:00:00'),"
            " (2, 1, 1, 'digital', 'normal', 'Интернет', 'Жоқ', 'new',"
            " '2025-02-01 09:00:00', '2025-02-01 09:00:00', '2025-02-01 09:00:00');"
            "INSERT INTO audit_log (at, actor_id, action, object_type, object_id, details) VALUES"
            " ('2025-02-04 12:00:00', 1, 'issue.status', 'issue', 1,"
            ' \'{"before": "in_progress", "after": "resolved"}\'),'
            " ('2025-02-05 09:00:00', 1, 'issue.status', 'issue', 1,"
            ' \'{"before": "resolved", "after": "closed"}\');'
        )
    db = await Database.open(path)
    try:
        closed = await db.fetch_value("SELECT resolved_at FROM school_issues WHERE id = 1")
        still_new = await db.fetch_value("SELECT resolved_at FROM school_issues WHERE id = 2")
    finally:
        await db.close()
    assert closed == "2025-02-04 12:00:00"
    assert still_new is None


async def test_migration_11_gives_earlier_applications_their_school(tmp_path: Path) -> None:
    """A pending application made before migration 11 still reaches its director's queue."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for version, sql in migration_scripts()[:10]:
            conn.executescript(f"{sql}\nPRAGMA user_version = {version};")
        conn.executescript(
            "INSERT INTO organizations (id, kind, name_kk, city, search_text, created_at,"
            " updated_at) VALUES (1, 'school', 'Мектеп', 'Семей', 'мектеп', '2025-01-01 00:00:00',"
            " '2025-01-01 00:00:00');"
            "INSERT INTO users (id, telegram_id, full_name, role, organization_id, locale,"
            " consent_at, created_at, seen_at) VALUES (1, 5, 'Әсел', 'director', 1, 'kk',"
            " '2025-01-01 00:00:00', '2025-01-01 00:00:00', '2025-01-01 00:00:00'),"
            " (2, 6, 'Дана', 'student', NULL, 'kk',"
            " '2025-01-01 00:00:00', '2025-01-01 00:00:00', '2025-01-01 00:00:00');"
            "INSERT INTO practice_offers (id, organization_id, kind, subject, subject_key,"
            " starts_on, ends_on, places, created_at, updated_at) VALUES (1, 1, 'pedagogical',"
            " 'Математика', 'математика', '2025-03-01', '2025-03-31', 2, '2025-01-01 00:00:00',"
            " '2025-01-01 00:00:00');"
            "INSERT INTO applications (id, offer_id, student_id, status, queued_at, created_at,"
            " updated_at) VALUES (1, 1, 2, 'pending', '2025-02-01 09:00:00',"
            " '2025-02-01 09:00:00', '2025-02-01 09:00:00');"
        )
    db = await Database.open(path)
    try:
        director = await db.users.get(1)
        assert director is not None
        queue, total = await db.placements.review_queue(director, 0, 5)
    finally:
        await db.close()
    assert [application.id for application in queue] == [1] and total == 1
