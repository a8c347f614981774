"""`python -m bot import-placements FILE.csv`: validated like the bot, line numbers, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from db import Database
from db.domain.models import OrgKind, Role
from tests.factories import make_member, make_offer, make_org, make_student, make_university


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)


async def seed(path: Path) -> tuple[int, int]:
    db = await Database.open(path)  # the system clock, as the command line uses
    try:
        university = await make_university(db)
        school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
        coordinator = await make_member(db, Role.COORDINATOR, university, 1)
        await make_member(db, Role.MENTOR, school, 2, name="Тәлімгер Гүлнар")
        await make_student(db, 10, university, name="Бекова Айгерім")
        await make_student(db, 11, university, name="Омаров Данияр")
        await make_student(db, 12, university, name="Омаров Данияр")
        first = await make_offer(db, coordinator, school, places=2)
        second = await make_offer(db, coordinator, school, places=1, starts_in_days=90)
        return first.id, second.id
    finally:
        await db.close()


async def test_students_placed_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "s.db"
    first, second = await seed(database)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\npath = "{database}"\n', encoding="utf-8")
    csv = tmp_path / "placements.csv"

    csv.write_text(
        "student;offer;mentor\n"
        f"бекова айгерім;#{first};Тәлімгер Гүлнар\n"
        f"Омаров Данияр;{first};\n"
        f"Nobody Here;{first};\n"
        f"@nobody;999;\n"
        f"10;{second};Someone Else\n",
        encoding="utf-8",
    )
    assert await _run(config, csv) == 1
    errors = capsys.readouterr().err
    assert (
        "line 3: student: 2 people named 'Омаров Данияр'; use their Telegram id or @username"
        in errors
    )
    assert "line 4: student: no registered student 'Nobody Here'" in errors
    assert "line 5: offer: no offer #999" in errors
    assert "line 6: mentor: no registered mentor 'Someone Else' at the offer's school" in errors

    csv.write_text(f"student,offer\n10,{first}\n11,{first}\n12,{first}\n", encoding="utf-8")
    assert await _run(config, csv) == 1
    assert "line 4: no free places left on this offer" in capsys.readouterr().err

    csv.write_text(
        f"student,offer,mentor\n10,{first},2\n11,{first},\n12,{second},\n", encoding="utf-8"
    )
    assert await _run(config, csv) == 0
    assert "placed 3 students" in capsys.readouterr().out
    db = await Database.open(database)
    try:
        assert (
            await db.fetch_value("SELECT count(*) FROM applications WHERE status = 'approved'") == 3
        )
        assert (
            await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'placement.approved'")
            == 3
        )
    finally:
        await db.close()


async def _run(config: Path, csv: Path) -> int:
    import asyncio

    return await asyncio.to_thread(main, ["--config", str(config), "import-placements", str(csv)])
