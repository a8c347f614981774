"""/evaluate: the mentor's final evaluation and characteristic; the director's confirmation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue
from db.domain.evaluations import (
    MARK_MAX,
    RUBRIC,
    TEXT_MAX,
    AlreadySubmitted,
    Evaluation,
    EvaluationInput,
    EvaluationKind,
    NotReady,
    letter_grade,
    prefilled_rubric,
)
from db.domain.models import Organization, OrgKind, Role, User
from db.domain.placements import Application, ApplicationStatus, Offer
from handlers.kit.documents import Letter, Signature, letter_docx
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date, upper_first
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.texts import role_name, send_text_please, stale_button
from handlers.kit.ui import drop_keyboard, show
from handlers.placements.texts import kind_name, period_text
from handlers.practice.callbacks import EvalCb
from handlers.practice.states import EvaluationFlow, EvaluationForm
from handlers.practice.texts import criterion_name


async def due_view(db: Database, mentor: User) -> tuple[str, InlineKeyboardMarkup]:
    placements = await db.evaluations.due_for(mentor)
    builder = InlineKeyboard()
    if not placements:
        return _(
            "None of your students is in the last week of practice and waiting for a final"
            " evaluation."
        ), builder.as_markup()
    students = await db.users.by_ids([p.student_id for p in placements])
    lines = [_("🏁 <b>Final evaluations</b>"), ""]
    offers = await asyncio.gather(*(db.placements.offer(p.offer_id) for p in placements))
    for number, (placement, offer) in enumerate(zip(placements, offers, strict=True), start=1):
        lines.append(
            f"<b>{number}.</b> {esc(students[placement.student_id].full_name)}"
            + (f" — {esc(offer.subject)}, {period_text(offer)}" if offer else "")
        )
        builder.button(text=str(number), callback_data=EvalCb(action="open", value=placement.id))
    builder.adjust(5)
    return "\n".join(lines), builder.as_markup()


async def evaluate_command(message: Message, user: User, db: Database, state: FSMContext) -> None:
    await state.clear()
    text, markup = await due_view(db, user)
    await message.answer(text, reply_markup=markup)


async def own_placement(db: Database, mentor: User, application_id: int) -> Application | None:
    application = await db.placements.application(application_id)
    if application is None or application.mentor_id != mentor.id:
        return None
    return application if application.status is ApplicationStatus.APPROVED else None


def score_step(
    student: str, given: list[int], prefill: list[int]
) -> tuple[str, InlineKeyboardMarkup]:
    index = len(given)
    builder = InlineKeyboard()
    for score in range(1, 6):
        label = f"{score} ✓" if score == prefill[index] else str(score)
        builder.button(text=label, callback_data=EvalCb(action="score", value=score))
    builder.adjust(5)
    text = _(
        "🏁 Final evaluation: {student}\n{number}/{total}. {criterion}\n"
        "1 — weak, 5 — excellent; ✓ marks the average of your visits."
    ).format(
        student=esc(student),
        number=index + 1,
        total=len(RUBRIC),
        criterion=criterion_name(RUBRIC[index]),
    )
    return text, builder.as_markup()


async def open_placement(
    query: CallbackQuery,
    callback_data: EvalCb,
    user: User,
    db: Database,
    state: FSMContext,
    i18n: I18n,
) -> None:
    application = await own_placement(db, user, callback_data.value)
    if application is None:
        await query.answer(stale_button(), show_alert=True)
        return
    final = (await db.evaluations.of(application.id)).get(EvaluationKind.FINAL)
    if final is not None and final.signed_at is not None:
        await state.clear()
        await query.answer(_("This characteristic is signed already."), show_alert=True)
        return
    if final is not None:
        await state.set_state(EvaluationFlow.characteristic)
        await start_form(state, EvaluationForm(eval_app=application.id))
        await show(query, *(await signing_view(db, application, final, state, i18n)))
        return
    progress = await db.practice.progress(application, {})
    prefill = list(prefilled_rubric(progress.averages).values())
    student = await db.users.get(application.student_id)
    await state.set_state(EvaluationFlow.scores)
    name = student.full_name if student else "—"
    await start_form(
        state,
        EvaluationForm(
            eval_app=application.id, eval_student=name, eval_prefill=prefill, eval_scores=[]
        ),
    )
    await show(query, *score_step(name, [], prefill))


async def score_given(query: CallbackQuery, callback_data: EvalCb, state: FSMContext) -> None:
    form = await read_form(state, EvaluationForm)
    scores = [*form.get("eval_scores", []), callback_data.value]
    if not 1 <= callback_data.value <= 5 or len(scores) > len(RUBRIC):
        await query.answer(stale_button(), show_alert=True)
        return
    await write_form(state, EvaluationForm(eval_scores=scores))
    if len(scores) < len(RUBRIC):
        name, prefill = form.get("eval_student", "—"), form.get("eval_prefill", [4] * len(RUBRIC))
        await show(query, *score_step(name, scores, prefill))
        return
    await state.set_state(EvaluationFlow.strengths)
    await show(query, _("The student's strengths (a few words or sentences):"))


def text_problem(message: Message) -> str | None:
    """Why a typed strength or point to improve cannot be kept, or None."""
    text = (message.text or "").strip()
    if not text:
        return send_text_please()
    if len(text) > TEXT_MAX:
        return _("Please keep it under {max} characters.").format(max=TEXT_MAX)
    return None


async def strengths_written(message: Message, state: FSMContext) -> None:
    if problem := text_problem(message):
        await message.answer(problem)
        return
    await write_form(state, EvaluationForm(eval_strengths=message.text or ""))
    await state.set_state(EvaluationFlow.to_improve)
    await message.answer(_("What should the student improve?"))


async def improve_written(message: Message, state: FSMContext) -> None:
    if problem := text_problem(message):
        await message.answer(problem)
        return
    await write_form(state, EvaluationForm(eval_improve=message.text or ""))
    await state.set_state(EvaluationFlow.mark)
    await message.answer(_("The mark you recommend, out of {max}:").format(max=MARK_MAX))


async def mark_written(
    message: Message, user: User, db: Database, state: FSMContext, i18n: I18n
) -> None:
    text = (message.text or "").strip()
    if not text.isdigit() or int(text) > MARK_MAX:
        await message.answer(_("A mark is a whole number from 0 to {max}.").format(max=MARK_MAX))
        return
    form = await read_form(state, EvaluationForm)
    data = EvaluationInput(
        dict(zip(RUBRIC, form.get("eval_scores", []), strict=True)),
        form.get("eval_strengths", ""),
        form.get("eval_improve", ""),
        int(text),
    )
    try:
        final = await db.evaluations.evaluate(
            user, form.get("eval_app", 0), EvaluationKind.FINAL, data
        )
    except (DomainError, ValueError) as problem:
        await state.clear()
        await message.answer(evaluation_problem(problem))
        return
    application = await db.placements.application(final.application_id)
    assert application is not None
    await state.set_state(EvaluationFlow.characteristic)
    text_view, markup = await signing_view(db, application, final, state, i18n)
    await message.answer(text_view, reply_markup=markup)


async def signing_view(
    db: Database,
    application: Application,
    final: Evaluation,
    state: FSMContext,
    i18n: I18n,
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboard()
    draft = (await read_form(state, EvaluationForm)).get("eval_text") or await drafted(
        db, application, final, i18n
    )
    await write_form(state, EvaluationForm(eval_app=application.id, eval_text=draft))
    builder.button(text=_("✍️ Sign"), callback_data=EvalCb(action="sign", value=application.id))
    return (
        _(
            "The characteristic, drafted from your evaluation. Sign it as it is, or send your own"
            " text to replace it:"
        )
        + "\n\n"
        + esc(draft),
        builder.as_markup(),
    )


@dataclass(frozen=True, slots=True)
class PlacementFacts:
    """What a characteristic names: the student, the offer and its school, and the language."""

    student: User | None
    offer: Offer | None
    school: Organization | None
    language: str


async def placement_facts(db: Database, application: Application) -> PlacementFacts:
    student, offer = await asyncio.gather(
        db.users.get(application.student_id), db.placements.offer(application.offer_id)
    )
    school = await db.orgs.get(offer.organization_id) if offer else None
    return PlacementFacts(student, offer, school, study_language(student))


async def drafted(db: Database, application: Application, final: Evaluation, i18n: I18n) -> str:
    """In the student's language of study (see study_language)."""
    facts = await placement_facts(db, application)
    student, offer, school, language = facts.student, facts.offer, facts.school, facts.language
    lesson = [final.scores[name] for name in RUBRIC[:5]]
    mark = final.recommended_mark or 0
    with i18n.use_locale(language):
        kind = kind_name(offer.kind) if offer else "—"
        template = _(
            "{student} did {kind} at {school} from {start} to {end}.\n\nStrengths: {strengths}"
            "\n\nTo improve: {to_improve}\n\nThe lesson rubric averages {average} out of 5."
            " Recommended mark: {mark} ({letter})."
        )
    return template.format(
        student=student.full_name if student else "—",
        kind=kind,
        school=school.name(language) if school else "—",
        start=fmt_date(offer.starts_on, locale=language) if offer else "—",
        end=fmt_date(offer.ends_on, locale=language) if offer else "—",
        strengths=final.strengths,
        to_improve=final.to_improve,
        average=f"{sum(lesson) / len(lesson):.1f}",
        mark=mark,
        letter=letter_grade(mark),
    )


