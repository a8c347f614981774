"""Small helpers for answering in place: edit the message a button belongs to when possible."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

log = logging.getLogger(__name__)


async def show(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the pressed message's text (or send a new one when it can no longer be edited)."""
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=reply_markup)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
            log.info("cannot edit message %s: %s", message.message_id, error.message)
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=reply_markup)


async def drop_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons of the pressed message so they cannot be pressed again."""
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramBadRequest as error:
            log.info("cannot drop keyboard of %s: %s", message.message_id, error.message)
