"""End to end: the same conversation by long polling and by webhook; the webhook's secret,
bad bodies and a flood; /healthz, /readyz and /metrics as the bot works; backup and restore
from the command line beside the running bot."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n
from aiohttp import ClientSession

from tests.e2e.process import BotProcess, Person, write_config
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, FakeUser, wait_until
from tests.i18n_helpers import Translator

pytestmark = pytest.mark.e2e

SECRET = "s3cret-token-for-tests-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config(tmp_path: Path, api: FakeBotAPIServer, port: int, webhook: bool) -> Path:
    extra = (
        f'\n[webhook]\nurl = "https://bot.example.kz/telegram"\nlisten = "127.0.0.1:{port}"\n'
        f'path = "/telegram"\nsecret = "{SECRET}"\nmax_in_flight = 4\n'
        if webhook
        else f'\n[monitoring]\nlisten = "127.0.0.1:{port}"\n'
    )
    extra += f'\n[backup]\ndir = "{tmp_path / "backups"}"\nkeep = 3\nat = "off"\n'
    return write_config(tmp_path, api.base_url, extra=extra)


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(label in line for label in wanted):
            head = line.split(" ")[0]
            if head == name or head.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
    return total


async def get(session: ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url) as reply:
        return reply.status, await reply.text()


async def converse(telegram: FakeTelegram, i18n: I18n) -> None:
    """A newcomer picks a language and reads the consent: the same in both modes."""
    student = Person(telegram, FakeUser(6001, "Aru", language_code="kk"))
    greeting = await student.send("/start")
    assert "Қазақша" in " ".join(greeting.button_labels())
    consent = await student.press("Қазақша")
    assert Translator(i18n, "kk")("✅ I agree") in consent.button_labels()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_same_conversation_and_health_in_both_modes(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path, i18n: I18n, mode: str
) -> None:
    telegram, api = server
    port = free_port()
    webhook = mode == "webhook"
    bot = BotProcess(config(tmp_path, api, port, webhook), tmp_path / "bot.log")
    if webhook:
        api.forward_to = f"http://127.0.0.1:{port}/telegram"
    base = f"http://127.0.0.1:{port}"
    await bot.start(telegram, webhook=webhook)
    try:
        async with ClientSession() as session:
            assert await get(session, f"{base}/healthz") == (200, "ok")
            status, _ = await get(session, f"{base}/readyz")
            assert status == 200
            before = (await get(session, f"{base}/metrics"))[1]
            await converse(telegram, i18n)
            after = (await get(session, f"{base}/metrics"))[1]
            handled = metric(after, "seriktes_updates_total", type="message") - metric(
                before, "seriktes_updates_total", type="message"
            )
            assert handled >= 1, after
            assert metric(after, "seriktes_update_seconds_count") > metric(
                before, "seriktes_update_seconds_count"
            )
            labels = [
                line.split("{", 1)[1].split("}")[0] for line in after.splitlines() if "{" in line
            ]
            assert "seriktes_outbox_depth" in after
            assert not any("6001" in label or "Aru" in label for label in labels), (
                "no personal data"
            )
            code, output = await bot.cli("backup")
            assert code == 0, output
            restored = tmp_path / "restore-me.db"
            [made] = (tmp_path / "backups").glob("seriktes-*.db")
            made.replace(restored)
            code, output = await bot.cli("restore", str(restored))
            assert code == 1 and "running" in output, output  # refused while the bot runs
    finally:
        assert await bot.stop() == 0, bot.log_text()
    if webhook:
        assert len(telegram.calls("setWebhook")) == 1
        [call] = telegram.calls("setWebhook")
        assert call.params["secret_token"] == SECRET
        assert "message" in call.params["allowed_updates"]
    else:
        assert telegram.calls("deleteWebhook"), "polling switches any webhook off"
    assert "Traceback" not in bot.log_text()


async def test_webhook_refuses_a_missing_secret_a_bad_body_and_a_flood(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path, i18n: I18n
) -> None:
    telegram, api = server
    port = free_port()
    bot = BotProcess(config(tmp_path, api, port, True), tmp_path / "bot.log")
    url = f"http://127.0.0.1:{port}/telegram"
    await bot.start(telegram, webhook=True)
    try:
        async with ClientSession() as session:
            start = telegram.message_update(FakeUser(6100, "X", language_code="ru"), "/start")
            telegram.pending_updates.remove(start)
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}):
                async with session.post(url, json=start, headers=headers) as reply:
                    assert reply.status == 401
            secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with session.post(url, data=b"not json", headers=secret) as reply:
                assert reply.status == 400
            async with session.post(url, json={"hello": "world"}, headers=secret) as reply:
                assert reply.status == 400
            await asyncio.sleep(0.5)
            assert telegram.bot_messages(6100) == [], "nothing refused was ever dispatched"

            people = [FakeUser(6200 + i, f"P{i}", language_code="en") for i in range(40)]
            updates = []
            for person in people:
                update = telegram.message_update(person, "/start")
                telegram.pending_updates.remove(update)
                updates.append(update)

            async def post(update: dict[str, object]) -> int:
                async with session.post(url, json=update, headers=secret) as reply:
                    return reply.status

            statuses = await asyncio.gather(*(post(update) for update in updates))
            assert set(statuses) <= {200, 503} and 503 in statuses, statuses
            refused = [u for u, status in zip(updates, statuses, strict=True) if status == 503]
            for update in refused:  # Telegram retries what was refused
                for _attempt in range(100):
                    if await post(update) != 503:
                        break
                    await asyncio.sleep(0.05)
            await wait_until(
                lambda: all(telegram.bot_messages(person.id) for person in people),
                what="every accepted and retried update to be answered",
            )
            metrics = (await get(session, f"http://127.0.0.1:{port}/metrics"))[1]
            assert metric(metrics, "seriktes_webhook_refused_total", reason="secret") == 2
            assert metric(metrics, "seriktes_webhook_refused_total", reason="body") == 2
            assert metric(metrics, "seriktes_webhook_refused_total", reason="busy") >= 1
            last = [FakeUser(6300 + i, f"L{i}", language_code="kk") for i in range(3)]
            for person in last:  # accepted just before the stop: handled before the exit
                update = telegram.message_update(person, "/start")
                telegram.pending_updates.remove(update)
                assert await post(update) == 200
    finally:
        assert await bot.stop() == 0, bot.log_text()
    assert all(len(telegram.bot_messages(person.id)) == 1 for person in people), "once each"
    assert all(telegram.bot_messages(person.id) for person in last), "none lost at shutdown"


async def test_readyz_names_a_database_that_cannot_be_written(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path
) -> None:
    telegram, api = server
    port = free_port()
    bot = BotProcess(config(tmp_path, api, port, False), tmp_path / "bot.log")
    await bot.start(telegram)
    blocker = sqlite3.connect(tmp_path / "seriktes.db", isolation_level=None, timeout=0)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        async with ClientSession() as session:
            status, text = await get(session, f"http://127.0.0.1:{port}/readyz")
        assert status == 503 and "database" in text, text
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        assert await bot.stop() == 0, bot.log_text()