async def text_replaced(message: Message, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if not text:
        await message.answer(send_text_please())
        return
    await write_form(state, EvaluationForm(eval_text=text))
    form = await read_form(state, EvaluationForm)
    builder = InlineKeyboard()
    builder.button(
        text=_("✍️ Sign"), callback_data=EvalCb(action="sign", value=form.get("eval_app", 0))
    )
    await message.answer(
        _("Your text will be signed:") + "\n\n" + esc(text), reply_markup=builder.as_markup()
    )


async def sign(
    query: CallbackQuery, callback_data: EvalCb, user: User, db: Database, state: FSMContext
) -> None:
    form = await read_form(state, EvaluationForm)
    if form.get("eval_app") != callback_data.value or not form.get("eval_text"):
        await query.answer(stale_button(), show_alert=True)
        return
    try:
        await db.evaluations.sign(user, callback_data.value, form.get("eval_text", ""))
    except DomainError as problem:
        await query.answer(evaluation_problem(problem), show_alert=True)
        return
    await state.clear()
    await drop_keyboard(query)
    if isinstance(query.message, Message):
        await query.message.answer(_("Signed. The school's director has been asked to confirm it."))


async def confirm(
    query: CallbackQuery, callback_data: EvalCb, user: User, db: Database, i18n: I18n
) -> None:
    try:
        final = await db.evaluations.confirm(user, callback_data.value)
    except DomainError as problem:
        await query.answer(evaluation_problem(problem), show_alert=True)
        return
    await query.answer(_("Confirmed."))
    await drop_keyboard(query)
    application = await db.placements.application(final.application_id)
    if application is not None and isinstance(query.message, Message):
        await query.message.answer_document(
            BufferedInputFile(
                await characteristic_file(db, application, final, user, i18n),
                filename=f"characteristic-{application.id}.docx",
            ),
            caption=_("The characteristic, to print and stamp."),
        )


async def characteristic_file(
    db: Database, application: Application, final: Evaluation, director: User, i18n: I18n
) -> bytes:
    """The signed text as an editable Word file, in the language it was written in."""
    facts = await placement_facts(db, application)
    student, offer, school, language = facts.student, facts.offer, facts.school, facts.language
    mentor = await db.users.get(final.author_id)
    with i18n.use_locale(language):
        letter = Letter(
            title=_("CHARACTERISTIC"),
            facts=(
                (_("Student"), student.full_name if student else "—"),
                (_("School"), school.name(language) if school else "—"),
                (_("Period"), period_text(offer) if offer else "—"),
            ),
            body=final.characteristic or "",
            signatures=(
                Signature(upper_first(role_name(Role.MENTOR)), mentor.full_name if mentor else ""),
                Signature(
                    upper_first(role_name(Role.DIRECTOR, OrgKind.SCHOOL)),
                    director.full_name,
                    stamp=_("Stamp place"),
                ),
            ),
            date_line=fmt_date(db.today(), locale=language),
        )
    return letter_docx(letter)


def study_language(student: User | None) -> str:
    """The student's language of study: Kazakh for a Kazakh-speaking student, else Russian."""
    return "kk" if student is not None and student.locale == "kk" else "ru"


def evaluation_problem(problem: Exception) -> str:
    if isinstance(problem, AlreadySubmitted):
        return _("This has been done already.")
    if isinstance(problem, NotReady):
        return _("The characteristic is not signed yet.")
    if isinstance(problem, InvalidValue):
        return _("Please write something in each step.")
    return stale_button()


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


def get_router() -> Router:
    router = Router(name="evaluations")
    mentors, directors = HasRole(Role.MENTOR), HasRole(Role.DIRECTOR)
    router.message.register(evaluate_command, Command("evaluate"), mentors)
    router.callback_query.register(open_placement, EvalCb.filter(F.action == "open"), mentors)
    router.callback_query.register(
        score_given, EvaluationFlow.scores, EvalCb.filter(F.action == "score"), mentors
    )
    router.message.register(strengths_written, EvaluationFlow.strengths, F.text, mentors)
    router.message.register(improve_written, EvaluationFlow.to_improve, F.text, mentors)
    router.message.register(mark_written, EvaluationFlow.mark, F.text, mentors)
    router.message.register(text_replaced, EvaluationFlow.characteristic, F.text, mentors)
    router.callback_query.register(sign, EvalCb.filter(F.action == "sign"), mentors)
    router.callback_query.register(confirm, EvalCb.filter(F.action == "confirm"), directors)
    router.message.register(not_text, EvaluationFlow.strengths)
    router.message.register(not_text, EvaluationFlow.to_improve)
    router.message.register(not_text, EvaluationFlow.mark)
    router.message.register(not_text, EvaluationFlow.characteristic)
    return router
