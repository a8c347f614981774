"""The end-of-practice files: characteristic, evaluation sheet, certificate of mentoring, report.

Word files are written in the reader's language of study or work (kk or ru: what a Kazakh
school or university files); the report is the student's own file, sent again by its id.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Router
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.evaluations import RUBRIC, Evaluation, EvaluationKind
from db.domain.models import Organization, OrgKind, Role, User
from db.domain.placements import Application, ApplicationStatus, Offer
from db.domain.roles import STAFF
from handlers.kit.documents import GradeSheet, Letter, Signature, grade_sheet_docx, letter_docx
from handlers.kit.filters import Registered
from handlers.kit.formatting import fmt_date, upper_first
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed, role_name
from handlers.placements.texts import kind_name, period_text
from handlers.practice.callbacks import DocCb, DocKind
from handlers.practice.progress import may_see
from handlers.practice.texts import criterion_name, number


def document_language(person: User | None) -> str:
    """Kazakh for a Kazakh-speaking reader, else Russian: the languages documents are filed in."""
    return "kk" if person is not None and person.locale == "kk" else "ru"


@dataclass(frozen=True, slots=True)
class PlacementFacts:
    """What a document names: the student, the offer and its school, and the language."""

    student: User | None
    offer: Offer | None
    school: Organization | None
    language: str


async def placement_facts(db: Database, application: Application) -> PlacementFacts:
    student = await db.users.get(application.student_id)
    offer = await db.placements.offer(application.offer_id)
    school = await db.orgs.get(offer.organization_id) if offer else None
    return PlacementFacts(student, offer, school, document_language(student))


def placement_lines(facts: PlacementFacts) -> tuple[tuple[str, str], ...]:
    """Student, school and period, in the current locale (the caller sets the document's)."""
    offer, school = facts.offer, facts.school
    return (
        (_("Student"), facts.student.full_name if facts.student else "—"),
        (_("School"), school.name(facts.language) if school else "—"),
        (_("Practice"), upper_first(kind_name(offer.kind)) if offer else "—"),
        (_("Period"), period_text(offer) if offer else "—"),
    )


def school_head(facts: PlacementFacts) -> str:
    kind = facts.school.kind if facts.school else OrgKind.SCHOOL
    return upper_first(role_name(Role.DIRECTOR, kind))


async def characteristic_file(
    db: Database, application: Application, final: Evaluation, director: User, i18n: I18n
) -> bytes:
    """The signed text as an editable Word file, in the language it was written in."""
    facts = await placement_facts(db, application)
    mentor = await db.users.get(final.author_id)
    with i18n.use_locale(facts.language):
        letter = Letter(
            title=_("CHARACTERISTIC"),
            facts=placement_lines(facts),
            body=final.characteristic or "",
            signatures=(
                Signature(upper_first(role_name(Role.MENTOR)), mentor.full_name if mentor else ""),
                Signature(school_head(facts), director.full_name, stamp=_("Stamp place")),
            ),
            date_line=fmt_date(db.today(), locale=facts.language),
        )
    return letter_docx(letter)


async def evaluation_sheet_file(
    db: Database,
    application: Application,
    evaluations: dict[EvaluationKind, Evaluation],
    i18n: I18n,
) -> bytes:
    """The rubric of the mid-term and final evaluations side by side, with the mentor's notes."""
    facts = await placement_facts(db, application)
    mid, final = evaluations.get(EvaluationKind.MID), evaluations.get(EvaluationKind.FINAL)
    author = final or mid
    mentor = await db.users.get(author.author_id) if author else None

    def score(evaluation: Evaluation | None, name: str) -> str:
        return str(evaluation.scores[name]) if evaluation else "—"

    with i18n.use_locale(facts.language):
        notes: list[tuple[str, str]] = []
        if mid:
            notes.append((_("To improve (mid-term)"), mid.to_improve))
        if final:
            notes += [(_("Strengths"), final.strengths), (_("To improve"), final.to_improve)]
            if final.recommended_mark is not None:
                notes.append((_("Recommended mark"), str(final.recommended_mark)))
        sheet = GradeSheet(
            title=_("EVALUATION SHEET"),
            facts=placement_lines(facts),
            columns=(_("Criterion"), _("Mid-term"), _("Final")),
            rows=[(criterion_name(name), score(mid, name), score(final, name)) for name in RUBRIC],
            notes=notes,
            signatures=(
                Signature(upper_first(role_name(Role.MENTOR)), mentor.full_name if mentor else ""),
            ),
            date_line=fmt_date(db.today(), locale=facts.language),
        )
    return grade_sheet_docx(sheet)


async def certificate_file(
    db: Database, application: Application, mentor: User, settings: HandlerSettings, i18n: I18n
) -> bytes:
    """For the mentor's attestation portfolio: whom they mentored, where, when, how many hours."""
    facts = await placement_facts(db, application)
    progress = await db.practice.progress(application, settings.required_hours)
    language = document_language(mentor)
    with i18n.use_locale(language):
        letter = Letter(
            title=_("CERTIFICATE OF MENTORING"),
            facts=((_("Mentor"), mentor.full_name), *placement_lines(facts)),
            body=_(
                "{mentor} mentored the student {student} during the practice at {school}:"
                " {hours} hours of practice confirmed."
            ).format(
                mentor=mentor.full_name,
                student=facts.student.full_name if facts.student else "—",
                school=facts.school.name(language) if facts.school else "—",
                hours=number(progress.hours_confirmed),
            ),
            signatures=(
                Signature(upper_first(role_name(Role.COORDINATOR)), "", stamp=_("Stamp place")),
            ),
            date_line=fmt_date(db.today(), locale=language),
        )
    return letter_docx(letter)


async def send_document(
    query: CallbackQuery,
    callback_data: DocCb,
    user: User,
    db: Database,
    i18n: I18n,
    settings: HandlerSettings,
) -> None:
    application = await db.placements.application(callback_data.application_id)
    if (
        application is None
        or application.status is not ApplicationStatus.APPROVED
        or not await may_see(db, user, application)
        or not may_have(user, application, callback_data.kind)
    ):
        await query.answer(not_allowed(), show_alert=True)
        return
    if not isinstance(query.message, Message):
        await query.answer()
        return
    sent = await document_for(query.message, callback_data.kind, application, db, i18n, settings)
    if sent is None:
        await query.answer(_("This document is not ready yet."), show_alert=True)
        return
    await query.answer()


def may_have(user: User, application: Application, kind: DocKind) -> bool:
    """Beyond seeing the placement: the certificate is the mentor's (staff may print it too)."""
    if kind is DocKind.CERTIFICATE:
        return application.mentor_id == user.id or user.role in STAFF
    return True


async def document_for(
    chat: Message,
    kind: DocKind,
    application: Application,
    db: Database,
    i18n: I18n,
    settings: HandlerSettings,
) -> Message | None:
    """Send the document asked for to the chat of `chat`, or None when it does not exist yet."""
    evaluations = await db.evaluations.of(application.id)
    final = evaluations.get(EvaluationKind.FINAL)
    name = f"{kind.value}-{application.id}.docx"
    if kind is DocKind.REPORT:
        report = await db.diary.report(application.id)
        return None if report is None else await chat.answer_document(report.file.file_id)
    if kind is DocKind.SHEET and evaluations:
        content = await evaluation_sheet_file(db, application, evaluations, i18n)
    elif kind is DocKind.CHARACTERISTIC and final is not None and final.confirmed_by is not None:
        director = await db.users.get(final.confirmed_by)
        assert director is not None
        content = await characteristic_file(db, application, final, director, i18n)
    elif (
        kind is DocKind.CERTIFICATE and await db.evaluations.final_mark(application.id) is not None
    ):
        mentor = await db.users.get(application.mentor_id or 0)
        if mentor is None:
            return None
        content = await certificate_file(db, application, mentor, settings, i18n)
    else:
        return None
    return await chat.answer_document(BufferedInputFile(content, filename=name))


def get_router() -> Router:
    router = Router(name="practice_documents")
    router.callback_query.register(send_document, DocCb.filter(), Registered())
    return router
