"""The real bot process (`python -m bot`) against the fake Bot API server, driven like people do."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.fake_telegram import (
    TEST_TOKEN,
    ChatMessage,
    FakeBotAPIServer,
    FakeTelegram,
    FakeUser,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]


# People in these tests answer at machine speed, faster than a chat's pace allows; pacing
# has its own tests (tests/bot/test_throttle.py) and bench (bench/reply_burst.py).
FAST_CHATS: dict[str, object] = {"per_chat_interval": 0}


OPERATOR = {"kk": "Шәкәрім университеті", "ru": "Университет Шакарима", "en": "Shakarim University"}


def write_config(
    directory: Path,
    api_base: str,
    admins: tuple[int, ...] = (),
    extra: str = "",
    delivery: dict[str, object] | None = None,
) -> Path:
    config = directory / "config.toml"
    limits = FAST_CHATS if delivery is None else delivery
    config.write_text(
        f'[telegram]\ntoken = "{TEST_TOKEN}"\napi_base = "{api_base}"\n\n'
        f'[bot]\nadmins = [{", ".join(map(str, admins))}]\ndefault_locale = "kk"\n\n'
        f'[database]\npath = "{directory / "seriktes.db"}"\n\n'
        "[delivery]\n"
        + "".join(f"{key} = {value}\n" for key, value in limits.items())
        + "\n[privacy]\n"
        + "operator = { "
        + ", ".join(f'{locale} = "{name}"' for locale, name in OPERATOR.items())
        + " }\n"
        + extra,
        encoding="utf-8",
    )
    return config


class BotProcess:
    def __init__(self, config: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.log = log
        self.env = env or {}
        self.process: asyncio.subprocess.Process | None = None

    async def cli(self, *args: str) -> tuple[int, str]:
        """Run another `python -m bot` command (import-orgs, invite) with the same config."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(self.config),
            *args,
            cwd=ROOT,
            env=self._environment(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        return process.returncode or 0, output.decode()

    def _environment(self) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items() if key != "BOT_TOKEN"}
        environment.update({"PYTHONUNBUFFERED": "1", **self.env})
        return environment

    async def start(self, telegram: FakeTelegram, webhook: bool = False) -> None:
        """Start the process; wait until it polls (or, with `webhook`, has set its webhook)."""
        ready_call = "setWebhook" if webhook else "getUpdates"
        polls_before = len(telegram.calls(ready_call))
        handle = self.log.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(self.config),
            cwd=ROOT,
            env=self._environment(),
            stdout=handle,
            stderr=handle,
        )
        handle.close()

        def polling() -> bool:
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"the bot exited at start:\n{self.log_text()}")
            return len(telegram.calls(ready_call)) > polls_before

        await wait_until(polling, timeout=30, what=f"the bot to start ({ready_call})")

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
            await asyncio.wait_for(self.process.wait(), timeout)
        return self.process.returncode or 0

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


class Person:
    """One person talking to the bot through the fake server."""

    def __init__(self, telegram: FakeTelegram, user: FakeUser) -> None:
        self.telegram = telegram
        self.user = user

    def _activity(self) -> tuple[int, int]:
        messages = self.telegram.bot_messages(self.user.id)
        return len(messages), sum(message.edits for message in messages)

    async def _settle(self, before: tuple[int, int], timeout: float) -> ChatMessage:
        await wait_until(
            lambda: self._activity() != before, timeout, f"an answer to {self.user.first_name}"
        )
        return await self._quiet()

    async def _quiet(self) -> ChatMessage:
        """Wait until the bot has stopped writing to this chat for a moment."""
        quiet_since, seen = time.monotonic(), self._activity()
        while time.monotonic() - quiet_since < 0.2:
            await asyncio.sleep(0.02)
            if self._activity() != seen:
                quiet_since, seen = time.monotonic(), self._activity()
        return self.telegram.last_bot_message(self.user.id)

    async def send(self, text: str, timeout: float = 15) -> ChatMessage:
        before = self._activity()
        self.telegram.message_update(self.user, text)
        return await self._settle(before, timeout)

    async def send_update(self, update: dict[str, object], timeout: float = 15) -> ChatMessage:
        """Something other than text (a location, a photo) already queued by the fake."""
        before = self._activity()
        assert update in self.telegram.pending_updates
        return await self._settle(before, timeout)

    async def press(
        self, label: str, timeout: float = 15, message: ChatMessage | None = None
    ) -> ChatMessage:
        """Press `label` in `message`, or in the latest message that has such a button."""
        message = message or self.telegram.last_message_with_button(self.user.id, label)
        button = message.find_button(label)
        assert button is not None
        update = self.telegram.callback_update(self.user, message, button["callback_data"])
        query_id = update["callback_query"]["id"]
        await wait_until(
            lambda: query_id in self.telegram.callback_answers, timeout, f"the answer to {label!r}"
        )
        return await self._quiet()

    @property
    def last(self) -> ChatMessage:
        return self.telegram.last_bot_message(self.user.id)


async def start_server() -> tuple[FakeTelegram, FakeBotAPIServer]:
    telegram = FakeTelegram()
    server = FakeBotAPIServer(telegram)
    await server.start()
    return telegram, server
