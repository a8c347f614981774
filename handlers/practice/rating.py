"""After the mark: the student rates the school and the mentor, once, for the aggregates only."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, NotFound
from db.domain.evaluations import MENTOR_ASPECTS, SCHOOL_ASPECTS, AlreadySubmitted, NotReady
from db.domain.models import Role, User
from db.domain.practice_log import COMMENT_MAX
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.texts import send_text_please, stale_button
from handlers.kit.ui import drop_keyboard, show
from handlers.practice.callbacks import RateCb
from handlers.practice.states import RatingFlow, RatingForm

ASPECTS = SCHOOL_ASPECTS + MENTOR_ASPECTS


def aspect_question(aspect: str) -> str:
    questions = {
        "conditions": _("Conditions for your practice at the school"),
        "support": _("Support from the school's staff"),
        "workload": _("A workload you could manage"),
        "availability": _("The mentor was there when you needed them"),
        "feedback": _("The mentor's feedback helped you"),
        "example": _("The mentor set a good example"),
    }
    return questions[aspect]


def rate_button(application_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(
        text=_("⭐ Rate the school and the mentor"),
        callback_data=RateCb(action="start", value=application_id),
    )
    return builder.as_markup()


def point_step(given: int) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboard()
    for point in range(1, 6):
        builder.button(text=str(point), callback_data=RateCb(action="point", value=point))
    builder.adjust(5)
    text = _("⭐ {number}/{total}. {aspect}\n1 — poor, 5 — excellent.").format(
        number=given + 1, total=len(ASPECTS), aspect=aspect_question(ASPECTS[given])
    )
    return text, builder.as_markup()


def rating_problem(problem: DomainError) -> str:
    if isinstance(problem, AlreadySubmitted):
        return _("You have already rated this practice.")
    if isinstance(problem, NotReady):
        return _("This practice is not graded yet.")
    return stale_button()


async def start(
    query: CallbackQuery, callback_data: RateCb, user: User, db: Database, state: FSMContext
) -> None:
    application = await db.placements.application(callback_data.value)
    if application is None or application.student_id != user.id:
        await query.answer(rating_problem(NotFound("placement")), show_alert=True)
        return
    if await db.evaluations.final_mark(application.id) is None:
        await query.answer(rating_problem(NotReady("mark")), show_alert=True)
        return
    if await db.evaluations.rated(application.id):
        await query.answer(rating_problem(AlreadySubmitted()), show_alert=True)
        return
    await state.set_state(RatingFlow.points)
    await start_form(state, RatingForm(rate_app=application.id, rate_points=[]))
    await show(query, *point_step(0))


async def point_given(query: CallbackQuery, callback_data: RateCb, state: FSMContext) -> None:
    if not 1 <= callback_data.value <= 5:
        await query.answer(stale_button(), show_alert=True)
        return
    points = [*(await read_form(state, RatingForm)).get("rate_points", []), callback_data.value]
    await write_form(state, RatingForm(rate_points=points))
    if len(points) < len(ASPECTS):
        await show(query, *point_step(len(points)))
        return
    await state.set_state(RatingFlow.comment)
    builder = InlineKeyboard()
    builder.button(text=_("Skip ▶️"), callback_data=RateCb(action="skip"))
    await show(
        query,
        _("Anything to add for the university? Write a short comment, or Skip."),
        builder.as_markup(),
    )


async def save(
    target: Message, user: User, db: Database, state: FSMContext, comment: str | None
) -> None:
    form = await read_form(state, RatingForm)
    await state.clear()
    points = form.get("rate_points", [])
    try:
        await db.evaluations.rate(
            user, form.get("rate_app", 0), dict(zip(ASPECTS, points, strict=True)), comment
        )
    except (DomainError, ValueError) as problem:
        await target.answer(
            rating_problem(problem) if isinstance(problem, DomainError) else stale_button()
        )
        return
    await target.answer(
        _(
            "Thank you. Your answers are shown only together with other students' answers,"
            " never on their own."
        )
    )


async def comment_written(message: Message, user: User, db: Database, state: FSMContext) -> None:
    if len((message.text or "").strip()) > COMMENT_MAX:
        await message.answer(
            _("Please keep the comment under {max} characters.").format(max=COMMENT_MAX)
        )
        return
    await save(message, user, db, state, message.text)


async def comment_skipped(
    query: CallbackQuery, user: User, db: Database, state: FSMContext
) -> None:
    await drop_keyboard(query)
    if isinstance(query.message, Message):
        await save(query.message, user, db, state, None)


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


def get_router() -> Router:
    router = Router(name="rating")
    router.message.filter(HasRole(Role.STUDENT))
    router.callback_query.filter(HasRole(Role.STUDENT))
    router.callback_query.register(start, RateCb.filter(F.action == "start"))
    router.callback_query.register(
        point_given, RatingFlow.points, RateCb.filter(F.action == "point")
    )
    router.callback_query.register(
        comment_skipped, RatingFlow.comment, RateCb.filter(F.action == "skip")
    )
    router.message.register(comment_written, RatingFlow.comment, F.text)
    router.message.register(not_text, RatingFlow.comment)
    return router
