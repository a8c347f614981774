"""Telegram conversations: one Router per feature, built fresh by get_routers()."""

from aiogram import Router

from handlers import (
    common,
    errors,
    fallback,
    invites,
    language,
    menu,
    profile,
    registration,
)


def get_routers() -> list[Router]:
    """All feature routers in the order they must see updates.

    common comes first so /cancel works in every state; fallback comes last.
    """
    return [
        errors.get_router(),
        common.get_router(),
        registration.get_router(),
        language.get_router(),
        menu.get_router(),
        profile.get_router(),
        invites.get_router(),
        fallback.get_router(),
    ]
