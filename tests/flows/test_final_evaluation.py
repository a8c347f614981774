"""/evaluate: the mentor's final evaluation and characteristic, and the director's stamp."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n
from docx import Document

from db import Database, ManualClock
from db.domain.evaluations import RUBRIC, EvaluationKind
from db.domain.models import OrgKind, Role
from db.domain.practice_log import VisitInput
from tests.factories import make_member, make_org, make_placements
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


async def last_week(db: Database, clock: ManualClock, locale: str) -> list[int]:
    placed = await make_placements(db, locale, ("kk", "ru"))
    mentor, placements = placed.mentor, placed.placements
    await make_member(db, Role.DIRECTOR, placed.school, 3, locale=locale)
    other_school = await make_org(db, OrgKind.SCHOOL)
    await make_member(db, Role.DIRECTOR, other_school, 4, locale=locale)
    await make_member(db, Role.MENTOR, placed.school, 5, locale=locale)
    clock.advance(timedelta(days=3))
    scores = {"planning": 5, "delivery": 4, "management": 4, "technology": 3, "inclusion": 5}
    await db.practice.log_visit(
        mentor, VisitInput(placements[0], db.today(), "Бөлшектер", "5Б", scores, "v1"), 300
    )
    clock.advance(timedelta(days=22))  # the last week of the practice
    return placements


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_evaluate_sign_and_confirm(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    placements = await last_week(db, clock, locale)
    mentor, director = FakeUser(2, "M"), FakeUser(3, "D")
    listing = await chat.send(mentor, "/evaluate")
    assert "Студент 0" in listing.text and "Студент 1" in listing.text
    step = await chat.press(mentor, "1")
    assert "5 ✓" in step.button_labels()  # planning: the average of the one visit
    for score in ("5", "4", "4", "3", "5", "5", "4", "4"):
        await chat.press(mentor, score)
    await chat.send(mentor, "Сабақты мұқият жоспарлайды")
    await chat.send(mentor, "Уақытты бөлу")
    over = await chat.send(mentor, "101")
    assert over.text == t("A mark is a whole number from 0 to {max}.", max=100)
    draft = await chat.send(mentor, "92")
    assert "Сабақты мұқият жоспарлайды" in draft.text
    assert "92 (A−)" in draft.text
    kazakh = Translator(i18n, "kk")
    assert kazakh("Responsibility") not in draft.text  # the draft lists facts, not the rubric
    assert "Практика орны: №7 мектеп" in draft.text  # the student studies in Kazakh
    await chat.press(mentor, t("✍️ Sign"))
    final = (await db.evaluations.of(placements[0]))[EvaluationKind.FINAL]
    assert final.signed_at is not None and final.recommended_mark == 92
    assert list(final.scores.values()) == [5, 4, 4, 3, 5, 5, 4, 4]
    assert set(final.scores) == set(RUBRIC)
    await chat.deliver()
    other_director = FakeUser(4, "Other director")
    await chat.send(other_director, "/menu")
    await chat.press_data(other_director, f"fe:confirm:{placements[0]}")
    assert chat.last_answer()["show_alert"] is True  # another school's director
    await chat.press(director, t("✅ Confirm"))
    assert chat.last_answer()["text"] == t("Confirmed.")
    confirmed = (await db.evaluations.of(placements[0]))[EvaluationKind.FINAL]
    assert confirmed.confirmed_at is not None
    sent = chat.telegram.calls("sendDocument")[-1]
    assert sent.params["chat_id"] == 3  # the director, to print and stamp
    [(name, content)] = sent.files.values()
    assert name == f"characteristic-{placements[0]}.docx"
    word = Document(io.BytesIO(content))
    lines = [paragraph.text for paragraph in word.paragraphs]
    assert lines[0] == "МІНЕЗДЕМЕ"  # the student studies in Kazakh
    assert any("Сабақты мұқият жоспарлайды" in line for line in lines)
    assert any(line.endswith("М.О.") for line in lines)
    await chat.press_data(director, f"fe:confirm:{placements[0]}")  # a second tap
    assert chat.last_answer()["text"] == t("This has been done already.")


async def test_another_mentor_cannot_open_the_evaluation(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    placements = await last_week(db, clock, "ru")
    other_mentor = FakeUser(5, "Other mentor")
    await chat.send(other_mentor, "/menu")
    await chat.press_data(other_mentor, f"fe:open:{placements[0]}")
    assert chat.last_answer()["show_alert"] is True
    assert await db.evaluations.of(placements[0]) == {}


async def test_a_signed_characteristic_is_not_opened_again(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    placements = await last_week(db, clock, "ru")
    mentor = FakeUser(2, "M")
    await chat.send(mentor, "/evaluate")
    await chat.press(mentor, "1")
    for score in ("5", "4", "4", "3", "5", "5", "4", "4"):
        await chat.press(mentor, score)
    await chat.send(mentor, "Сильная сторона")
    await chat.send(mentor, "Темп")
    await chat.send(mentor, "85")
    await chat.press(mentor, t("✍️ Sign"))
    await chat.press_data(mentor, f"fe:open:{placements[0]}")  # the list's old button
    assert chat.last_answer()["text"] == t("This characteristic is signed already.")
    listing = await chat.send(mentor, "/evaluate")
    assert "Студент 0" not in listing.text and "Студент 1" in listing.text
