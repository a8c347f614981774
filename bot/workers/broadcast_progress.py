"""Keeps each announcement's progress message up to date, then turns it into the report."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n

from bot.throttle import Lane, sending_as
from db import Database
from db.domain.broadcasts import Broadcast
from db.outbox import OutboxCounts
from handlers.broadcasts.texts import progress_text

log = logging.getLogger("seriktes.broadcasts")

PROGRESS_JOB = "broadcasts.progress"


class BroadcastProgress:
    def __init__(self, bot: Bot, db: Database, i18n: I18n) -> None:
        self.bot = bot
        self.db = db
        self.i18n = i18n
        self._shown: dict[int, str] = {}

    async def tick(self) -> None:
        """Edit each running broadcast's message in place; the last edit is the report."""
        for broadcast in await self.db.broadcasts.sending():
            counts = await self.db.broadcasts.counts(broadcast.id)
            await self._show(broadcast, counts)
            if counts.pending + counts.sending == 0:
                await self.db.broadcasts.finish(broadcast.id)
                self._shown.pop(broadcast.id, None)

    async def _show(self, broadcast: Broadcast, counts: OutboxCounts) -> None:
        if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
            return
        author = await self.db.users.get(broadcast.author_id)
        with (
            self.i18n.context(),
            self.i18n.use_locale(author.locale if author else self.i18n.default_locale),
        ):
            text = progress_text(broadcast, counts)
        if self._shown.get(broadcast.id) == text:
            return
        try:
            with sending_as(Lane.NOTICE):
                await self.bot.edit_message_text(
                    text=text,
                    chat_id=broadcast.progress_chat_id,
                    message_id=broadcast.progress_message_id,
                )
        except TelegramAPIError as error:
            if "not modified" not in error.message:
                log.warning("progress of broadcast %s not shown: %s", broadcast.id, error.message)
        self._shown[broadcast.id] = text
