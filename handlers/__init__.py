"""Telegram conversations: one Router per feature, built fresh by get_routers()."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiogram import Router


def get_routers() -> list[Router]:
    """All feature routers in the order they must see updates.

    common comes first so /cancel works in every state; fallback comes last. The feature
    modules are imported here, not with the package, so that a report worker process, which
    needs only handlers.reporting, does not load aiogram.
    """
    from handlers import (
        applications,
        broadcasts,
        common,
        errors,
        event_admin,
        events,
        fallback,
        hours,
        invites,
        issues,
        language,
        memoranda,
        mentors,
        menu,
        mydata,
        offer_admin,
        offers,
        profile,
        progress,
        registration,
        reports,
        support,
        visits,
    )

    return [
        errors.get_router(),
        common.get_router(),
        registration.get_router(),
        language.get_router(),
        menu.get_router(),
        profile.get_router(),
        invites.get_router(),
        offers.get_router(),
        offer_admin.get_router(),
        applications.get_router(),
        mentors.get_router(),
        visits.get_router(),
        hours.get_router(),
        progress.get_router(),
        issues.get_router(),
        support.get_router(),
        events.get_router(),
        event_admin.get_router(),
        broadcasts.get_router(),
        reports.get_router(),
        memoranda.get_router(),
        mydata.get_router(),
        fallback.get_router(),
    ]
