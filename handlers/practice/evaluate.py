"""/evaluate: the mentor's mid-term and final evaluations, the characteristic; the director's stamp.

A mid-term evaluation is the rubric and what to improve; the final one adds strengths and a
recommended mark, from which the characteristic is drafted in the student's language of study.
"""

from __future__ import annotations

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
    mid_term_open,
    prefilled_rubric,
)
from db.domain.models import Role, User
from db.domain.placements import Application, ApplicationStatus
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import send_text_please, stale_button
from handlers.kit.ui import drop_keyboard, show
from handlers.placements.texts import kind_name, period_text
from handlers.practice.callbacks import EvalCb
from handlers.practice.documents import characteristic_file, placement_facts
from handlers.practice.states import EvaluationFlow, EvaluationForm
from handlers.practice.texts import criterion_name


async def due_view(
    db: Database, mentor: User, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    mid = await db.evaluations.mid_due_for(mentor, settings.mid_term_weeks)
    final = await db.evaluations.due_for(mentor)
    builder = InlineKeyboard()
    if not mid and not final:
        return _(
            "None of your students is waiting for an evaluation: the mid-term one opens halfway"
            " through a long practice, the final one in its last week."
        ), builder.as_markup()
    due = [(p, EvaluationKind.MID) for p in mid] + [(p, EvaluationKind.FINAL) for p in final]
    students = await db.users.by_ids([p.student_id for p, _ in due])
    by_id = await db.placements.offers_by_ids(p.offer_id for p, _ in due)
    offers = [by_id.get(p.offer_id) for p, _ in due]
    lines = [_("🏁 <b>Evaluations to give</b>"), ""]
    for number, ((placement, kind), offer) in enumerate(zip(due, offers, strict=True), start=1):
        lines.append(
            f"<b>{number}.</b> {evaluation_title(kind)}: "
            f"{esc(students[placement.student_id].full_name)}"
            + (f" — {esc(offer.subject)}, {period_text(offer)}" if offer else "")
        )
        action = "mid" if kind is EvaluationKind.MID else "open"
        builder.button(text=str(number), callback_data=EvalCb(action=action, value=placement.id))
    builder.adjust(5)
    return "\n".join(lines), builder.as_markup()


def evaluation_title(kind: EvaluationKind) -> str:
    if kind is EvaluationKind.MID:
        return _("Mid-term evaluation")
    return _("Final evaluation")


async def evaluate_command(
    message: Message, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    await state.clear()
    text, markup = await due_view(db, user, settings)
    await message.answer(text, reply_markup=markup)


async def own_placement(db: Database, mentor: User, application_id: int) -> Application | None:
    application = await db.placements.application(application_id)
    if application is None or application.mentor_id != mentor.id:
        return None
    return application if application.status is ApplicationStatus.APPROVED else None


def score_step(
    student: str, given: list[int], prefill: list[int], kind: EvaluationKind
) -> tuple[str, InlineKeyboardMarkup]:
    index = len(given)
    builder = InlineKeyboard()
    for score in range(1, 6):
        label = f"{score} ✓" if score == prefill[index] else str(score)
        builder.button(text=label, callback_data=EvalCb(action="score", value=score))
    builder.adjust(5)
    text = _(
        "🏁 {evaluation}: {student}\n{number}/{total}. {criterion}\n"
        "1 — weak, 5 — excellent; ✓ marks the average of your visits."
    ).format(
        evaluation=evaluation_title(kind),
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
    await start_scores(db, application, EvaluationKind.FINAL, state, query)


async def open_mid_term(
    query: CallbackQuery,
    callback_data: EvalCb,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
) -> None:
    application = await own_placement(db, user, callback_data.value)
    if application is None:
        await query.answer(stale_button(), show_alert=True)
        return
    offer = await db.placements.offer(application.offer_id)
    given = await db.evaluations.of(application.id)
    if given or offer is None or not mid_term_open(offer, db.today(), settings.mid_term_weeks):
        await state.clear()
        await query.answer(
            _("The mid-term evaluation is not open for this student."), show_alert=True
        )
        return
    await start_scores(db, application, EvaluationKind.MID, state, query)


async def start_scores(
    db: Database,
    application: Application,
    kind: EvaluationKind,
    state: FSMContext,
    query: CallbackQuery,
) -> None:
    progress = await db.practice.progress(application, {})
    prefill = list(prefilled_rubric(progress.averages).values())
    student = await db.users.get(application.student_id)
    await state.set_state(EvaluationFlow.scores)
    name = student.full_name if student else "—"
    await start_form(
        state,
        EvaluationForm(
            eval_app=application.id,
            eval_kind=kind.value,
            eval_student=name,
            eval_prefill=prefill,
            eval_scores=[],
        ),
    )
    await show(query, *score_step(name, [], prefill, kind))


def form_kind(form: EvaluationForm) -> EvaluationKind:
    return EvaluationKind(form.get("eval_kind", EvaluationKind.FINAL.value))


async def score_given(query: CallbackQuery, callback_data: EvalCb, state: FSMContext) -> None:
    form = await read_form(state, EvaluationForm)
    scores = [*form.get("eval_scores", []), callback_data.value]
    if not 1 <= callback_data.value <= 5 or len(scores) > len(RUBRIC):
        await query.answer(stale_button(), show_alert=True)
        return
    await write_form(state, EvaluationForm(eval_scores=scores))
    if len(scores) < len(RUBRIC):
        name, prefill = form.get("eval_student", "—"), form.get("eval_prefill", [4] * len(RUBRIC))
        await show(query, *score_step(name, scores, prefill, form_kind(form)))
        return
    if form_kind(form) is EvaluationKind.MID:
        await state.set_state(EvaluationFlow.to_improve)
        await show(query, _("What should the student improve in the second half of the practice?"))
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


async def improve_written(
    message: Message, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    if problem := text_problem(message):
        await message.answer(problem)
        return
    await write_form(state, EvaluationForm(eval_improve=message.text or ""))
    form = await read_form(state, EvaluationForm)
    if form_kind(form) is EvaluationKind.MID:
        await save_mid_term(message, user, db, state, form, settings)
        return
    await state.set_state(EvaluationFlow.mark)
    await message.answer(_("The mark you recommend, out of {max}:").format(max=MARK_MAX))


async def save_mid_term(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    form: EvaluationForm,
    settings: HandlerSettings,
) -> None:
    data = EvaluationInput(
        dict(zip(RUBRIC, form.get("eval_scores", []), strict=True)),
        "",
        form.get("eval_improve", ""),
    )
    try:
        await db.evaluations.evaluate(
            user, form.get("eval_app", 0), EvaluationKind.MID, data, settings.mid_term_weeks
        )
    except (DomainError, ValueError) as problem:
        await state.clear()
        await message.answer(evaluation_problem(problem))
        return
    await state.clear()
    await message.answer(_("Saved. The student sees your mid-term evaluation."))


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


async def drafted(db: Database, application: Application, final: Evaluation, i18n: I18n) -> str:
    """In the student's language of study (see documents.document_language)."""
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


def evaluation_problem(problem: Exception) -> str:
    if isinstance(problem, AlreadySubmitted):
        return _("This has been done already.")
    if isinstance(problem, NotReady) and problem.missing == "mid_term":
        return _("The mid-term evaluation is not open for this student.")
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
    router.callback_query.register(open_mid_term, EvalCb.filter(F.action == "mid"), mentors)
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
