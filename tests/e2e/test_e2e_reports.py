"""End to end: a coordinator's report with charts and an Excel export from the real bot process,
its worker processes drawing and writing, the files uploaded to the fake Bot API server."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.datagen import Network
from tests.e2e.process import BotProcess, Person, write_config
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, FakeUser, wait_until

pytestmark = pytest.mark.e2e

YEAR = "01.09.2025 – 31.08.2026"


async def test_a_report_and_an_export_from_the_running_bot(
    server: tuple[FakeTelegram, FakeBotAPIServer],
    tmp_path: Path,
    network_template: tuple[Path, Network],
) -> None:
    telegram, api = server
    template, network = network_template
    shutil.copyfile(template, tmp_path / "seriktes.db")
    coordinator = network.coordinators[0]
    person = Person(telegram, FakeUser(coordinator.telegram_id or 0, "Анна", language_code="ru"))
    bot = BotProcess(write_config(tmp_path, api.base_url), tmp_path / "bot.log")
    await bot.start(telegram)
    try:
        await person.send("/stats")
        await person.press("📅")
        await person.send(YEAR)
        await wait_until(lambda: telegram.calls("sendMediaGroup"), timeout=60, what="the charts")
        [album] = telegram.calls("sendMediaGroup")
        assert len(album.files) == 6
        assert all(content.startswith(b"\x89PNG") for _n, content in album.files.values())
        summary = next(
            m.text
            for m in reversed(telegram.bot_messages(person.user.id))
            if "📊" in (m.text or "")
        )
        assert f"Посещений: {network.truth.visits:,}".replace(",", "\u00a0") in summary

        await person.send("/export")
        await person.press("📅")
        await person.send(YEAR)
        await person.press("Excel")
        await wait_until(lambda: telegram.calls("sendDocument"), timeout=60, what="the workbook")
        [document] = telegram.calls("sendDocument")
        _name, content = next(iter(document.files.values()))
        book = load_workbook(io.BytesIO(content))
        assert len(book.worksheets) == 7
        assert book["Посещения"].max_row == network.truth.visits + 1
    finally:
        assert await bot.stop() == 0
    log = bot.log_text()
    assert "Traceback" not in log, log
