"""When a handler fails: log it once with the update id, tell the person briefly, keep going."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent) -> None:
    update = event.update
    log.error("update=%s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)
    except TelegramAPIError as error:
        log.warning(
            "could not report the failure of update %s: %s", update.update_id, error.message
        )


def get_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
