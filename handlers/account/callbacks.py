"""Button data of registration, the profile, invitations and personal data.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Count, Id


class InviteRoleCb(CallbackData, prefix="invrole"):
    role: str


class InviteUsesCb(CallbackData, prefix="invuses"):
    uses: Count


class InviteDaysCb(CallbackData, prefix="invdays"):
    days: Count


class InviteRevokeCb(CallbackData, prefix="invrevoke"):
    invite_id: Id


class InviteListCb(CallbackData, prefix="invlist"):
    pass


class EraseCb(CallbackData, prefix="erase"):
    action: str


class ProfileCb(CallbackData, prefix="prof"):
    action: str


class ProfileYearCb(CallbackData, prefix="profyear"):
    year: Count


class LangCb(CallbackData, prefix="lang"):
    code: str


class ConsentCb(CallbackData, prefix="consent"):
    agree: bool


class PathCb(CallbackData, prefix="regpath"):
    path: str


class StudyYearCb(CallbackData, prefix="regyear"):
    year: Count


class SwitchRoleCb(CallbackData, prefix="switch"):
    accept: bool
