"""The bot's commands per role: /help text and the menu Telegram shows next to the input field."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db.domain.models import LOCALES, Role, User
from db.domain.roles import (
    BROADCASTERS,
    EVENT_ORGANIZERS,
    EVERYONE,
    GRADERS,
    HOURS_REVIEWERS,
    MEMORANDUM_KEEPERS,
    MENTORS,
    NETWORK_VIEWERS,
    OFFER_MANAGERS,
    PROGRESS_VIEWERS,
    REPORT_VIEWERS,
    REQUEST_POSTERS,
    REQUEST_VIEWERS,
    ROUND_ORGANIZERS,
    STAFF,
    STUDENTS,
    SUPPORT_ADMINS,
    VISIT_LOGGERS,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommandInfo:
    name: str
    description: Callable[[], str]
    roles: frozenset[Role] = EVERYONE
    for_guests: bool = False


def _commands() -> list[CommandInfo]:
    return [
        CommandInfo("start", lambda: _("Register or open the bot"), for_guests=True),
        CommandInfo("menu", lambda: _("Main menu")),
        CommandInfo("offers", lambda: _("Find a practice place"), STUDENTS),
        CommandInfo("myplacement", lambda: _("My applications and placement"), STUDENTS),
        CommandInfo("round", lambda: _("Rank offers in a placement round"), STUDENTS),
        CommandInfo("propose", lambda: _("Propose your own practice school"), STUDENTS),
        CommandInfo("documents", lambda: _("Documents required for the practice"), STUDENTS),
        CommandInfo("hours", lambda: _("Log practice hours"), STUDENTS),
        CommandInfo("diary", lambda: _("Practice diary"), STUDENTS),
        CommandInfo("report", lambda: _("Upload the practice report"), STUDENTS),
        CommandInfo("students", lambda: _("My students on practice"), MENTORS),
        CommandInfo(
            "visit",
            lambda: _("Log a lesson visit"),
            VISIT_LOGGERS,
        ),
        CommandInfo(
            "confirm",
            lambda: _("Practice hours to confirm"),
            HOURS_REVIEWERS,
        ),
        CommandInfo("progress", lambda: _("Practice progress"), PROGRESS_VIEWERS),
        CommandInfo("grade", lambda: _("Final marks for finished practices"), GRADERS),
        CommandInfo("evaluate", lambda: _("Evaluations of your students"), MENTORS),
        CommandInfo("review", lambda: _("Applications awaiting a decision"), OFFER_MANAGERS),
        CommandInfo("myoffers", lambda: _("Practice offers"), OFFER_MANAGERS),
        CommandInfo("newoffer", lambda: _("Publish practice places"), OFFER_MANAGERS),
        CommandInfo(
            "rounds", lambda: _("Placement rounds: open, preview, publish"), ROUND_ORGANIZERS
        ),
        CommandInfo("proposals", lambda: _("Students' own-school proposals"), STAFF),
        CommandInfo("checkdocs", lambda: _("Students' documents to check"), STAFF),
        CommandInfo(
            "issue",
            lambda: _("Send a request from your school"),
            REQUEST_POSTERS,
        ),
        CommandInfo(
            "issues",
            lambda: _("Schools' requests"),
            REQUEST_VIEWERS,
        ),
        CommandInfo("events", lambda: _("Upcoming events")),
        CommandInfo("newevent", lambda: _("Create an event"), EVENT_ORGANIZERS),
        CommandInfo("broadcast", lambda: _("Send an announcement"), BROADCASTERS),
        CommandInfo(
            "broadcasts",
            lambda: _("Past announcements and their reports"),
            BROADCASTERS,
        ),
        CommandInfo("stats", lambda: _("Reports with charts"), REPORT_VIEWERS),
        CommandInfo("export", lambda: _("Export data to Excel or CSV"), REPORT_VIEWERS),
        CommandInfo("partners", lambda: _("Partners and memoranda"), NETWORK_VIEWERS),
        CommandInfo("memorandum", lambda: _("Record a signed memorandum"), MEMORANDUM_KEEPERS),
        CommandInfo("support", lambda: _("Confidential support")),
        CommandInfo("supportstaff", lambda: _("Who answers confidential requests"), SUPPORT_ADMINS),
        CommandInfo("invite", lambda: _("Create an invitation code"), STAFF),
        CommandInfo("invites", lambda: _("My active invitation codes"), STAFF),
        CommandInfo("profile", lambda: _("My profile")),
        CommandInfo("language", lambda: _("Change the language"), for_guests=True),
        CommandInfo("mydata", lambda: _("Everything the bot stores about me")),
        CommandInfo("deleteme", lambda: _("Delete my personal data")),
        CommandInfo("help", lambda: _("What the bot can do"), for_guests=True),
        CommandInfo("cancel", lambda: _("Stop the current action"), for_guests=True),
    ]


def commands_for(role: Role | None) -> list[tuple[str, str]]:
    """(name, description) for a role, or for someone not registered yet (None)."""
    return [
        (info.name, info.description())
        for info in _commands()
        if (info.for_guests if role is None else role in info.roles)
    ]


def known_command_names() -> frozenset[str]:
    return frozenset(info.name for info in _commands())


def _bot_commands(role: Role | None) -> list[BotCommand]:
    return [BotCommand(command=name, description=text) for name, text in commands_for(role)]


async def publish_user_commands(bot: Bot, user: User) -> None:
    """Show this person the commands of their role, in the current locale."""
    if user.telegram_id is None:
        return
    try:
        await bot.set_my_commands(
            _bot_commands(user.role), scope=BotCommandScopeChat(chat_id=user.telegram_id)
        )
    except TelegramAPIError as error:
        log.warning("setMyCommands for user %s failed: %s", user.id, error.message)


async def publish_default_commands(bot: Bot, i18n: I18n) -> None:
    """Commands for people who have not registered, in each language Telegram may report."""
    scope = BotCommandScopeAllPrivateChats()
    for locale in LOCALES:
        with i18n.context(), i18n.use_locale(locale):
            await bot.set_my_commands(_bot_commands(None), scope=scope, language_code=locale)
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        await bot.set_my_commands(_bot_commands(None), scope=scope)
