"""/visit: a mentor logs a lesson visit in a few taps — topic, class, five scores, comment, Save.

A typical visit is six taps plus the typing: the date defaults to today, a mentor with one
student skips choosing, the last class is offered as a button. A shared location is checked
against the school's coordinates; a photo can be attached.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue
from db.domain.models import Role, User
from db.domain.placements import Application, ApplicationStatus
from db.domain.practice_log import (
    CRITERIA,
    SharedLocation,
    VisitChanges,
    VisitInput,
    VisitLocked,
    may_edit_visit,
    may_visit,
    practice_days,
)
from db.domain.roles import VISIT_LOGGERS
from handlers.kit.callbacks import CancelCb, MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.dates import parse_date
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import send_text_please, stale_button, use_buttons_please
from handlers.kit.ui import show
from handlers.practice.callbacks import ScoreCb, VisitCb, VisitEditCb
from handlers.practice.states import VisitEdit, VisitFlow, VisitForm
from handlers.practice.texts import (
    criterion_name,
    location_text,
    logbook_problem,
    logbook_value_problem,
    visit_card,
)

FRESH_LOCATION_SECONDS = 300


def score_keyboard(criterion: int) -> InlineKeyboardMarkup:
    # Built directly: shown five times per visit, and the builder's copying costs 7x more.
    scores = [
        InlineKeyboardButton(
            text=str(score), callback_data=ScoreCb(criterion=criterion, score=score).pack()
        )
        for score in range(1, 6)
    ]
    cancel = InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=CancelCb().pack())
    return InlineKeyboardMarkup(inline_keyboard=[scores, [cancel]])


def score_prompt(criterion: int) -> str:
    return _("Criterion {index} of {total}: <b>{name}</b>\nScore from 1 to 5:").format(
        index=criterion + 1, total=len(CRITERIA), name=criterion_name(CRITERIA[criterion])
    )


def location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("📍 Send my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def visit_targets(db: Database, actor: User) -> list[Application]:
    if actor.role is Role.MENTOR:
        return await db.placements.mentor_students(actor.id)
    return []


async def student_name(db: Database, application: Application) -> str:
    student = await db.users.get(application.student_id)
    return student.full_name if student else "—"


def default_day(db: Database, application_end: date, application_start: date) -> date:
    today = db.today()
    return min(max(today, application_start), application_end)


async def topic_step(
    db: Database, state: FSMContext, application: Application, day: date | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    offer = await db.placements.offer(application.offer_id)
    assert offer is not None
    chosen = day or default_day(db, offer.ends_on, offer.starts_on)
    await state.set_state(VisitFlow.topic)
    await write_form(state, VisitForm(visit_day=chosen.isoformat()))
    name = esc(await student_name(db, application))
    builder = InlineKeyboard()
    yesterday = db.today() - timedelta(days=1)
    if chosen != yesterday and offer.starts_on <= yesterday <= offer.ends_on:
        builder.button(text=_("Yesterday"), callback_data=VisitCb(action="yesterday"))
    builder.button(text=_("📅 Other date"), callback_data=VisitCb(action="date"))
    cancel_button(builder)
    builder.adjust(2, 1)
    when = fmt_date(chosen) + (" " + _("(today)") if chosen == db.today() else "")
    return (
        _("Visit to {student}, {date}.\nWrite the lesson topic:").format(student=name, date=when),
        builder.as_markup(),
    )


async def start_visit(
    db: Database, state: FSMContext, actor: User, application: Application
) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    offer = await db.placements.offer(application.offer_id)
    if offer is not None and practice_days(offer, db.today()) is None:
        return _(
            "The practice of {student} starts on {date}; visits can be logged from that day."
        ).format(
            student=esc(await student_name(db, application)), date=fmt_date(offer.starts_on)
        ), InlineKeyboard().as_markup()
    await write_form(
        state,
        VisitForm(visit_app=application.id, visit_token=secrets.token_hex(8), visit_scores=[]),
    )
    return await topic_step(db, state, application)


async def load_target(db: Database, actor: User, application_id: int) -> Application | None:
    application = await db.placements.application(application_id)
    if application is None or not may_visit(actor, application):
        return None
    return application


def summary_text(data: VisitForm) -> str:
    scores = data.get("visit_scores", [])
    lines = [
        _("<b>Check the visit</b>"),
        _("Date: {date}").format(date=fmt_date(date.fromisoformat(data["visit_day"]))),
        _("Topic: {topic}").format(topic=esc(data.get("visit_topic", ""))),
        _("Class or group: {group}").format(group=esc(data.get("visit_class", ""))),
    ]
    lines += [
        f"  {criterion_name(name)}: {score}/5"
        for name, score in zip(CRITERIA, scores, strict=False)
    ]
    if data.get("visit_comment"):
        lines.append(_("Comment: {comment}").format(comment=esc(data["visit_comment"])))
    if data.get("visit_location"):
        lines.append(_("📍 Location attached"))
    if data.get("visit_photo"):
        lines.append(_("📷 Photo attached"))
    lines += [
        "",
        _(
            "Share your location (it confirms you were at the school) or send a photo if you "
            "like, then Save."
        ),
    ]
    return "\n".join(lines)


def save_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("✅ Save"), callback_data=VisitCb(action="save"))
    cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


async def begin(actor: User, db: Database, state: FSMContext) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    if actor.role is not Role.MENTOR:
        return _(
            "Open the student in /progress and press “📝 Log a visit”."
        ), InlineKeyboard().as_markup()
    targets = await visit_targets(db, actor)
    if len(targets) == 1:
        return await start_visit(db, state, actor, targets[0])
    builder = InlineKeyboard()
    if not targets:
        return _("You have no students on practice right now."), builder.as_markup()
    students = await db.users.by_ids([a.student_id for a in targets])
    for application in targets:
        builder.button(
            text=students[application.student_id].full_name,
            callback_data=VisitCb(action="student", value=application.id),
        )
    cancel_button(builder)
    builder.adjust(1)
    await state.set_state(VisitFlow.student)
    return _("Whose lesson did you visit?"), builder.as_markup()


async def visit_command(message: Message, user: User, db: Database, state: FSMContext) -> None:
    text, markup = await begin(user, db, state)
    await message.answer(text, reply_markup=markup)


async def visit_button(query: CallbackQuery, user: User, db: Database, state: FSMContext) -> None:
    text, markup = await begin(user, db, state)
    await show(query, text, markup)


async def student_chosen(
    query: CallbackQuery, callback_data: VisitCb, user: User, db: Database, state: FSMContext
) -> None:
    application = await load_target(db, user, callback_data.value)
    if application is None or application.status is not ApplicationStatus.APPROVED:
        await query.answer(
            _("Only the student's mentor or a practice coordinator can do this."),
            show_alert=True,
        )
        return
    text, markup = await start_visit(db, state, user, application)
    await show(query, text, markup)


async def yesterday(query: CallbackQuery, db: Database, state: FSMContext) -> None:
    application = await load_target_from_state(db, state)
    if application is None:
        await query.answer(stale_button(), show_alert=True)
        return
    text, markup = await topic_step(db, state, application, db.today() - timedelta(days=1))
    await show(query, text, markup)


async def other_date(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(VisitFlow.date)
    await show(query, _("Type the date of the visit (for example 20.11.2026):"))


async def date_typed(message: Message, db: Database, state: FSMContext) -> None:
    application = await load_target_from_state(db, state)
    day = parse_date(message.text or "", db.today())
    if application is None or day is None:
        await message.answer(_("Please write the date as DD.MM.YYYY, for example 12.01.2027."))
        return
    offer = await db.placements.offer(application.offer_id)
    assert offer is not None
    if day > db.today():
        await message.answer(logbook_value_problem(InvalidValue("visited_on", "future")))
        return
    if not offer.starts_on <= day <= offer.ends_on:
        await message.answer(logbook_value_problem(InvalidValue("visited_on", "outside_period")))
        return
    text, markup = await topic_step(db, state, application, day)
    await message.answer(text, reply_markup=markup)


async def topic_written(message: Message, db: Database, state: FSMContext) -> None:
    topic = " ".join((message.text or "").split())
    if not topic or len(topic) > 200:
        await message.answer(
            logbook_value_problem(InvalidValue("topic", "too_long" if topic else "empty"))
        )
        return
    await write_form(state, VisitForm(visit_topic=topic))
    await state.set_state(VisitFlow.class_group)
    data = await read_form(state, VisitForm)
    last = await db.practice.last_class_group(int(data["visit_app"]))
    builder = InlineKeyboard()
    if last:
        builder.button(text=last, callback_data=VisitCb(action="lastclass"))
    await message.answer(
        _("Class or group (for example 7B):"),
        reply_markup=builder.as_markup() if last else None,
    )


async def ask_scores(target: Message, state: FSMContext) -> None:
    await state.set_state(VisitFlow.scores)
    await write_form(state, VisitForm(visit_scores=[]))
    await target.answer(score_prompt(0), reply_markup=score_keyboard(0))


async def class_written(message: Message, state: FSMContext) -> None:
    group = " ".join((message.text or "").split())
    if not group or len(group) > 50:
        await message.answer(
            logbook_value_problem(InvalidValue("class_group", "too_long" if group else "empty"))
        )
        return
    await write_form(state, VisitForm(visit_class=group))
    await ask_scores(message, state)


async def last_class(query: CallbackQuery, db: Database, state: FSMContext) -> None:
    data = await read_form(state, VisitForm)
    last = await db.practice.last_class_group(int(data.get("visit_app", 0)))
    if not last or not isinstance(query.message, Message):
        await query.answer(stale_button(), show_alert=True)
        return
    await write_form(state, VisitForm(visit_class=last))
    await show(query, _("Class or group: {group}").format(group=esc(last)))
    await ask_scores(query.message, state)


async def score_chosen(
    query: CallbackQuery, callback_data: ScoreCb, user: User, db: Database, state: FSMContext
) -> None:
    data = await read_form(state, VisitForm)
    scores = list(data.get("visit_scores", []))
    if callback_data.criterion != len(scores) or not 1 <= callback_data.score <= 5:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    scores.append(callback_data.score)
    await write_form(state, VisitForm(visit_scores=scores))
    if len(scores) < len(CRITERIA):
        await show(query, score_prompt(len(scores)), score_keyboard(len(scores)))
        return
    if await state.get_state() == VisitEdit.scores.state:
        await save_edit(
            query,
            user,
            db,
            state,
            VisitChanges(scores=dict(zip(CRITERIA, scores, strict=True))),
        )
        return
    await state.set_state(VisitFlow.comment)
    builder = InlineKeyboard()
    builder.button(text=_("Skip ▶️"), callback_data=VisitCb(action="nocomment"))
    await show(
        query,
        _("Your comment for the student: what went well, what to work on:"),
        builder.as_markup(),
    )


async def ask_extras(target: Message, state: FSMContext) -> None:
    await state.set_state(VisitFlow.extras)
    await target.answer(
        summary_text(await read_form(state, VisitForm)), reply_markup=save_keyboard()
    )
    await target.answer(
        _("📍 The location button is below the message field."),
        reply_markup=location_keyboard(),
    )


async def comment_written(message: Message, state: FSMContext) -> None:
    comment = (message.text or "").strip()
    if len(comment) > 2000:
        await message.answer(logbook_value_problem(InvalidValue("comment", "too_long")))
        return
    await write_form(state, VisitForm(visit_comment=comment))
    await ask_extras(message, state)


async def no_comment(query: CallbackQuery, state: FSMContext) -> None:
    if isinstance(query.message, Message):
        await show(query, _("No comment."))
        await ask_extras(query.message, state)


async def location_shared(message: Message, db: Database, state: FSMContext) -> None:
    assert message.location is not None
    age = (db.clock.now() - message.date).total_seconds()
    fresh = message.forward_origin is None and age <= FRESH_LOCATION_SECONDS
    await write_form(
        state,
        VisitForm(
            visit_location={
                "lat": message.location.latitude,
                "lon": message.location.longitude,
                "fresh": fresh,
            }
        ),
    )
    note = (
        _("📍 Location received.")
        if fresh
        else _("📍 Location received, but it is not fresh, so it cannot confirm the visit.")
    )
    await message.answer(note, reply_markup=ReplyKeyboardRemove())
    await message.answer(
        summary_text(await read_form(state, VisitForm)), reply_markup=save_keyboard()
    )


async def photo_sent(message: Message, state: FSMContext) -> None:
    assert message.photo
    await write_form(state, VisitForm(visit_photo=message.photo[-1].file_id))
    await message.answer(
        summary_text(await read_form(state, VisitForm)), reply_markup=save_keyboard()
    )


async def extras_other(message: Message) -> None:
    await message.answer(_("Send your location or a photo, or press Save."))


async def save(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    data = await read_form(state, VisitForm)
    location = data.get("visit_location")
    try:
        visit, created = await db.practice.log_visit(
            user,
            VisitInput(
                application_id=int(data["visit_app"]),
                visited_on=date.fromisoformat(data["visit_day"]),
                topic=data.get("visit_topic", ""),
                class_group=data.get("visit_class", ""),
                scores=dict(zip(CRITERIA, data.get("visit_scores", []), strict=False)),
                comment=data.get("visit_comment"),
                location=None
                if location is None
                else SharedLocation(location["lat"], location["lon"], location["fresh"]),
                photo_file_id=data.get("visit_photo"),
                draft_token=str(data["visit_token"]),
            ),
            settings.visit_radius_m,
        )
    except DomainError as problem:
        await query.answer(logbook_problem(problem), show_alert=True)
        return
    except KeyError:
        await query.answer(stale_button(), show_alert=True)
        return
    await state.clear()
    builder = InlineKeyboard()
    builder.button(
        text=_("✏️ Edit (within 24 hours)"),
        callback_data=VisitEditCb(visit_id=visit.id, field="menu"),
    )
    builder.button(text=_("📝 Another visit"), callback_data=MenuCb(action="visit"))
    builder.adjust(1)
    saved = (
        _("✅ Visit saved; the student has been sent your feedback.")
        if created
        else _("This visit was already saved.")
    )
    await show(query, saved + "\n" + location_text(visit), builder.as_markup())
    if location is None and isinstance(query.message, Message):  # take the location button away
        await query.message.answer(
            _("Saved without a location."), reply_markup=ReplyKeyboardRemove()
        )


# ----- editing within 24 hours ---------------------------------------------------------------


def only_the_author() -> str:
    return _("Only the mentor who logged this visit can change it.")


async def edit_menu(
    query: CallbackQuery, callback_data: VisitEditCb, user: User, db: Database
) -> None:
    visit = await db.practice.visit(callback_data.visit_id)
    if visit is None or not may_edit_visit(user, visit):
        await query.answer(only_the_author(), show_alert=True)
        return
    if db.clock.now() > visit.editable_until:
        await query.answer(logbook_problem(VisitLocked()), show_alert=True)
        return
    builder = InlineKeyboard()
    labels = {
        "topic": _("Topic"),
        "class": _("Class or group"),
        "scores": _("Scores"),
        "comment": _("Comment"),
    }
    for field, label in labels.items():
        builder.button(text=label, callback_data=VisitEditCb(visit_id=visit.id, field=field))
    cancel_button(builder)
    builder.adjust(2, 2, 1)
    student = await db.users.by_ids([await _student_of(db, visit.application_id)])
    card = visit_card(visit, next(iter(student.values())), None) if student else ""
    await show(query, card + "\n\n" + _("What would you like to change?"), builder.as_markup())


async def edit_field(
    query: CallbackQuery,
    callback_data: VisitEditCb,
    user: User,
    db: Database,
    state: FSMContext,
) -> None:
    visit = await db.practice.visit(callback_data.visit_id)
    if visit is None or not may_edit_visit(user, visit):
        await query.answer(only_the_author(), show_alert=True)
        return
    await start_form(
        state, VisitForm(edit_visit=visit.id, edit_field=callback_data.field, visit_scores=[])
    )
    if callback_data.field == "scores":
        await state.set_state(VisitEdit.scores)
        await show(query, score_prompt(0), score_keyboard(0))
        return
    await state.set_state(VisitEdit.text)
    prompts = {
        "topic": _("New lesson topic:"),
        "class": _("New class or group:"),
        "comment": _("New comment for the student:"),
    }
    builder = InlineKeyboard()
    cancel_button(builder)
    await show(query, prompts[callback_data.field], builder.as_markup())


async def save_edit(
    target: CallbackQuery | Message,
    user: User,
    db: Database,
    state: FSMContext,
    changes: VisitChanges,
) -> None:
    data = await read_form(state, VisitForm)
    reply = target.message if isinstance(target, CallbackQuery) else target
    try:
        visit = await db.practice.update_visit(user, int(data.get("edit_visit", 0)), changes)
    except InvalidValue as problem:
        if isinstance(reply, Message):
            await reply.answer(logbook_value_problem(problem))
        return
    except DomainError as problem:
        await state.clear()
        if isinstance(reply, Message):
            await reply.answer(logbook_problem(problem))
        return
    await state.clear()
    student = await db.users.get(await _student_of(db, visit.application_id))
    if isinstance(reply, Message) and student is not None:
        builder = InlineKeyboard()
        builder.button(
            text=_("✏️ Edit (within 24 hours)"),
            callback_data=VisitEditCb(visit_id=visit.id, field="menu"),
        )
        await reply.answer(
            _("Saved; the student has been sent the update.")
            + "\n\n"
            + visit_card(visit, student, None),
            reply_markup=builder.as_markup(),
        )


async def edited_text(message: Message, user: User, db: Database, state: FSMContext) -> None:
    field = (await read_form(state, VisitForm)).get("edit_field")
    text = message.text or ""
    changes = {
        "topic": VisitChanges(topic=text),
        "class": VisitChanges(class_group=text),
        "comment": VisitChanges(comment=text),
    }.get(str(field))
    if changes is None:
        await state.clear()
        await message.answer(stale_button())
        return
    await save_edit(message, user, db, state, changes)


TEXT_STATES = (
    VisitFlow.date,
    VisitFlow.topic,
    VisitFlow.class_group,
    VisitFlow.comment,
    VisitEdit.text,
)


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


async def expected_button(message: Message) -> None:
    await message.answer(use_buttons_please())


def get_router() -> Router:
    router = Router(name="visits")
    router.message.filter(HasRole(*VISIT_LOGGERS))
    router.callback_query.filter(HasRole(*VISIT_LOGGERS))
    router.message.register(visit_command, Command("visit"))
    router.callback_query.register(visit_button, MenuCb.filter(F.action == "visit"))
    router.callback_query.register(student_chosen, VisitCb.filter(F.action.in_({"student", "for"})))
    router.callback_query.register(
        yesterday, VisitFlow.topic, VisitCb.filter(F.action == "yesterday")
    )
    router.callback_query.register(other_date, VisitFlow.topic, VisitCb.filter(F.action == "date"))
    router.message.register(date_typed, VisitFlow.date, F.text)
    router.message.register(topic_written, VisitFlow.topic, F.text)
    router.message.register(class_written, VisitFlow.class_group, F.text)
    router.callback_query.register(
        last_class, VisitFlow.class_group, VisitCb.filter(F.action == "lastclass")
    )
    router.callback_query.register(
        score_chosen, StateFilter(VisitFlow.scores, VisitEdit.scores), ScoreCb.filter()
    )
    router.message.register(comment_written, VisitFlow.comment, F.text)
    router.callback_query.register(
        no_comment, VisitFlow.comment, VisitCb.filter(F.action == "nocomment")
    )
    router.message.register(location_shared, VisitFlow.extras, F.location)
    router.message.register(photo_sent, VisitFlow.extras, F.photo)
    router.message.register(extras_other, VisitFlow.extras)
    router.callback_query.register(save, VisitFlow.extras, VisitCb.filter(F.action == "save"))
    router.callback_query.register(edit_menu, VisitEditCb.filter(F.field == "menu"))
    router.callback_query.register(
        edit_field, VisitEditCb.filter(F.field.in_({"topic", "class", "comment", "scores"}))
    )
    router.message.register(edited_text, VisitEdit.text, F.text)
    router.message.register(not_text, StateFilter(*TEXT_STATES))
    router.message.register(
        expected_button, StateFilter(VisitFlow.student, VisitFlow.scores, VisitEdit.scores)
    )
    return router


async def load_target_from_state(db: Database, state: FSMContext) -> Application | None:
    data = await read_form(state, VisitForm)
    return await db.placements.application(int(data.get("visit_app", 0)))


async def _student_of(db: Database, application_id: int) -> int:
    application = await db.placements.application(application_id)
    return 0 if application is None else application.student_id
