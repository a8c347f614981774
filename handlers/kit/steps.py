"""A message starting with "/" is a command at every step of every conversation.

/start, /cancel, /language, /help and /menu are handled before any conversation sees the
message (handlers.get_routers puts their routers first). Any other command typed in the
middle of a form gets this answer, and nothing of it is stored: a person named "/language"
or an invitation code spent on "/help" cannot happen. On a search screen (Browsing) a
command simply leaves the search.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import gettext as _


class Browsing(StatesGroup):
    """A screen that reads typed text as a search, not a form: any command leaves it.

    Forms refuse other commands until finished or cancelled; a search box should not.
    """


def browsing_states() -> frozenset[str]:
    return frozenset(
        state.state or "" for group in Browsing.__subclasses__() for state in group.__all_states__
    )


class LeaveBrowsingOnCommand(BaseMiddleware):
    """A command typed on a search screen ends the search before any handler sees it.

    Registered on the dispatcher's message observer (bot/app.py), so the cleared state is
    what every router's state filters see.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        raw_state = data.get("raw_state")
        if (
            raw_state is not None
            and isinstance(event, Message)
            and (event.text or "").startswith("/")
            and raw_state in browsing_states()
        ):
            state: FSMContext = data["state"]
            await state.set_state(None)
            data["raw_state"] = None
        return await handler(event, data)


def finish_step_first() -> str:
    return _("Please finish this step first, or send /cancel to stop it.")


async def command_in_a_step(message: Message) -> None:
    await message.answer(finish_step_first())


def get_router() -> Router:
    router = Router(name="steps")
    router.message.register(command_in_a_step, F.text.startswith("/"), ~StateFilter(None))
    return router
