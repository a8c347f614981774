"""Notifications about placements, rendered at send time in the recipient's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.clearance import DocumentStatus
from db.domain.models import Organization, User
from db.domain.placements import Application, Offer
from db.domain.proposals import ProposalStatus
from db.domain.rounds import RoundStatus
from handlers.kit.callbacks import MenuCb
from handlers.kit.formatting import esc, fmt_datetime
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.notices import Notice, NoticeContext, Renderer
from handlers.placements.callbacks import AppCb, ProposalCb, RoundCb
from handlers.placements.clearance import configured, missing_line
from handlers.placements.proposals import period, school_text
from handlers.placements.ranking import result_line
from handlers.placements.texts import (
    kind_name,
    offer_card,
    org_title,
    period_text,
    person_link,
    status_label,
    student_summary,
)


@dataclass(frozen=True, slots=True)
class Facts:
    application: Application
    offer: Offer
    school: Organization | None
    student: User
    mentor: User | None
    locale: str

    @property
    def place(self) -> str:
        return f"{esc(self.offer.subject)} — {org_title(self.school, self.locale)}"


async def facts(context: NoticeContext, payload: dict[str, Any]) -> Facts | None:
    db = context.db
    application = await db.placements.application(int(payload.get("application_id", 0)))
    if application is None:
        return None
    offer = await db.placements.offer(application.offer_id)
    if offer is None:
        return None
    people = await db.users.by_ids([application.student_id, application.mentor_id])
    return Facts(
        application=application,
        offer=offer,
        school=await db.orgs.get(offer.organization_id),
        student=people[application.student_id],
        mentor=people.get(application.mentor_id or 0),
        locale=context.locale,
    )


def open_button(application_id: int) -> Any:

    builder = InlineKeyboard()
    builder.button(
        text=_("Open the application"),
        callback_data=AppCb(action="open", application_id=application_id),
    )
    return builder.as_markup()


async def applied(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    university = await context.db.orgs.get(found.student.organization_id or 0)
    who = student_summary(found.student, university, context.locale)
    if payload.get("from_waitlist"):
        text = _(
            "📥 A place freed up for {place}: application #{id} from the waiting list "
            "({student}) awaits your decision."
        )
    else:
        text = _("📥 New application #{id} for {place}: {student}.")
    text = text.format(id=found.application.id, place=found.place, student=who)
    if found.application.motivation:
        text += "\n" + _("Motivation: {text}").format(text=esc(found.application.motivation))
    return Notice(text, open_button(found.application.id))


async def approved(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    mentors = [found.mentor] if found.mentor else []
    text = (
        _("✅ You have a practice place!")
        + "\n\n"
        + offer_card(found.offer, found.school, mentors, context.locale)
    )
    if found.mentor is None:
        text += "\n" + _("Your mentor will be assigned soon; you will get a message.")
    return Notice(text + "\n\n" + _("Details: /myplacement"))


async def new_student(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    university = await context.db.orgs.get(found.student.organization_id or 0)
    return Notice(
        _(
            "👩‍🎓 You are the mentor of {student} for {place}, {period}. Your students: /students"
        ).format(
            student=student_summary(found.student, university, context.locale),
            place=found.place,
            period=period_text(found.offer),
        )
    )


async def decided(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    deciders = await context.db.users.by_ids([found.application.decided_by])
    actor = deciders.get(found.application.decided_by or 0)
    by = esc(actor.full_name) if actor else _("the practice office")
    if payload.get("decision") == "placed":
        text = _("➕ {student} was placed at {place} by {actor}.")
    else:
        text = _("✅ Application #{id} of {student} for {place} was approved by {actor}.")
    return Notice(
        text.format(
            id=found.application.id, student=person_link(found.student), place=found.place, actor=by
        )
    )


async def rejected(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    return Notice(
        _(
            "❌ Your application #{id} for {place} was not accepted.\nReason: {reason}\n\nOther "
            "places: /offers"
        ).format(
            id=found.application.id, place=found.place, reason=esc(found.application.reason or "—")
        )
    )


async def cancelled(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    return Notice(
        _(
            "🚫 Your placement at {place} was cancelled.\nReason: {reason}\n\nOther places: /offers"
        ).format(place=found.place, reason=esc(found.application.reason or "—"))
    )


async def student_left(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    return Notice(
        _("{student} is no longer your student for {place}.").format(
            student=esc(found.student.full_name), place=found.place
        )
    )


async def withdrawn(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    return Notice(
        _("↩️ {student} withdrew application #{id} for {place}.").format(
            student=esc(found.student.full_name), id=found.application.id, place=found.place
        )
    )


async def promoted(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    return Notice(
        _(
            "🎉 A place opened up at {place}: your application #{id} has left the waiting list "
            "and is now under review."
        ).format(place=found.place, id=found.application.id)
    )


async def moved_to_waitlist(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    position = await context.db.placements.waitlist_position(found.application)
    return Notice(
        _(
            "The number of places at {place} was reduced. Your application #{id} is now: {status}."
        ).format(
            place=found.place,
            id=found.application.id,
            status=status_label(found.application.status, position),
        )
    )


async def offer_changed(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    offer = await context.db.placements.offer(int(payload.get("offer_id", 0)))
    if offer is None:
        return None
    school = await context.db.orgs.get(offer.organization_id)
    mentors = list((await context.db.users.by_ids(offer.mentor_ids)).values())
    return Notice(
        _("ℹ️ The practice offer has changed. Current details:")
        + "\n\n"
        + offer_card(offer, school, mentors, context.locale)
    )


async def offer_closed(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    return Notice(
        _(
            "🔒 The offer {place} was closed, so your application #{id} is cancelled. Other "
            "places: /offers"
        ).format(place=found.place, id=found.application.id)
    )


async def mentor_assigned(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None or found.mentor is None:
        return None
    return Notice(
        _(
            "👩‍🏫 Your mentor for {place}: {mentor}. Write to them to arrange your first day."
        ).format(place=found.place, mentor=person_link(found.mentor))
    )


async def mentor_set(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None or found.mentor is None:
        return None
    return Notice(
        _("👩‍🏫 {mentor} is now the mentor of {student} ({place}).").format(
            mentor=esc(found.mentor.full_name),
            student=esc(found.student.full_name),
            place=found.place,
        )
    )


async def mentor_left(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None:
        return None
    return Notice(
        _(
            "👩‍🏫 Your mentor for {place} has left Seriktes. The school will assign you another"
            " mentor, and you will be told who. Details: /myplacement"
        ).format(place=found.place)
    )


async def mentor_needed(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await facts(context, payload)
    if found is None or found.mentor is not None:  # someone was assigned meanwhile
        return None
    return Notice(
        _(
            "⚠️ {student} ({place}) has no mentor now: their mentor has left Seriktes. Please"
            " assign another one."
        ).format(student=esc(found.student.full_name), place=found.place),
        open_button(found.application.id),
    )


async def round_opened(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await context.db.rounds.get(int(payload.get("round", 0)))
    if found is None or not found.takes_preferences(context.db.clock.now()):
        return None  # closed before this reached them: nothing to act on
    builder = InlineKeyboard()
    builder.button(text=_("🗳 Rank the offers"), callback_data=MenuCb(action="round"))
    return Notice(
        _(
            "🗳 A placement round for {kind} is open: rank up to {k} offers you want, until"
            " {deadline}. Places are then given out fairly, all at once — not to whoever is"
            " online first."
        ).format(
            kind=kind_name(found.kind),
            k=found.choices,
            deadline=fmt_datetime(found.deadline_at, context.settings.timezone),
        ),
        builder.as_markup(),
    )


async def round_ready(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await context.db.rounds.get(int(payload.get("round", 0)))
    if found is None or found.status is not RoundStatus.CLOSED:
        return None
    builder = InlineKeyboard()
    builder.button(
        text=_("🗳 Open the round"), callback_data=RoundCb(action="open", round_id=found.id)
    )
    return Notice(
        _(
            "🗳 Ranking in round #{id} has closed. The allocation is ready for you to check and"
            " publish."
        ).format(id=found.id),
        builder.as_markup(),
    )


async def round_result(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await context.db.rounds.get(int(payload.get("round", 0)))
    student = await context.db.users.get(context.user_id)
    if found is None or student is None:
        return None
    builder = InlineKeyboard()
    builder.button(text=_("📌 My placement"), callback_data=MenuCb(action="myplacement"))
    line = await result_line(context.db, found, student, context.locale)
    return Notice(_("🗳 Placement round result.") + " " + line, builder.as_markup())


async def round_placed(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    placed = await context.db.rounds.placed_at(
        int(payload.get("round", 0)), int(payload.get("org", 0))
    )
    if not placed:
        return None
    return Notice(
        ngettext(
            "🗳 A placement round has placed {n} student at your school. See them in /myoffers.",
            "🗳 A placement round has placed {n} students at your school. See them in /myoffers.",
            placed,
        ).format(n=placed)
    )


async def proposal_submitted(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    proposal = await context.db.proposals.get(int(payload.get("proposal", 0)))
    if proposal is None or proposal.status is not ProposalStatus.PENDING:
        return None
    student = await context.db.users.get(proposal.student_id)
    builder = InlineKeyboard()
    builder.button(
        text=_("🏠 Open the proposal"),
        callback_data=ProposalCb(action="open", proposal_id=proposal.id),
    )
    return Notice(
        _("🏠 {student} proposes their own practice school: {school}, {period}.").format(
            student=esc(student.full_name if student else "—"),
            school=await school_text(context.db, proposal, context.locale),
            period=period(proposal.starts_on, proposal.ends_on),
        ),
        builder.as_markup(),
    )


async def proposal_approved(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    proposal = await context.db.proposals.get(int(payload.get("proposal", 0)))
    if proposal is None or proposal.status is not ProposalStatus.APPROVED:
        return None
    builder = InlineKeyboard()
    builder.button(text=_("📌 My placement"), callback_data=MenuCb(action="myplacement"))
    return Notice(
        _("✅ Your proposal is approved: you are placed at {school} for {kind}, {period}.").format(
            school=await school_text(context.db, proposal, context.locale),
            kind=kind_name(proposal.kind),
            period=period(proposal.starts_on, proposal.ends_on),
        ),
        builder.as_markup(),
    )


async def proposal_declined(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    proposal = await context.db.proposals.get(int(payload.get("proposal", 0)))
    if proposal is None or proposal.status is not ProposalStatus.DECLINED:
        return None
    return Notice(
        _(
            "Your proposal of {school} is declined: {reason}. You can propose another school"
            " (/propose) or choose from /offers."
        ).format(
            school=await school_text(context.db, proposal, context.locale),
            reason=esc(proposal.reason or "—"),
        )
    )


def document_name(context: NoticeContext, key: str) -> str:
    document = configured(context.settings, key)
    return esc(document.name(context.locale) if document else key)


def documents_button() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("📄 My documents"), callback_data=MenuCb(action="documents"))
    return builder.as_markup()


async def document_verified(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    return Notice(
        _("✅ Your document “{name}” is verified.").format(
            name=document_name(context, str(payload.get("key", "")))
        )
    )


async def document_returned(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    key = str(payload.get("key", ""))
    held = (await context.db.clearance.held(context.user_id)).get(key)
    if held is None or held.status is not DocumentStatus.RETURNED:
        return None  # uploaded again meanwhile
    return Notice(
        _("↩️ Your document “{name}” was returned: {reason}. Please upload it again.").format(
            name=document_name(context, key), reason=esc(held.reason or "—")
        ),
        documents_button(),
    )


async def documents_missing(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    student = await context.db.users.get(context.user_id)
    if student is None:
        return None
    line = await missing_line(context.db, student, context.settings)
    if line is None:
        return None  # in order meanwhile
    return Notice(_("⏰ Your practice starts within a week.") + " " + line, documents_button())


async def documents_uncleared(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    ids = [int(i) for i in payload.get("applications", [])]
    applications = await context.db.placements.applications_by_ids(ids)
    students = await context.db.users.by_ids([a.student_id for a in applications.values()])
    names = sorted(students[a.student_id].full_name for a in applications.values())
    if not names:
        return None
    builder = InlineKeyboard()
    builder.button(text=_("📄 Documents to check"), callback_data=MenuCb(action="checkdocs"))
    return Notice(
        ngettext(
            "📄 {n} student starting practice within a week has documents not in order: {names}.",
            "📄 {n} students starting practice within a week have documents not in order: {names}.",
            len(names),
        ).format(n=len(names), names=esc(", ".join(names))),
        builder.as_markup(),
    )


RENDERERS: dict[str, Renderer] = {
    "placement.applied": applied,
    "placement.approved": approved,
    "placement.new_student": new_student,
    "placement.decided": decided,
    "placement.rejected": rejected,
    "placement.cancelled": cancelled,
    "placement.student_left": student_left,
    "placement.withdrawn": withdrawn,
    "placement.promoted": promoted,
    "placement.moved_to_waitlist": moved_to_waitlist,
    "placement.offer_changed": offer_changed,
    "placement.offer_closed": offer_closed,
    "placement.mentor_assigned": mentor_assigned,
    "placement.mentor_set": mentor_set,
    "placement.mentor_left": mentor_left,
    "placement.mentor_needed": mentor_needed,
    "round.opened": round_opened,
    "round.ready": round_ready,
    "round.result": round_result,
    "round.placed": round_placed,
    "proposal.submitted": proposal_submitted,
    "proposal.approved": proposal_approved,
    "proposal.declined": proposal_declined,
    "document.verified": document_verified,
    "document.returned": document_returned,
    "documents.missing": documents_missing,
    "documents.uncleared": documents_uncleared,
}
