"""A fake Telegram Bot API: one core shared by an HTTP server (end-to-end tests, benches) and
a recording aiogram session (handler tests through the real Dispatcher).

It keeps each private chat as the person would see it: messages with their buttons, edited in
place, so tests can press buttons by their visible label, in any language.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile
from aiohttp import ClientSession, web

TEST_TOKEN = "123456789:TEST-token-for-the-fake-bot-api-server"
BOT_ID = 123456789
BOT_USERNAME = "seriktes_test_bot"

_JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "media",
}
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "from_chat_id", "user_id"}


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "ru"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class Request:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    at: float


@dataclass
class ChatMessage:
    """A message in a private chat, as the person sees it now (after any edits)."""

    chat_id: int
    message_id: int
    from_bot: bool
    text: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: tuple[str, bytes] | None = None
    photo: bytes | None = None
    edits: int = 0
    deleted: bool = False
    date: int = field(default_factory=lambda: int(time.time()))

    @property
    def body(self) -> str:
        return self.text or self.caption or ""

    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def button_labels(self) -> list[str]:
        return [button["text"] for button in self.buttons()]

    def find_button(self, label: str) -> dict[str, Any] | None:
        exact = [b for b in self.buttons() if b["text"] == label]
        if exact:
            return exact[0]
        partial = [b for b in self.buttons() if label.casefold() in b["text"].casefold()]
        return partial[0] if len(partial) >= 1 else None


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


class FakeTelegram:
    """The state of the fake Telegram: chats, requests made, updates waiting to be fetched."""

    def __init__(self, token: str = TEST_TOKEN, now: Callable[[], float] = time.time) -> None:
        self.token = token
        self.now = now  # message dates; handler tests pass their manual clock
        self.requests: list[Request] = []
        self.chats: dict[int, list[ChatMessage]] = defaultdict(list)
        self.blocked: set[int] = set()
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.callback_answer_attempts: dict[str, int] = defaultdict(int)
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.reply_keyboards: dict[int, dict[str, Any] | None] = {}
        self.refused = 0  # requests answered 429 by limit_rate
        self.refused_requests: list[Request] = []
        self.flood_until = 0.0  # the end of the latest retry_after this server gave
        self.retry_after_violations = 0
        self.failures: list[Callable[[str, dict[str, Any]], ApiError | None]] = []
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.pending_updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        self.webhook_url: str | None = None  # set by setWebhook: updates are pushed, not polled
        self.webhook_secret: str | None = None
        self.files: dict[str, bytes] = {}  # what people uploaded, by file_id

    # ----- what people do -------------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update["update_id"] = next(self._update_ids)
        self.pending_updates.append(update)
        return update

    def _user_message(self, user: FakeUser, **content: Any) -> dict[str, Any]:
        message_id = next(self._message_ids[user.id])
        message = {
            "message_id": message_id,
            "date": int(self.now()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.as_dict(),
            **content,
        }
        self.chats[user.id].append(
            ChatMessage(user.id, message_id, from_bot=False, text=content.get("text"))
        )
        return message

    def message_update(self, user: FakeUser, text: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._push({"message": self._user_message(user, **content)})

    def photo_update(self, user: FakeUser, caption: str | None = None) -> dict[str, Any]:
        file_id = f"photo-{next(self._file_ids)}"
        photo = [{"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 600}]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return self._push({"message": self._user_message(user, **content)})

    def document_update(
        self,
        user: FakeUser,
        file_name: str,
        content: bytes,
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> dict[str, Any]:
        file_id = f"document-{next(self._file_ids)}"
        self.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        return self._push({"message": self._user_message(user, document=document, **extra)})

    def file_content(self, file_path: str) -> bytes:
        """What a download of `file_path` (as getFile named it) returns."""
        file_id = file_path.removeprefix("documents/")
        if file_id not in self.files:
            raise ApiError(404, "Not Found")
        return self.files[file_id]

    def sticker_update(self, user: FakeUser) -> dict[str, Any]:
        file_id = f"sticker-{next(self._file_ids)}"
        sticker = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._push({"message": self._user_message(user, sticker=sticker)})

    def location_update(
        self, user: FakeUser, latitude: float, longitude: float, **extra: Any
    ) -> dict[str, Any]:
        content = {"location": {"latitude": latitude, "longitude": longitude}, **extra}
        return self._push({"message": self._user_message(user, **content)})

    def group_message_update(
        self, user: FakeUser, text: str, group_id: int = -100123
    ) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids[group_id]),
            "date": int(self.now()),
            "chat": {"id": group_id, "type": "supergroup", "title": "Teachers' chat"},
            "from": user.as_dict(),
            "text": text,
        }
        return self._push({"message": message})

    def callback_update(self, user: FakeUser, message: ChatMessage, data: str) -> dict[str, Any]:
        query_id = str(next(self._callback_ids))
        return self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.as_dict(),
                    "chat_instance": f"ci-{user.id}",
                    "data": data,
                    "message": self._message_json(message),
                }
            }
        )

    def block_update(self, user: FakeUser, blocked: bool = True) -> dict[str, Any]:
        member = {"user": {"id": BOT_ID, "is_bot": True, "first_name": "Seriktes"}}
        old = {**member, "status": "member"}
        new = (
            {**member, "status": "kicked", "until_date": 0}
            if blocked
            else {**member, "status": "member"}
        )
        if not blocked:
            old = {**member, "status": "kicked", "until_date": 0}
        return self._push(
            {
                "my_chat_member": {
                    "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
                    "from": user.as_dict(),
                    "date": int(self.now()),
                    "old_chat_member": old,
                    "new_chat_member": new,
                }
            }
        )

    def limit_rate(self, per_second: int, window: float = 1.0) -> None:
        """Refuse sends beyond `per_second` in any sliding `window`, as Telegram does (429)."""
        stamps: deque[float] = deque()

        def check(method: str, params: dict[str, Any]) -> ApiError | None:
            if method not in SEND_METHODS:
                return None
            now = time.monotonic()
            while stamps and now - stamps[0] >= window:
                stamps.popleft()
            if len(stamps) >= per_second:
                return self._flood(now, 1)
            stamps.append(now)
            return None

        self.failures.append(check)

    def limit_chat_rate(self, burst: int, window: float) -> None:
        """Refuse sends to one chat beyond `burst` in any sliding `window` seconds (429)."""
        stamps: dict[int, deque[float]] = defaultdict(deque)

        def check(method: str, params: dict[str, Any]) -> ApiError | None:
            if method not in SEND_METHODS or not isinstance(params.get("chat_id"), int):
                return None
            now = time.monotonic()
            chat = stamps[params["chat_id"]]
            while chat and now - chat[0] >= window:
                chat.popleft()
            if len(chat) >= burst:
                return self._flood(now, max(1, math.ceil(chat[0] + window - now)))
            chat.append(now)
            return None

        self.failures.append(check)

    def _flood(self, now: float, retry_after: int) -> ApiError:
        """A 429, and the time before which any send is a violation of it."""
        self.flood_until = max(self.flood_until, now + retry_after)
        self.refused += 1
        self.refused_requests.append(self.requests[-1])
        return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    # ----- what the bot sees ----------------------------------------------------------------

    def chat(self, chat_id: int) -> list[ChatMessage]:
        return [message for message in self.chats[chat_id] if not message.deleted]

    def bot_messages(self, chat_id: int) -> list[ChatMessage]:
        return [message for message in self.chat(chat_id) if message.from_bot]

    def last_bot_message(self, chat_id: int) -> ChatMessage:
        messages = self.bot_messages(chat_id)
        if not messages:
            raise AssertionError(f"the bot sent nothing to {chat_id}")
        return messages[-1]

    def last_message_with_button(self, chat_id: int, label: str) -> ChatMessage:
        for message in reversed(self.bot_messages(chat_id)):
            if message.find_button(label) is not None:
                return message
        shown = [m.button_labels() for m in self.bot_messages(chat_id)[-3:]]
        raise AssertionError(f"no button {label!r} in chat {chat_id}; last keyboards: {shown}")

    def calls(self, method: str) -> list[Request]:
        return [request for request in self.requests if request.method == method]

    # ----- the Bot API ----------------------------------------------------------------------

    def handle(
        self, method: str, raw: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> tuple[int, dict[str, Any]]:
        params = {key: _decode(key, value) for key, value in raw.items()}
        now = time.monotonic()
        self.requests.append(Request(method, params, files, now))
        try:
            if method in SEND_METHODS and now < self.flood_until:
                self.retry_after_violations += 1
                raise self._flood(now, math.ceil(self.flood_until - now))
            for failure in self.failures:
                problem = failure(method, params)
                if problem is not None:
                    raise problem
            result = self._dispatch(method, params, files)
        except ApiError as error:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return error.status, body
        return 200, {"ok": True, "result": result}

    def _dispatch(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return True
        return handler(params, files)

    def _api_setWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook_url = params["url"]
        self.webhook_secret = params.get("secret_token")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook_url = self.webhook_secret = None
        return True

    def _api_getMe(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Seriktes",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_getUpdates(self, params: dict[str, Any], files: Any) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        return self.pending_updates[:limit]

    def _check_chat(self, params: dict[str, Any]) -> int:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _new_bot_message(self, chat_id: int, **fields: Any) -> ChatMessage:
        markup = fields.get("reply_markup")
        if markup is not None and "inline_keyboard" not in markup:
            # A reply keyboard belongs to the chat's input field, not to the message.
            self.reply_keyboards[chat_id] = None if markup.get("remove_keyboard") else markup
            fields["reply_markup"] = None
        message = ChatMessage(chat_id, next(self._message_ids[chat_id]), from_bot=True, **fields)
        self.chats[chat_id].append(message)
        return message

    def _find(self, params: dict[str, Any]) -> ChatMessage:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for message in reversed(self.chats[chat_id]):  # the newest first, as edits mostly are
            if message.message_id == message_id and not message.deleted:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _message_json(self, message: ChatMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": {"id": message.chat_id, "type": "private", "first_name": "Person"},
        }
        if message.from_bot:
            data["from"] = {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Seriktes",
                "username": BOT_USERNAME,
            }
        if message.text is not None:
            data["text"] = message.text
        if message.caption is not None:
            data["caption"] = message.caption
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.document is not None:
            data["document"] = {
                "file_id": f"doc-{message.message_id}",
                "file_unique_id": f"doc-{message.message_id}",
                "file_name": message.document[0],
            }
        if message.photo is not None:
            data["photo"] = [
                {
                    "file_id": f"ph-{message.message_id}",
                    "file_unique_id": f"ph-{message.message_id}",
                    "width": 800,
                    "height": 600,
                }
            ]
        return data

    def _api_sendMessage(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        text = str(params.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        message = self._new_bot_message(chat_id, text=text, reply_markup=params.get("reply_markup"))
        return self._message_json(message)

    def _file(
        self, params: dict[str, Any], files: dict[str, tuple[str, bytes]], key: str
    ) -> tuple[str, bytes]:
        reference = str(params.get(key, ""))
        if reference.startswith("attach://"):
            return files[reference.removeprefix("attach://")]
        return (reference, b"")

    def _api_sendDocument(
        self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        message = self._new_bot_message(
            chat_id,
            caption=params.get("caption"),
            reply_markup=params.get("reply_markup"),
            document=self._file(params, files, "document"),
        )
        return self._message_json(message)

    def _api_sendPhoto(
        self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        message = self._new_bot_message(
            chat_id,
            caption=params.get("caption"),
            reply_markup=params.get("reply_markup"),
            photo=self._file(params, files, "photo")[1],
        )
        return self._message_json(message)

    def _api_sendMediaGroup(
        self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> list[dict[str, Any]]:
        chat_id = self._check_chat(params)
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album")
        sent = []
        for item in media:
            content = self._file(item, files, "media")[1]
            fields = {"photo": content} if item.get("type") == "photo" else {}
            message = self._new_bot_message(chat_id, caption=item.get("caption"), **fields)
            sent.append(self._message_json(message))
        return sent

    def _api_getFile(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    def _api_editMessageText(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        message = self._find(params)
        markup = params.get("reply_markup")
        if message.text == params.get("text") and message.reply_markup == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are exactly the same",
            )
        message.text = str(params.get("text"))
        message.reply_markup = markup
        message.edits += 1
        return self._message_json(message)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        message = self._find(params)
        message.reply_markup = params.get("reply_markup")
        message.edits += 1
        return self._message_json(message)

    def _api_deleteMessage(self, params: dict[str, Any], files: Any) -> bool:
        self._find(params).deleted = True
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> bool:
        query_id = str(params["callback_query_id"])
        self.callback_answer_attempts[query_id] += 1
        if query_id in self.callback_answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = params
        return True

    def _api_setMyCommands(self, params: dict[str, Any], files: Any) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = json.dumps(scope, sort_keys=True)
        self.commands[(key, str(params.get("language_code") or ""))] = params.get("commands") or []
        return True


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        return json.loads(value)
    if key in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    if value in ("true", "false"):
        return value == "true"
    return value


class RecordingSession(BaseSession):
    """An aiogram session that hands every request to a FakeTelegram instead of the network."""

    def __init__(self, telegram: FakeTelegram) -> None:
        super().__init__()
        self.telegram = telegram

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        input_files: dict[str, InputFile] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=input_files)
            if prepared:
                params[key] = prepared
        files = {}
        for key, input_file in input_files.items():
            chunks = [chunk async for chunk in input_file.read(bot)]
            files[key] = (input_file.filename or key, b"".join(chunks))
        status, body = self.telegram.handle(method.__api_method__, params, files)
        response = self.check_response(
            bot=bot, method=method, status_code=status, content=json.dumps(body)
        )
        return response.result  # type: ignore[return-value]

    async def stream_content(  # type: ignore[override]
        self, url: str, *args: Any, **kwargs: Any
    ) -> AsyncIterator[bytes]:
        yield self.telegram.file_content(url.split(f"/file/bot{self.telegram.token}/", 1)[1])

    async def close(self) -> None:
        return None


class FakeBotAPIServer:
    """The same fake over HTTP on 127.0.0.1, with long-polling getUpdates."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.drop_answers = 0  # accept this many sends, then drop the connection unanswered
        # Where pushed updates really go once a webhook is set (the reverse proxy's upstream).
        self.forward_to: str | None = None
        self.webhook_statuses: list[int] = []
        self._forwarding: asyncio.Task[None] | None = None

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self._forwarding = asyncio.create_task(self._forward())
        return self.base_url

    async def stop(self) -> None:
        if self._forwarding is not None:
            self._forwarding.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self) -> None:
        """As Telegram does with a webhook: POST each update, retrying while it is refused
        with a 5xx or 429; a 4xx (a wrong secret) drops it."""
        telegram = self.telegram
        async with ClientSession() as session:
            while True:
                if not (telegram.webhook_url and self.forward_to and telegram.pending_updates):
                    await asyncio.sleep(0.01)
                    continue
                update = telegram.pending_updates[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": telegram.webhook_secret or ""}
                try:
                    async with session.post(self.forward_to, json=update, headers=headers) as reply:
                        status = reply.status
                except OSError:
                    status = 599
                self.webhook_statuses.append(status)
                if status < 500 and status != 429:
                    telegram.pending_updates.remove(update)
                else:
                    await asyncio.sleep(0.05)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.telegram.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        raw: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:  # type: ignore[union-attr]
                    files[part.name or ""] = (part.filename, await part.read())  # type: ignore[union-attr]
                else:
                    raw[part.name or ""] = await part.text()  # type: ignore[union-attr]
        elif request.content_type == "application/json":
            raw = await request.json()
        else:
            raw = dict(await request.post())  # type: ignore[arg-type]
        if method == "getUpdates":
            await self._wait_for_updates(raw)
        status, body = self.telegram.handle(method, raw, files)
        if self.drop_answers and method in SEND_METHODS and status == 200:
            self.drop_answers -= 1
            if request.transport is not None:
                request.transport.close()  # Telegram has the message; the answer is lost
            raise asyncio.CancelledError
        return web.json_response(body, status=status)

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.telegram.token:
            return web.Response(status=401)
        try:
            return web.Response(body=self.telegram.file_content(request.match_info["path"]))
        except ApiError:
            return web.Response(status=404)

    async def _wait_for_updates(self, raw: dict[str, Any]) -> None:
        offset = int(raw.get("offset") or 0)
        deadline = time.monotonic() + min(float(raw.get("timeout") or 0), 1.0)
        while time.monotonic() < deadline:
            if any(update["update_id"] >= offset for update in self.telegram.pending_updates):
                return
            await asyncio.sleep(0.01)


async def wait_until(
    predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
) -> Any:
    """Poll until `predicate()` is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)
