"""Button data of registration, the profile, invitations and personal data.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class InviteRoleCb(CallbackData, prefix="invrole"):
    role: str


class InviteUsesCb(CallbackData, prefix="invuses"):
    uses: int


class InviteDaysCb(CallbackData, prefix="invdays"):
    days: int


class InviteRevokeCb(CallbackData, prefix="invrevoke"):
    invite_id: int


class InviteListCb(CallbackData, prefix="invlist"):
    pass


class EraseCb(CallbackData, prefix="erase"):
    action: str


class ProfileCb(CallbackData, prefix="prof"):
    action: str


class ProfileYearCb(CallbackData, prefix="profyear"):
    year: int


class LangCb(CallbackData, prefix="lang"):
    code: str


class ConsentCb(CallbackData, prefix="consent"):
    agree: bool


class PathCb(CallbackData, prefix="regpath"):
    path: str


class StudyYearCb(CallbackData, prefix="regyear"):
    year: int


class SwitchRoleCb(CallbackData, prefix="switch"):
    accept: bool
