"""Notifications about the logbook: feedback after a visit, hours to confirm, hours returned."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.evaluations import EvaluationKind
from handlers.kit.formatting import clip_lines, esc
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.notices import Notice, NoticeContext, Renderer
from handlers.practice.callbacks import DocCb, DocKind, EvalCb, ReviewHoursCb
from handlers.practice.rating import rate_button
from handlers.practice.texts import evaluation_lines, hours_line, visit_card


async def visit_logged(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    db = context.db
    visit = await db.practice.visit(int(payload.get("visit_id", 0)))
    if visit is None:
        return None
    application = await db.placements.application(visit.application_id)
    if application is None:
        return None
    people = await db.users.by_ids([application.student_id, visit.author_id])
    heading = _("Your mentor visited your lesson. Feedback:")
    if payload.get("updated"):
        heading = _("Your mentor updated the feedback on a lesson visit:")
    return Notice(
        heading
        + "\n\n"
        + visit_card(visit, people[application.student_id], people.get(visit.author_id))
    )


async def visit_updated(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    return await visit_logged(context, {**payload, "updated": True})


async def hours_logged(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:

    db = context.db
    entry = await db.practice.hours_entry(int(payload.get("entry_id", 0)))
    if entry is None or entry.status != "pending":
        return None
    application = await db.placements.application(entry.application_id)
    if application is None:
        return None
    student = await db.users.get(application.student_id)
    builder = InlineKeyboard()
    builder.button(
        text=_("✅ Confirm"), callback_data=ReviewHoursCb(action="confirm", entry_id=entry.id)
    )
    builder.button(
        text=_("↩️ Return"), callback_data=ReviewHoursCb(action="return", entry_id=entry.id)
    )
    return Notice(
        _("🕒 Practice hours to confirm:") + "\n" + hours_line(entry, student), builder.as_markup()
    )


async def hours_returned(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    entry = await context.db.practice.hours_entry(int(payload.get("entry_id", 0)))
    if entry is None:
        return None
    return Notice(
        _("↩️ Your mentor returned an hours entry:")
        + "\n"
        + hours_line(entry)
        + "\n\n"
        + _("Log it again, corrected: /hours")
    )


async def practice_graded(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    db = context.db
    application_id = int(payload.get("application_id", 0))
    mark = await db.evaluations.final_mark(application_id)
    application = await db.placements.application(application_id)
    offer = await db.placements.offer(application.offer_id) if application else None
    if mark is None or offer is None:
        return None
    school = await db.orgs.get(offer.organization_id)
    return Notice(
        _("🎓 Your practice at {school} is graded: {mark} out of 100 ({letter}).").format(
            school=esc(school.name(context.locale) if school else "—"),
            mark=mark.mark,
            letter=mark.letter,
        ),
        rate_button(application_id),
    )


CHARACTERISTIC_SHOWN = 3000  # a Telegram message holds 4096 characters; the file has it all


async def characteristic_signed(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    db = context.db
    application_id = int(payload.get("application_id", 0))
    final = (await db.evaluations.of(application_id)).get(EvaluationKind.FINAL)
    application = await db.placements.application(application_id)
    if final is None or final.characteristic is None or final.confirmed_at is not None:
        return None
    if application is None:
        return None
    people = await db.users.by_ids([application.student_id, final.author_id])
    student, mentor = people.get(application.student_id), people.get(final.author_id)
    builder = InlineKeyboard()
    builder.button(
        text=_("✅ Confirm"), callback_data=EvalCb(action="confirm", value=application_id)
    )
    return Notice(
        _(
            "📝 A characteristic awaits your confirmation (the school's stamp):"
            " {student}, mentor {mentor}."
        ).format(
            student=esc(student.full_name if student else "—"),
            mentor=esc(mentor.full_name if mentor else "—"),
        )
        + "\n\n"
        + esc(clip_lines(final.characteristic, CHARACTERISTIC_SHOWN)),
        builder.as_markup(),
    )


async def mid_term_given(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    mid = (await context.db.evaluations.of(int(payload.get("application_id", 0)))).get(
        EvaluationKind.MID
    )
    if mid is None:
        return None
    return Notice(
        _("📋 Your mentor's mid-term evaluation:") + "\n\n" + "\n".join(evaluation_lines(mid))
    )


async def student_name(context: NoticeContext, application_id: int) -> str | None:
    """The placement's student, if it is still approved and nothing has been decided yet."""
    application = await context.db.placements.application(application_id)
    if application is None or application.status.value != "approved":
        return None
    student = await context.db.users.get(application.student_id)
    return student.full_name if student else None


