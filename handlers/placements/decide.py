"""Deciding on applications: per offer, or /review across all; mentors; direct placement."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue
from db.domain.models import Role, User
from db.domain.placements import Application, ApplicationStatus, can_manage
from db.domain.roles import OFFER_MANAGERS, STAFF
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc
from handlers.kit.guards import or_refuse
from handlers.kit.i18n import pgettext
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.texts import not_allowed, send_text_please
from handlers.kit.ui import show
from handlers.placements.callbacks import AppCb, ManageCb, PlaceCb, ReviewCb
from handlers.placements.publish import load_managed_offer
from handlers.placements.states import Decision, DecisionForm, PlaceStudent
from handlers.placements.texts import (
    application_card,
    placement_problem,
    status_label,
    value_problem,
)


async def managed_application(db: Database, user: User, application_id: int) -> Application | None:
    """The application, if this person decides on its offer; forged ids give None."""
    application = await db.placements.application(application_id)
    if application is None:
        return None
    offer = await db.placements.offer(application.offer_id)
    if offer is None or not can_manage(user, offer.organization_id):
        return None
    return application


async def card_text(db: Database, application: Application, locale: str) -> str:
    offer = await db.placements.offer(application.offer_id)
    people = await db.users.by_ids([application.student_id, application.mentor_id])
    position = await db.placements.waitlist_position(application)
    assert offer is not None
    student = people[application.student_id]
    university = await db.orgs.get(student.organization_id) if student.organization_id else None
    org = await db.orgs.get(offer.organization_id)
    return application_card(
        application,
        student,
        university,
        offer,
        org,
        people.get(application.mentor_id or 0),
        position,
        locale,
    )


def decision_buttons(
    builder: InlineKeyboard, application: Application, review_offset: int | None
) -> None:
    back = -1 if review_offset is None else review_offset
    if application.status in (ApplicationStatus.PENDING, ApplicationStatus.WAITLISTED):
        builder.button(
            text=_("✅ Approve"),
            callback_data=AppCb(action="approve", application_id=application.id, value=back),
        )
        builder.button(
            text=_("❌ Reject"),
            callback_data=AppCb(action="reject", application_id=application.id, value=back),
        )
    elif application.status is ApplicationStatus.APPROVED:
        builder.button(
            text=_("👩‍🏫 Assign a mentor"),
            callback_data=AppCb(action="mentor", application_id=application.id),
        )
        builder.button(
            text=_("🚫 Cancel the placement"),
            callback_data=AppCb(action="cancel", application_id=application.id),
        )


async def application_view(
    db: Database, application: Application, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboard()
    decision_buttons(builder, application, None)
    builder.button(
        text=_("⬅️ Applications"),
        callback_data=ManageCb(action="apps", offer_id=application.offer_id),
    )
    builder.adjust(2, 1)
    return await card_text(db, application, locale), builder.as_markup()


async def review_view(
    db: Database, user: User, offset: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    applications, total = await db.placements.review_queue(user, offset, 1)
    if not applications and offset > 0:
        offset = 0
        applications, total = await db.placements.review_queue(user, 0, 1)
    builder = InlineKeyboard()
    if not applications:
        back_to_menu_button(builder)
        return _("No applications are waiting for a decision."), builder.as_markup()
    application = applications[0]
    header = _("Awaiting a decision: {position} of {total}").format(
        position=offset + 1, total=total
    )
    decision_buttons(builder, application, offset)
    if total > 1:
        builder.button(
            text=pgettext("the next application in the queue", "Next ▶️"),
            callback_data=ReviewCb(offset=(offset + 1) % total),
        )
    back_to_menu_button(builder)
    builder.adjust(2, 1, 1)
    return header + "\n\n" + await card_text(db, application, locale), builder.as_markup()


async def offer_applications(
    query: CallbackQuery, callback_data: ManageCb, user: User, db: Database, state: FSMContext
) -> None:
    await state.set_state(None)
    offer = await or_refuse(query, await load_managed_offer(db, user, callback_data.offer_id))
    if offer is None:
        return
    applications = await db.placements.applications_for_offer(offer.id)
    students = await db.users.by_ids([a.student_id for a in applications])
    builder = InlineKeyboard()
    lines = [_("Applications for #{id} {subject}:").format(id=offer.id, subject=esc(offer.subject))]
    if not applications:
        lines.append(_("No applications yet."))
    for number, application in enumerate(applications, start=1):
        position = await db.placements.waitlist_position(application)
        student = students[application.student_id]
        lines.append(
            f"<b>{number}.</b> {esc(student.full_name)} — "
            f"{status_label(application.status, position)}"
        )
        builder.button(
            text=str(number), callback_data=AppCb(action="open", application_id=application.id)
        )
    builder.button(text=_("⬅️ Back"), callback_data=ManageCb(action="open", offer_id=offer.id))
    builder.adjust(*([min(len(applications), 6)] * (-(-len(applications) // 6))), 1)
    await show(query, "\n".join(lines), builder.as_markup())


async def open_application(
    query: CallbackQuery, callback_data: AppCb, user: User, db: Database, locale: str
) -> None:
    application = await or_refuse(
        query, await managed_application(db, user, callback_data.application_id)
    )
    if application is None:
        return
    text, markup = await application_view(db, application, locale)
    await show(query, text, markup)


async def after_decision(
    query: CallbackQuery,
    user: User,
    db: Database,
    application: Application,
    review_offset: int,
    locale: str,
) -> None:
    if review_offset >= 0:
        text, markup = await review_view(db, user, review_offset, locale)
    else:
        text, markup = await application_view(db, application, locale)
    await show(query, text, markup)


async def approve(
    query: CallbackQuery, callback_data: AppCb, user: User, db: Database, locale: str
) -> None:
    try:
        application = await db.placements.approve(user, callback_data.application_id)
    except DomainError as problem:
        await query.answer(placement_problem(problem), show_alert=True)
        return
    await query.answer(_("Approved. The student has been told."))
    await after_decision(query, user, db, application, callback_data.value, locale)


async def ask_reason(
    query: CallbackQuery, callback_data: AppCb, user: User, db: Database, state: FSMContext
) -> None:
    application = await or_refuse(
        query, await managed_application(db, user, callback_data.application_id)
    )
    if application is None:
        return
    await state.set_state(Decision.reason)
    await write_form(
        state,
        DecisionForm(
            decide=application.id, decision=callback_data.action, review_offset=callback_data.value
        ),
    )
    builder = InlineKeyboard()
    cancel_button(builder)
    prompt = (
        _("Why is the application turned down? The student will read this reason.")
        if callback_data.action == "reject"
        else _("Why is the placement cancelled? The student and the mentor will read this reason.")
    )
    await show(query, prompt, builder.as_markup())


async def reason_written(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    data = await read_form(state, DecisionForm)
    application_id = int(data.get("decide", 0))
    try:
        if data.get("decision") == "cancel":
            await db.placements.cancel_placement(user, application_id, message.text or "")
        else:
            await db.placements.reject(user, application_id, message.text or "")
    except InvalidValue as problem:
        await message.answer(value_problem(problem))
        return
    except DomainError as problem:
        await state.clear()
        await message.answer(placement_problem(problem))
        return
    await state.clear()
    offset = int(data.get("review_offset", -1))
    if offset >= 0:
        text, markup = await review_view(db, user, offset, locale)
    else:
        application = await db.placements.application(application_id)
        assert application is not None
        text, markup = await application_view(db, application, locale)
    await message.answer(_("Done. The student has been told.") + "\n\n" + text, reply_markup=markup)


async def reason_not_text(message: Message) -> None:
    await message.answer(send_text_please())


async def choose_mentor(
    query: CallbackQuery, callback_data: AppCb, user: User, db: Database
) -> None:
    application = await or_refuse(
        query, await managed_application(db, user, callback_data.application_id)
    )
    if application is None:
        return
    offer = await db.placements.offer(application.offer_id)
    assert offer is not None
    mentors = await db.placements.mentors_of(offer.organization_id)
    builder = InlineKeyboard()
    for mentor in mentors:
        mark = "✓ " if mentor.id == application.mentor_id else ""
        builder.button(
            text=mark + mentor.full_name,
            callback_data=AppCb(action="setmentor", application_id=application.id, value=mentor.id),
        )
    builder.button(
        text=_("⬅️ Back"), callback_data=AppCb(action="open", application_id=application.id)
    )
    builder.adjust(1)
    text = (
        _("Choose the mentor:")
        if mentors
        else _(
            "No mentors of this school are registered yet. Ask the coordinator for an "
            "invitation code for them."
        )
    )
    await show(query, text, builder.as_markup())


async def set_mentor(
    query: CallbackQuery, callback_data: AppCb, user: User, db: Database, locale: str
) -> None:
    try:
        application = await db.placements.assign_mentor(
            user, callback_data.application_id, callback_data.value
        )
    except DomainError as problem:
        await query.answer(placement_problem(problem), show_alert=True)
        return
    await query.answer(_("Mentor assigned. The student and the mentor have been told."))
    text, markup = await application_view(db, application, locale)
    await show(query, text, markup)


async def review_command(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    await state.clear()
    text, markup = await review_view(db, user, 0, locale)
    await message.answer(text, reply_markup=markup)


async def review_button(query: CallbackQuery, user: User, db: Database, locale: str) -> None:
    text, markup = await review_view(db, user, 0, locale)
    await show(query, text, markup)


async def review_next(
    query: CallbackQuery, callback_data: ReviewCb, user: User, db: Database, locale: str
) -> None:
    text, markup = await review_view(db, user, max(0, callback_data.offset), locale)
    await show(query, text, markup)


async def place_start(
    query: CallbackQuery, callback_data: ManageCb, user: User, db: Database, state: FSMContext
) -> None:
    offer = await or_refuse(query, await load_managed_offer(db, user, callback_data.offer_id))
    if offer is None:
        return
    await state.set_state(PlaceStudent.search)
    await write_form(state, DecisionForm(place_offer=offer.id))
    builder = InlineKeyboard()
    cancel_button(builder)
    await show(query, _("Type the student's name, @username or Telegram id:"), builder.as_markup())


async def place_search(message: Message, db: Database, state: FSMContext) -> None:
    data = await read_form(state, DecisionForm)
    students = await db.users.find((message.text or "")[:100], Role.STUDENT)
    if not students:
        await message.answer(_("No registered student matches. Try part of the surname."))
        return
    builder = InlineKeyboard()
    for student in students:
        label = student.full_name + (f" · {student.programme}" if student.programme else "")
        builder.button(
            text=label[:60],
            callback_data=PlaceCb(offer_id=int(data["place_offer"]), student_id=student.id),
        )
    cancel_button(builder)
    builder.adjust(1)
    await message.answer(_("Choose the student:"), reply_markup=builder.as_markup())


async def place_chosen(
    query: CallbackQuery,
    callback_data: PlaceCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
) -> None:
    await state.clear()
    try:
        application = await db.placements.place(
            user, callback_data.offer_id, callback_data.student_id
        )
    except DomainError as problem:
        await show(query, placement_problem(problem))
        return
    text, markup = await application_view(db, application, locale)
    await show(query, _("Placed. The student has been told.") + "\n\n" + text, markup)


async def place_not_allowed(query: CallbackQuery) -> None:
    await query.answer(not_allowed(), show_alert=True)


def get_router() -> Router:
    router = Router(name="applications")
    router.message.filter(HasRole(*OFFER_MANAGERS))
    router.callback_query.filter(HasRole(*OFFER_MANAGERS))
    router.callback_query.register(offer_applications, ManageCb.filter(F.action == "apps"))
    router.callback_query.register(open_application, AppCb.filter(F.action == "open"))
    router.callback_query.register(approve, AppCb.filter(F.action == "approve"))
    router.callback_query.register(ask_reason, AppCb.filter(F.action.in_({"reject", "cancel"})))
    router.message.register(reason_written, Decision.reason, F.text)
    router.message.register(reason_not_text, Decision.reason)
    router.callback_query.register(choose_mentor, AppCb.filter(F.action == "mentor"))
    router.callback_query.register(set_mentor, AppCb.filter(F.action == "setmentor"))
    router.message.register(review_command, Command("review"))
    router.callback_query.register(review_button, MenuCb.filter(F.action == "review"))
    router.callback_query.register(review_next, ReviewCb.filter())
    router.callback_query.register(
        place_start, ManageCb.filter(F.action == "place"), HasRole(*STAFF)
    )
    router.message.register(place_search, PlaceStudent.search, F.text, HasRole(*STAFF))
    router.callback_query.register(
        place_chosen, PlaceStudent.search, PlaceCb.filter(), HasRole(*STAFF)
    )
    router.callback_query.register(place_not_allowed, ManageCb.filter(F.action == "place"))
    return router
