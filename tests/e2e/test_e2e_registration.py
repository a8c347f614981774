"""End to end: the deployed process registers students in kk, ru and en and a mentor by code."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n

from handlers.account.registration import consent_text
from handlers.kit.settings import HandlerSettings
from tests.e2e.process import OPERATOR, BotProcess, Person, write_config
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, FakeUser
from tests.i18n_helpers import Translator

pytestmark = pytest.mark.e2e

ORGS_CSV = """code,kind,name_kk,name_ru,name_en,city,region,address,latitude,longitude
SHU,university,Шәкәрім университеті,Университет Шакарима,Shakarim University,Семей,Абай облысы,"Глинки к., 20А",50.4111,80.2275
S7,school,№7 мектеп-гимназия,Школа-гимназия №7,School-gymnasium No. 7,Семей,Абай облысы,,50.4200,80.2500
"""
LANGUAGE_BUTTONS = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


async def test_registration_end_to_end(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path, i18n: I18n
) -> None:
    telegram, api = server
    bot = BotProcess(write_config(tmp_path, api.base_url), tmp_path / "bot.log")
    (tmp_path / "orgs.csv").write_text(ORGS_CSV, encoding="utf-8")
    code, output = await bot.cli("import-orgs", str(tmp_path / "orgs.csv"))
    assert code == 0, output
    code, output = await bot.cli("invite", "--role", "mentor", "--org", "S7")
    assert code == 0, output
    invite = re.search(r"code: ([A-Z0-9-]+)", output)
    assert invite is not None

    await bot.start(telegram)
    try:
        for number, locale in enumerate(("kk", "ru", "en")):
            t = Translator(i18n, locale)
            student = Person(
                telegram, FakeUser(5000 + number, f"Student{number}", language_code=locale)
            )
            greeting = await student.send("/start")
            assert f"{LANGUAGE_BUTTONS[locale]} ✓" in " ".join(greeting.button_labels())
            await student.press(LANGUAGE_BUTTONS[locale])
            settings = HandlerSettings(
                ZoneInfo("Asia/Almaty"), "kk", frozenset(), operator=OPERATOR
            )
            with i18n.context(), i18n.use_locale(locale):
                assert student.last.text == consent_text(settings, locale)
            assert OPERATOR[locale] in student.last.text  # the operator is named, by law
            with i18n.context(), i18n.use_locale("en"):
                english = consent_text(settings, "en")
            assert locale == "en" or student.last.text != english  # translated
            await student.press(t("✅ I agree"))
            await student.press(t("🎓 I am a student"))
            await student.send(f"Студент {locale.upper()} Тестов")
            await student.press({"kk": "Шәкәрім", "ru": "Шакарима", "en": "Shakarim"}[locale])
            await student.send("6B01501 Математика")
            menu = await student.press("3")
            assert t("👤 Profile") in menu.button_labels()

        t = Translator(i18n, "kk")
        mentor = Person(telegram, FakeUser(6000, "Гүлнар", language_code="kk"))
        await mentor.send(f"/start {invite.group(1)}")
        await mentor.press("Қазақша")
        asked = await mentor.press(t("✅ I agree"))
        assert "№7 мектеп-гимназия" in asked.text
        menu = await mentor.send("Сапарова Гүлнар Маратқызы")
        assert t("👤 Profile") in menu.button_labels()
    finally:
        assert await bot.stop() == 0, bot.log_text()

    log = bot.log_text()
    assert "Traceback" not in log, log
    assert re.search(r"update=\d+ user=5000 handler=\S+ duration_ms=[\d.]+ outcome=ok", log)
    assert "Seriktes stopped" in log
    assert TEST_TOKEN_SECRET not in log
    with sqlite3.connect(tmp_path / "seriktes.db") as conn:
        rows = conn.execute(
            "SELECT telegram_id, role, locale FROM users ORDER BY telegram_id"
        ).fetchall()
    assert rows == [
        (5000, "student", "kk"),
        (5001, "student", "ru"),
        (5002, "student", "en"),
        (6000, "mentor", "kk"),
    ]
    assert telegram.confirmed_offset > 0, "handled updates are confirmed at shutdown"
    private = '{"type": "all_private_chats"}'
    for locale in ("kk", "ru", "en"):
        names = [command["command"] for command in telegram.commands[(private, locale)]]
        assert names == ["start", "language", "help", "cancel"]
    assert telegram.commands[(private, "ru")][0]["description"] == Translator(i18n, "ru")(
        "Register or open the bot"
    )


TEST_TOKEN_SECRET = "TEST-token-for-the-fake-bot-api-server"
