"""Drive the real Dispatcher like people do: send text, press buttons by their label."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot.workers.delivery import DeliveryWorker
from tests.fake_telegram import ChatMessage, FakeTelegram, FakeUser


class ChatDriver:
    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, telegram: FakeTelegram, delivery: DeliveryWorker
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.telegram = telegram
        self.delivery = delivery

    async def deliver(self) -> None:
        """Let the delivery worker send every queued notification now."""
        await self.delivery.drain()

    async def feed(self, update: dict[str, Any]) -> None:
        self.telegram.pending_updates.remove(update)
        await self.dispatcher.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )

    async def send(self, user: FakeUser, text: str) -> ChatMessage:
        """The person sends `text`; returns the bot's last message to them afterwards."""
        await self.feed(self.telegram.message_update(user, text))
        return self.telegram.last_bot_message(user.id)

    async def press(
        self, user: FakeUser, label: str, message: ChatMessage | None = None
    ) -> ChatMessage:
        """The person presses the button whose label contains `label` (latest message first)."""
        message = message or self.telegram.last_message_with_button(user.id, label)
        button = message.find_button(label)
        if button is None:
            raise AssertionError(f"no button {label!r} in {message.button_labels()}")
        return await self.press_data(user, button["callback_data"], message)

    async def press_data(
        self, user: FakeUser, data: str, message: ChatMessage | None = None
    ) -> ChatMessage:
        """A button press with arbitrary callback data (stale or forged buttons)."""
        message = message or self.telegram.last_bot_message(user.id)
        sent_before = len(self.telegram.bot_messages(user.id))
        update = self.telegram.callback_update(user, message, data)
        await self.feed(update)
        query_id = update["callback_query"]["id"]
        assert query_id in self.telegram.callback_answers, "the button press was left unanswered"
        assert self.telegram.callback_answer_attempts[query_id] == 1, (
            "the button press was answered twice"
        )
        if len(self.telegram.bot_messages(user.id)) == sent_before and message.from_bot:
            return message  # answered in place: the pressed message, as edited
        return self.telegram.last_bot_message(user.id)

    def last_answer(self) -> dict[str, Any]:
        """The answerCallbackQuery sent for the latest button press."""
        query_id = str(max(int(key) for key in self.telegram.callback_answers))
        return self.telegram.callback_answers[query_id]

    def texts(self, user: FakeUser) -> list[str]:
        return [message.body for message in self.telegram.bot_messages(user.id)]
