"""Mentors: /students — the students they are mentoring now, and how to reach them."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.models import Role, User
from handlers.kit.callbacks import MenuCb
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, upper_first
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.ui import show
from handlers.placements.texts import kind_name, period_text, student_summary
from handlers.practice.callbacks import ProgressCb, VisitCb


async def students_view(
    db: Database, mentor: User, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    placements = await db.placements.mentor_students(mentor.id)
    builder = InlineKeyboard()
    back_to_menu_button(builder)
    if not placements:
        return _("You have no students on practice right now."), builder.as_markup()
    students = await db.users.by_ids([p.student_id for p in placements])
    universities = await db.orgs.by_ids(
        [s.organization_id for s in students.values() if s.organization_id]
    )
    blocks = []
    for number, placement in enumerate(placements, start=1):
        offer = await db.placements.offer(placement.offer_id)
        assert offer is not None
        student = students[placement.student_id]
        university = universities.get(student.organization_id or 0)
        blocks.append(
            "\n".join(
                [
                    f"<b>{number}.</b> {student_summary(student, university, locale)}",
                    f"    {upper_first(kind_name(offer.kind))} · {esc(offer.subject)}",
                    "    " + _("Period: {period}").format(period=period_text(offer)),
                ]
            )
        )
    header = _("Your students ({n}):").format(n=len(placements))
    actions = InlineKeyboard()
    for number, placement in enumerate(placements, start=1):
        name = students[placement.student_id].full_name
        actions.button(
            text=f"📝 {number}. {name}"[:60],
            callback_data=VisitCb(action="for", value=placement.id),
        )
        actions.button(
            text=f"📈 {number}", callback_data=ProgressCb(action="app", value=placement.id)
        )
    back_to_menu_button(actions)
    actions.adjust(*([2] * len(placements)), 1)
    footer = _("📝 logs a lesson visit, 📈 shows the student's progress.")
    return header + "\n\n" + "\n\n".join(blocks) + "\n\n" + footer, actions.as_markup()


async def students_command(message: Message, user: User, db: Database, locale: str) -> None:
    text, markup = await students_view(db, user, locale)
    await message.answer(text, reply_markup=markup)


async def students_button(query: CallbackQuery, user: User, db: Database, locale: str) -> None:
    text, markup = await students_view(db, user, locale)
    await show(query, text, markup)


def get_router() -> Router:
    router = Router(name="mentors")
    router.message.filter(HasRole(Role.MENTOR))
    router.callback_query.filter(HasRole(Role.MENTOR))
    router.message.register(students_command, Command("students"))
    router.callback_query.register(students_button, MenuCb.filter(F.action == "students"))
    return router
