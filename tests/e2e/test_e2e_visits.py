"""End to end: a mentor logs a visit with location and scores; the student gets the feedback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from db import Database
from db.domain.models import OrgKind, Role
from db.domain.placements import OfferInput, PracticeKind
from tests.e2e.process import BotProcess, Person, write_config
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, FakeUser, wait_until
from tests.i18n_helpers import Translator

pytestmark = pytest.mark.e2e
SCHOOL = (50.4200, 80.2500)
LOCALES = ("kk", "ru", "en")


async def seed(path: Path) -> None:
    db = await Database.open(path)
    try:
        university = await make_university(db)
        school = await make_org(
            db, OrgKind.SCHOOL, name="№7 мектеп", latitude=SCHOOL[0], longitude=SCHOOL[1]
        )
        coordinator = await make_member(db, Role.COORDINATOR, university, 900)
        for index, locale in enumerate(LOCALES):
            mentor = await make_member(
                db, Role.MENTOR, school, 910 + index, name=f"Mentor {locale}", locale=locale
            )
            student = await make_student(
                db, 920 + index, university, name=f"Student {locale}", locale=locale
            )
            offer = await db.placements.create_offer(
                coordinator,
                OfferInput(
                    school.id,
                    PracticeKind.PEDAGOGICAL,
                    f"Математика {locale}",
                    db.today(),
                    db.today() + timedelta(days=20),
                    1,
                    mentor_ids=(mentor.id,),
                ),
            )
            await db.placements.place(coordinator, offer.id, student.id)
    finally:
        await db.close()


async def test_visit_with_location_in_each_language(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path, i18n: I18n
) -> None:
    telegram, api = server
    await seed(tmp_path / "seriktes.db")
    bot = BotProcess(write_config(tmp_path, api.base_url), tmp_path / "bot.log")
    await bot.start(telegram)
    try:
        for index, locale in enumerate(LOCALES):
            t = Translator(i18n, locale)
            mentor = Person(telegram, FakeUser(910 + index, "Mentor"))
            await mentor.send("/visit")
            await mentor.send("Бөлшектер")
            await mentor.send("5Б")
            for score in "54435":
                await mentor.press(score)
            await mentor.send("Жарайсың!")
            await mentor.send_update(
                telegram.location_update(mentor.user, SCHOOL[0] + 0.0005, SCHOOL[1])
            )
            saved = await mentor.press(t("✅ Save"))
            assert t("✅ Visit saved; the student has been sent your feedback.") in saved.text
            student_id = 920 + index
            heading = t("Your mentor visited your lesson. Feedback:")

            def feedback_arrived(chat: int = student_id, heading: str = heading) -> bool:
                return any((m.text or "").startswith(heading) for m in telegram.bot_messages(chat))

            await wait_until(feedback_arrived, what=f"the {locale} student's feedback")
            feedback = telegram.last_bot_message(student_id).text or ""
            assert f"{t('Lesson planning')}: 5/5" in feedback and "Жарайсың!" in feedback
            assert t("📍 on site ({distance} m from the school)", distance="56") in feedback
    finally:
        assert await bot.stop() == 0, bot.log_text()
    assert "Traceback" not in bot.log_text()
