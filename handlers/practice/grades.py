"""/grade: the practice supervisor sets final marks for a whole list in one message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db import Database
from db.domain.errors import DomainError, InvalidValue
from db.domain.evaluations import MARK_MAX, AlreadySubmitted, FinalMark
from db.domain.models import Role, User
from db.domain.roles import GRADERS
from handlers.kit.documents import GradeSheet, Signature, grade_sheet_docx
from handlers.kit.drafts import read_form, start_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date, upper_first
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.texts import role_name, send_text_please
from handlers.placements.texts import period_text
from handlers.practice.callbacks import ProgressCb
from handlers.practice.states import GradeFlow, GradeForm

LIST_SIZE = 20  # one message of marks for at most this many students
SKIP = "-"


async def grade_list(db: Database, locale: str) -> tuple[str, list[int]]:
    """The text of the list to grade and its placements, in the order marks are typed."""
    waiting = await db.evaluations.to_grade(LIST_SIZE)
    if not waiting:
        return _("No finished practice is waiting for a mark."), []
    students = await db.users.by_ids([item.student_id for item in waiting])
    schools = await db.orgs.by_ids([item.organization_id for item in waiting])
    by_id = await db.placements.offers_by_ids(item.offer_id for item in waiting)
    offers = [by_id.get(item.offer_id) for item in waiting]
    lines = [_("🎓 <b>Practices to grade</b>"), ""]
    for number, (item, offer) in enumerate(zip(waiting, offers, strict=True), start=1):
        school = schools.get(item.organization_id)
        recommended = (
            _("mentor's recommended mark: {mark}").format(mark=item.recommended_mark)
            if item.recommended_mark is not None
            else _("⚠️ no final evaluation from the mentor yet")
        )
        lines.append(
            f"<b>{number}.</b> {esc(students[item.student_id].full_name)} — "
            f"{esc(school.name(locale) if school else '—')}"
            + (f", {period_text(offer)}" if offer else "")
            + f"\n    {recommended}"
        )
    lines += [
        "",
        _(
            "Send the marks out of {max} in this order, separated by spaces or one per line,"
            " e.g. 88 75 90. Send {skip} for a student you are not grading now. Tap a number to"
            " open the student's card."
        ).format(max=MARK_MAX, skip=SKIP),
    ]
    return "\n".join(lines), [item.application_id for item in waiting]


async def grade_command(message: Message, db: Database, state: FSMContext, locale: str) -> None:
    text, ids = await grade_list(db, locale)
    if ids:
        await state.set_state(GradeFlow.marks)
        await start_form(state, GradeForm(grade_ids=ids))
    else:
        await state.clear()
    await message.answer(text, reply_markup=cards_keyboard(ids))


def cards_keyboard(ids: Sequence[int]) -> InlineKeyboardMarkup | None:
    """A button per student of the list: their card (visits, hours, evaluations, diary, report)."""
    if not ids:
        return None
    builder = InlineKeyboard()
    for number, application_id in enumerate(ids, start=1):
        builder.button(
            text=str(number), callback_data=ProgressCb(action="app", value=application_id)
        )
    builder.adjust(6)
    return builder.as_markup()


def parse_marks(text: str, count: int) -> list[int | None]:
    """One mark (0–100) or "-" per student of the list, in order."""
    tokens = text.replace(",", " ").split()
    if len(tokens) != count:
        raise InvalidValue("marks", "count")
    marks: list[int | None] = []
    for token in tokens:
        if token == SKIP:
            marks.append(None)
        elif token.isdigit() and int(token) <= MARK_MAX:
            marks.append(int(token))
        else:
            raise InvalidValue("marks", "out_of_range")
    return marks


async def marks_written(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    ids = (await read_form(state, GradeForm)).get("grade_ids", [])
    try:
        marks = parse_marks(message.text or "", len(ids))
    except InvalidValue as problem:
        await message.answer(marks_problem(problem, len(ids)))
        return
    chosen = {app_id: mark for app_id, mark in zip(ids, marks, strict=True) if mark is not None}
    if not chosen:
        await state.clear()
        await message.answer(_("Nothing was graded."))
        return
    try:
        saved = await db.evaluations.grade(user, chosen)
    except AlreadySubmitted:
        text, fresh = await grade_list(db, locale)
        await start_form(state, GradeForm(grade_ids=fresh))
        await message.answer(
            _("Some of these were graded meanwhile, so nothing was saved. The list now:")
            + "\n\n"
            + text,
            reply_markup=cards_keyboard(fresh),
        )
        return
    except DomainError:
        await state.clear()
        await message.answer(_("This list is out of date. Send /grade to see it again."))
        return
    await state.clear()
    applications = await db.placements.applications_by_ids(chosen)
    students = {a.id: a.student_id for a in applications.values()}
    people = await db.users.by_ids(list(students.values()))
    names = {app_id: people[student_id].full_name for app_id, student_id in students.items()}
    lines = [_("Saved, and the students are told:")] + [
        f"• {esc(names[mark.application_id])} — {mark.mark} ({mark.letter})" for mark in saved
    ]
    await message.answer("\n".join(lines))
    await message.answer_document(
        BufferedInputFile(grade_sheet(db, user, saved, names), filename="grade-sheet.docx"),
        caption=_("The grade sheet, to print and sign."),
    )


def grade_sheet(
    db: Database, supervisor: User, marks: Sequence[FinalMark], names: Mapping[int, str]
) -> bytes:
    return grade_sheet_docx(
        GradeSheet(
            title=_("GRADE SHEET"),
            facts=((_("Date"), fmt_date(db.today())),),
            columns=(_("No."), _("Student"), _("Mark"), _("Letter grade")),
            rows=[
                (str(number), names[mark.application_id], str(mark.mark), mark.letter)
                for number, mark in enumerate(marks, start=1)
            ],
            signatures=(
                Signature(
                    upper_first(role_name(Role.COORDINATOR)),
                    supervisor.full_name,
                    stamp=_("Stamp place"),
                ),
            ),
            date_line=fmt_date(db.today()),
        )
    )


def marks_problem(problem: InvalidValue, count: int) -> str:
    if problem.detail == "count":
        return ngettext(
            "Please send exactly {count} mark (or {skip}), one for each student in the list.",
            "Please send exactly {count} marks (or {skip}), one for each student in the list.",
            count,
        ).format(count=count, skip=SKIP)
    return _("A mark is a whole number from 0 to {max}, or {skip} to skip a student.").format(
        max=MARK_MAX, skip=SKIP
    )


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


def get_router() -> Router:
    router = Router(name="grades")
    router.message.filter(HasRole(*GRADERS))
    router.message.register(grade_command, Command("grade"))
    router.message.register(marks_written, GradeFlow.marks, F.text)
    router.message.register(not_text, GradeFlow.marks)
    return router
