"""Choosing an organization from the directory: pages of buttons, or type to search."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiogram import F, Router
from aiogram.dispatcher.event.handler import CallbackType
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.models import Organization, OrgKind
from handlers.kit.callbacks import OrgPickCb
from handlers.kit.formatting import shorten
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.texts import use_buttons_please
from handlers.kit.ui import show

PAGE_SIZE = 8
SEARCH_MAX = 100


@dataclass(frozen=True, slots=True)
class OrgPage:
    orgs: list[Organization]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @classmethod
    async def load(
        cls,
        db: Database,
        kinds: Sequence[OrgKind],
        page: int,
        query: str,
        locale: str,
        region: str | None = None,
    ) -> OrgPage:
        page = max(0, page)
        orgs, total = await db.orgs.page(
            kinds, page * PAGE_SIZE, PAGE_SIZE, query[:SEARCH_MAX], locale, region
        )
        if not orgs and total and page > 0:
            last = (total - 1) // PAGE_SIZE
            orgs, total = await db.orgs.page(
                kinds, last * PAGE_SIZE, PAGE_SIZE, query[:SEARCH_MAX], locale, region
            )
            page = last
        return cls(orgs=orgs, total=total, page=page)


def org_label(org: Organization, locale: str) -> str:
    return shorten(f"{org.name(locale)} · {org.city}", 60)


def org_page_keyboard(
    result: OrgPage,
    locale: str,
    purpose: str,
    *below: InlineKeyboardButton,
    chosen: frozenset[int] = frozenset(),
) -> InlineKeyboardMarkup:
    """A page of organizations, the page turner, then each of `below` on a row of its own."""
    builder = InlineKeyboard()
    for org in result.orgs:
        builder.button(
            text=("☑️ " if org.id in chosen else "") + org_label(org, locale),
            callback_data=OrgPickCb(purpose=purpose, org_id=org.id),
        )
    sizes = [1] * len(result.orgs)
    if result.pages > 1:
        nav = 0
        if result.page > 0:
            builder.button(text="◀️", callback_data=OrgPickCb(purpose=purpose, page=result.page - 1))
            nav += 1
        builder.button(
            text=f"{result.page + 1}/{result.pages}",
            callback_data=OrgPickCb(purpose=purpose, page=result.page),
        )
        nav += 1
        if result.page + 1 < result.pages:
            builder.button(text="▶️", callback_data=OrgPickCb(purpose=purpose, page=result.page + 1))
            nav += 1
        sizes.append(nav)
    for button in below:
        builder.add(button)
        sizes.append(1)
    builder.adjust(*sizes)
    return builder.as_markup()


@dataclass(frozen=True, slots=True)
class MultiOrgPicker:
    """Several organizations chosen by tapping (☑️ marks them), with pages and search.

    The choice, the page and the search live in the conversation's data under `key`.
    A flow opens it with `view` and lets `register` handle the typing and the taps.
    """

    purpose: str
    key: str
    done: Callable[[], InlineKeyboardButton]

    async def view(
        self,
        db: Database,
        state: FSMContext,
        locale: str,
        page: int | None = None,
        query: str | None = None,
    ) -> InlineKeyboardMarkup:
        data = await state.get_data()
        page = data.get(f"{self.key}_page", 0) if page is None else page
        query = data.get(f"{self.key}_query", "") if query is None else query[:SEARCH_MAX]
        await state.update_data({f"{self.key}_page": page, f"{self.key}_query": query})
        result = await OrgPage.load(db, [], page, query, locale)
        chosen = frozenset(int(org_id) for org_id in data.get(self.key, []))
        return org_page_keyboard(result, locale, self.purpose, self.done(), chosen=chosen)

    def register(self, router: Router, state: State, *filters: CallbackType) -> None:
        """In `state`, typed text searches and the picker's buttons turn pages or toggle."""
        router.message.register(self.searched, state, F.text, *filters)
        router.callback_query.register(
            self.tapped, state, OrgPickCb.filter(F.purpose == self.purpose), *filters
        )

    async def searched(
        self, message: Message, db: Database, state: FSMContext, locale: str
    ) -> None:
        markup = await self.view(db, state, locale, 0, message.text or "")
        await message.answer(_("Choose:"), reply_markup=markup)

    async def tapped(
        self,
        query: CallbackQuery,
        callback_data: OrgPickCb,
        db: Database,
        state: FSMContext,
        locale: str,
    ) -> None:
        await self.pressed(query, callback_data, db, state, locale, _("Choose:"))

    async def pressed(
        self,
        query: CallbackQuery,
        callback_data: OrgPickCb,
        db: Database,
        state: FSMContext,
        locale: str,
        text: str,
    ) -> None:
        """Handle a tap on the picker: turn the page, or add or remove an organization."""
        if (
            callback_data.page is None
            and await self.toggle(db, state, callback_data.org_id or 0) is None
        ):
            await query.answer(use_buttons_please(), show_alert=True)
            return
        await show(query, text, await self.view(db, state, locale, callback_data.page))

    async def toggle(self, db: Database, state: FSMContext, org_id: int) -> bool | None:
        """Add or remove one; True when added, None when there is no such organization."""
        if await db.orgs.get(org_id) is None:
            return None
        chosen = set((await state.get_data()).get(self.key, []))
        chosen ^= {org_id}
        await state.update_data({self.key: sorted(chosen)})
        return org_id in chosen
