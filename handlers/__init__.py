"""Telegram conversations: one package per feature, composed here.

`get_routers()` builds every feature's Router afresh (tests build many dispatchers);
`renderers()` collects every feature's notification renderers for the delivery worker.
The feature packages are imported inside the functions, not with this package, so that a
report worker process, which needs only handlers.reports.port, does not load aiogram.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiogram import Router

    from handlers.kit.notices import Renderer


def get_routers() -> list[Router]:
    """All feature routers in the order they must see updates.

    errors and common come first so /cancel and /help work in every state, then /start,
    /language and /menu, then the guard that answers any other command typed in the middle of
    a conversation; fallback comes last.
    """
    from handlers.account import invites, language, mydata, profile, registration
    from handlers.broadcasts import compose
    from handlers.events import attend, organize
    from handlers.issues import post, triage
    from handlers.kit import common, errors, fallback, menu, steps
    from handlers.memoranda import partners, record
    from handlers.placements import (
        browse,
        clearance,
        decide,
        proposals,
        publish,
        ranking,
        rounds,
    )
    from handlers.practice import (
        diary,
        documents,
        evaluate,
        grades,
        hours,
        progress,
        rating,
        students,
        visits,
    )
    from handlers.reports import stats
    from handlers.support import desk

    first = [
        errors.get_router(),
        common.get_router(),
        registration.get_command_router(),
        language.get_command_router(),
        menu.get_command_router(),
        steps.get_router(),
    ]
    features = {
        "account": (registration, language, menu, profile, invites),
        "placements": (browse, publish, decide, rounds, ranking, proposals, clearance),
        "practice": (students, visits, hours, progress, grades, rating, evaluate, diary, documents),
        "issues": (post, triage),
        "support": (desk,),
        "events": (attend, organize),
        "broadcasts": (compose,),
        "reports": (stats,),
        "memoranda": (record, partners),
        "personal_data": (mydata,),
    }
    return [
        *first,
        *(feature(name, *flows) for name, flows in features.items()),
        fallback.get_router(),
    ]


def feature(name: str, *flows: ModuleType) -> Router:
    """One parent per feature: bot.routing gates it as a whole, sparing its flows' checks."""
    from aiogram import Router

    parent = Router(name=name)
    parent.include_routers(*(flow.get_router() for flow in flows))
    return parent


def renderers() -> dict[str, Renderer]:
    """Every kind of notification the features queue, by outbox `kind`."""
    from handlers.broadcasts import notices as broadcast_notices
    from handlers.events import notices as event_notices
    from handlers.issues import notices as issue_notices
    from handlers.memoranda import notices as memorandum_notices
    from handlers.placements import notices as placement_notices
    from handlers.practice import notices as practice_notices
    from handlers.support import notices as support_notices

    table: dict[str, Renderer] = {}
    modules = (
        placement_notices,
        practice_notices,
        issue_notices,
        support_notices,
        event_notices,
        broadcast_notices,
        memorandum_notices,
    )
    for module in modules:
        table.update(module.RENDERERS)
    return table