async def mid_term_due(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    return await evaluation_due(context, payload, EvaluationKind.MID)


async def final_due(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    return await evaluation_due(context, payload, EvaluationKind.FINAL)


async def evaluation_due(
    context: NoticeContext, payload: dict[str, Any], kind: EvaluationKind
) -> Notice | None:
    """The mentor's reminder, with the button that opens the form; None once it is done."""
    application_id = int(payload.get("application_id", 0))
    name = await student_name(context, application_id)
    given = await context.db.evaluations.of(application_id)
    final = given.get(EvaluationKind.FINAL)
    done = bool(given) if kind is EvaluationKind.MID else bool(final and final.signed_at)
    if name is None or done:
        return None
    builder = InlineKeyboard()
    if kind is EvaluationKind.MID:
        label, action = _("📋 Evaluate"), "mid"
        text = _(
            "⏰ {student} is halfway through the practice: please give your mid-term evaluation"
            " (the rubric and what to improve). The student will see it."
        )
    else:
        label, action = _("🏁 Evaluate"), "open"
        text = _(
            "⏰ The practice of {student} ends within a week: please give your final evaluation"
            " and sign the characteristic."
        )
    builder.button(text=label, callback_data=EvalCb(action=action, value=application_id))
    return Notice(text.format(student=esc(name)), builder.as_markup())


async def ungraded(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    count = int(payload.get("count", 0))
    if count <= 0:
        return None
    return Notice(
        ngettext(
            "⏰ {count} practice ended more than a week ago and has no mark yet: /grade",
            "⏰ {count} practices ended more than a week ago and have no mark yet: /grade",
            count,
        ).format(count=count)
    )


async def practice_closed(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    application_id = int(payload.get("application_id", 0))
    application = await context.db.placements.application(application_id)
    if application is None:
        return None
    student = await context.db.users.get(application.student_id)
    builder = InlineKeyboard()
    builder.button(
        text=_("📄 Certificate of mentoring"),
        callback_data=DocCb(kind=DocKind.CERTIFICATE, application_id=application_id),
    )
    return Notice(
        _(
            "🎓 The practice of {student} is graded and closed. Thank you for mentoring! Your"
            " certificate of mentoring, for your attestation portfolio:"
        ).format(student=esc(student.full_name if student else "—")),
        builder.as_markup(),
    )


async def report_uploaded(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    application_id = int(payload.get("application_id", 0))
    report = await context.db.diary.report(application_id)
    name = await student_name(context, application_id)
    if report is None or name is None:
        return None
    builder = InlineKeyboard()
    builder.button(
        text=_("📎 Report"), callback_data=DocCb(kind=DocKind.REPORT, application_id=application_id)
    )
    return Notice(
        _("📎 {student} uploaded the practice report: {name}").format(
            student=esc(name), name=esc(report.file.file_name)
        ),
        builder.as_markup(),
    )


RENDERERS: dict[str, Renderer] = {
    "visit.logged": visit_logged,
    "visit.updated": visit_updated,
    "hours.logged": hours_logged,
    "hours.returned": hours_returned,
    "practice.graded": practice_graded,
    "characteristic.signed": characteristic_signed,
    "evaluation.mid": mid_term_given,
    "evaluation.mid_due": mid_term_due,
    "evaluation.final_due": final_due,
    "practice.ungraded": ungraded,
    "practice.closed": practice_closed,
    "report.uploaded": report_uploaded,
}
