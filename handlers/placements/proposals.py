"""Own-school proposals: a student proposes where to practise; a coordinator decides."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.models import User
from db.domain.placements import PARTNER_KINDS, NoMemorandum, PracticeKind, parse_kind
from db.domain.proposals import (
    ADDRESS_MAX,
    CITY_MAX,
    CONTACT_MAX,
    SCHOOL_NAME_MAX,
    NewSchool,
    ProposalDecided,
    ProposalPending,
    ProposalStatus,
    SchoolProposal,
    clean_field,
)
from db.domain.roles import STAFF, STUDENTS
from handlers.kit.callbacks import MenuCb, OrgPickCb
from handlers.kit.common import cancel_button, cancel_item
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.guards import or_refuse
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.orgpicker import OrgPage, org_page_keyboard
from handlers.kit.texts import not_allowed, send_text_please
from handlers.kit.ui import show
from handlers.placements.callbacks import ProposalCb, ProposeCb
from handlers.placements.period import first_day_question, read_first_day, read_last_day
from handlers.placements.states import DeclineProposal, ProposeFlow, ProposeForm
from handlers.placements.texts import (
    kind_buttons,
    kind_name,
    no_memorandum,
    org_title,
    value_problem,
)

PICKER = "propose"


async def school_text(db: Database, proposal: SchoolProposal, locale: str) -> str:
    if proposal.organization_id is not None:
        return org_title(await db.orgs.get(proposal.organization_id), locale)
    assert proposal.new_school is not None
    return f"{esc(proposal.new_school.name)}, {esc(proposal.new_school.city)}"


def period(starts_on: date, ends_on: date) -> str:
    return f"{fmt_date(starts_on)} – {fmt_date(ends_on)}"


def proposal_problem(problem: DomainError) -> str:
    if isinstance(problem, ProposalPending):
        return _("You already have a proposal awaiting a decision. See /propose.")
    if isinstance(problem, ProposalDecided):
        return _("This proposal has already been decided or withdrawn.")
    if isinstance(problem, InvalidValue):
        return value_problem(problem)
    if isinstance(problem, NotAllowed | NotFound):
        return not_allowed()
    return _("This cannot be done.")


# ----- the student's side -------------------------------------------------------------------


async def propose_view(
    user: User, db: Database, state: FSMContext
) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    builder = InlineKeyboard()
    latest = await db.proposals.latest_of(user.id)
    if latest is not None and latest.status is ProposalStatus.PENDING:
        builder.button(
            text=_("↩️ Withdraw the proposal"),
            callback_data=ProposeCb(action="withdraw", proposal_id=latest.id),
        )
        back_to_menu_button(builder)
        builder.adjust(1)
        text = _("Your proposal is awaiting the coordinator's decision: {school}, {period}.")
        return text.format(
            school=await school_text(db, latest, user.locale),
            period=period(latest.starts_on, latest.ends_on),
        ), builder.as_markup()
    await start_form(state, ProposeForm())
    await state.set_state(ProposeFlow.kind)
    kind_buttons(builder, lambda kind: ProposeCb(action="kind", value=kind.value))
    cancel_button(builder)
    builder.adjust(1)
    return _(
        "Propose your own practice school — for example in your home town. The coordinator"
        " decides; you will be told. Which practice is it for?"
    ), builder.as_markup()


async def propose_command(message: Message, user: User, db: Database, state: FSMContext) -> None:
    text, markup = await propose_view(user, db, state)
    await message.answer(text, reply_markup=markup)


async def propose_button(query: CallbackQuery, user: User, db: Database, state: FSMContext) -> None:
    text, markup = await propose_view(user, db, state)
    await show(query, text, markup)


async def school_view(
    db: Database, state: FSMContext, locale: str, query_text: str = "", page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    await state.set_state(ProposeFlow.school)
    found = await OrgPage.load(db, sorted(PARTNER_KINDS), page, query_text, locale)
    new = InlineKeyboard()
    new.button(text=_("➕ It is not in the list"), callback_data=ProposeCb(action="new"))
    [[new_button]] = new.as_markup().inline_keyboard
    return (
        _("Which school or kindergarten? Choose it, or type part of its name to search:"),
        org_page_keyboard(found, locale, PICKER, new_button, cancel_item()),
    )


async def kind_chosen(
    query: CallbackQuery, callback_data: ProposeCb, db: Database, state: FSMContext, locale: str
) -> None:
    if parse_kind(callback_data.value) is None:
        await query.answer(not_allowed(), show_alert=True)
        return
    await write_form(state, ProposeForm(kind=callback_data.value))
    text, markup = await school_view(db, state, locale)
    await show(query, text, markup)


async def school_searched(message: Message, db: Database, state: FSMContext, locale: str) -> None:
    text, markup = await school_view(db, state, locale, (message.text or "").strip())
    await message.answer(text, reply_markup=markup)


async def school_picked(
    query: CallbackQuery, callback_data: OrgPickCb, db: Database, state: FSMContext, locale: str
) -> None:
    if callback_data.org_id is None:
        text, markup = await school_view(db, state, locale, page=callback_data.page or 0)
        await show(query, text, markup)
        return
    org = await db.orgs.get(callback_data.org_id)
    if org is None or org.kind not in PARTNER_KINDS:
        await query.answer(not_allowed(), show_alert=True)
        return
    await write_form(state, ProposeForm(organization_id=org.id))
    await state.set_state(ProposeFlow.starts_on)
    await show(query, first_day_question())


async def new_school(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(ProposeFlow.name)
    await show(query, _("The school's full name, as it is written on its sign:"))


def field_problem(problem: InvalidValue) -> str:
    if problem.detail == "too_long":
        return _("That is too long; please shorten it.")
    return _("That is too short; please write it in full.")


async def read_field(message: Message, field: str, longest: int, shortest: int = 2) -> str | None:
    """The school's detail typed, cleaned; None after saying what is wrong with it."""
    try:
        return clean_field(message.text or "", field, longest, shortest)
    except InvalidValue as problem:
        await message.answer(field_problem(problem))
        return None


async def name_written(message: Message, state: FSMContext) -> None:
    name = await read_field(message, "school_name", SCHOOL_NAME_MAX, 3)
    if name is None:
        return
    await write_form(state, ProposeForm(name=name))
    await state.set_state(ProposeFlow.city)
    await message.answer(_("City, town or village:"))


async def city_written(message: Message, state: FSMContext) -> None:
    city = await read_field(message, "city", CITY_MAX)
    if city is None:
        return
    await write_form(state, ProposeForm(city=city))
    await state.set_state(ProposeFlow.address)
    await message.answer(_("Street address:"), reply_markup=skip_keyboard("address"))


def skip_keyboard(step: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("Skip ▶️"), callback_data=ProposeCb(action="skip", value=step))
    cancel_button(builder)
    builder.adjust(2)
    return builder.as_markup()


async def address_written(message: Message, state: FSMContext) -> None:
    address = await read_field(message, "address", ADDRESS_MAX)
    if address is None:
        return
    await write_form(state, ProposeForm(address=address))
    await ask_contact(message, state)


async def ask_contact(message: Message, state: FSMContext) -> None:
    await state.set_state(ProposeFlow.contact)
    await message.answer(
        _("Whom can the coordinator contact there (a name and a phone number)?"),
        reply_markup=skip_keyboard("contact"),
    )


async def contact_written(message: Message, state: FSMContext) -> None:
    contact = await read_field(message, "contact", CONTACT_MAX)
    if contact is None:
        return
    await write_form(state, ProposeForm(contact=contact))
    await ask_start(message, state)


async def ask_start(message: Message, state: FSMContext) -> None:
    await state.set_state(ProposeFlow.starts_on)
    await message.answer(first_day_question())


async def skipped(
    query: CallbackQuery, callback_data: ProposeCb, state: FSMContext, db: Database, user: User
) -> None:
    step = await state.get_state()
    message = query.message
    await query.answer()
    if not isinstance(message, Message):
        return
    if callback_data.value == "address" and step == ProposeFlow.address.state:
        await ask_contact(message, state)
    elif callback_data.value == "contact" and step == ProposeFlow.contact.state:
        await ask_start(message, state)
    elif callback_data.value == "note" and step == ProposeFlow.note.state:
        await write_form(state, ProposeForm(note=""))
        await confirm(message, db, state, user)


async def start_written(message: Message, db: Database, state: FSMContext) -> None:
    starts_on = await read_first_day(message, db)
    if starts_on is None:
        return
    await write_form(state, ProposeForm(starts_on=starts_on.isoformat()))
    await state.set_state(ProposeFlow.ends_on)
    await message.answer(_("Last day of the practice:"))


async def end_written(message: Message, db: Database, state: FSMContext) -> None:
    data = await read_form(state, ProposeForm)
    ends_on = await read_last_day(message, date.fromisoformat(data["starts_on"]))
    if ends_on is None:
        return
    await write_form(state, ProposeForm(ends_on=ends_on.isoformat()))
    await state.set_state(ProposeFlow.note)
    await message.answer(
        _("Anything the coordinator should know (why this school, who agreed to mentor you)?"),
        reply_markup=skip_keyboard("note"),
    )


async def note_written(message: Message, db: Database, state: FSMContext, user: User) -> None:
    await write_form(state, ProposeForm(note=(message.text or "")[:1000]))
    await confirm(message, db, state, user)


async def confirm(message: Message, db: Database, state: FSMContext, user: User) -> None:
    data = await read_form(state, ProposeForm)
    await state.set_state(ProposeFlow.confirm)
    if "organization_id" in data:
        school = org_title(await db.orgs.get(data["organization_id"]), user.locale)
    else:
        school = f"{esc(data.get('name', ''))}, {esc(data.get('city', ''))}"
    lines = [
        _("<b>Your proposal</b>"),
        _("Practice: {kind}").format(kind=kind_name(PracticeKind(data["kind"]))),
        _("School: {school}").format(school=school),
        _("Period: {period}").format(
            period=period(
                date.fromisoformat(data["starts_on"]), date.fromisoformat(data["ends_on"])
            )
        ),
    ]
    if data.get("note"):
        lines.append(_("Note: {note}").format(note=esc(data["note"])))
    builder = InlineKeyboard()
    builder.button(text=_("📤 Send the proposal"), callback_data=ProposeCb(action="send"))
    cancel_button(builder)
    builder.adjust(1)
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


async def send(query: CallbackQuery, user: User, db: Database, state: FSMContext) -> None:
    data = await read_form(state, ProposeForm)
    school: int | NewSchool = (
        data["organization_id"]
        if "organization_id" in data
        else NewSchool(data["name"], data["city"], data.get("address"), data.get("contact"))
    )
    try:
        await db.proposals.submit(
            user,
            PracticeKind(data["kind"]),
            school,
            date.fromisoformat(data["starts_on"]),
            date.fromisoformat(data["ends_on"]),
            data.get("note") or None,
        )
    except DomainError as problem:
        await query.answer(proposal_problem(problem), show_alert=True)
        return
    await state.clear()
    await show(query, _("Sent. The coordinator will decide, and you will be told."))


async def withdraw(
    query: CallbackQuery, callback_data: ProposeCb, user: User, db: Database
) -> None:
    try:
        await db.proposals.withdraw(user, callback_data.proposal_id)
    except DomainError as problem:
        await query.answer(proposal_problem(problem), show_alert=True)
        return
    await show(query, _("Your proposal is withdrawn."))


# ----- the coordinator's side ---------------------------------------------------------------


async def proposals_view(db: Database, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    pending = await db.proposals.pending()
    builder = InlineKeyboard()
    if not pending:
        back_to_menu_button(builder)
        return _("No proposals of own schools are waiting for a decision."), builder.as_markup()
    students = await db.users.by_ids([p.student_id for p in pending])
    lines = [_("<b>Students' own-school proposals</b>")]
    for proposal in pending:
        lines.append(
            _("No. {n}").format(n=proposal.id)
            + f" · {esc(students[proposal.student_id].full_name)} — "
            f"{await school_text(db, proposal, locale)}, "
            f"{period(proposal.starts_on, proposal.ends_on)}"
        )
        builder.button(
            text=_("No. {n}").format(n=proposal.id),
            callback_data=ProposalCb(action="open", proposal_id=proposal.id),
        )
    back_to_menu_button(builder)
    builder.adjust(*([min(len(pending), 5)] * (-(-len(pending) // 5))), 1)
    return "\n".join(lines), builder.as_markup()


async def proposal_card(
    db: Database, proposal: SchoolProposal, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    student = await db.users.get(proposal.student_id)
    assert student is not None
    lines = [
        _("<b>Proposal #{id}</b>").format(id=proposal.id),
        _("Student: {name}").format(name=esc(student.full_name))
        + (f" · {esc(student.programme)}" if student.programme else "")
        + (f" · {student.study_year}" if student.study_year else ""),
        _("Practice: {kind}").format(kind=kind_name(proposal.kind)),
        _("School: {school}").format(school=await school_text(db, proposal, locale)),
        _("Period: {period}").format(period=period(proposal.starts_on, proposal.ends_on)),
    ]
    if proposal.new_school is not None:
        lines.append(_("⚠️ Not in the directory yet: approving adds it."))
        if proposal.new_school.address:
            lines.append(_("Address: {address}").format(address=esc(proposal.new_school.address)))
        if proposal.new_school.contact:
            lines.append(_("Contact: {contact}").format(contact=esc(proposal.new_school.contact)))
    if proposal.note:
        lines.append(_("Note: {note}").format(note=esc(proposal.note)))
    builder = InlineKeyboard()
    if proposal.status is ProposalStatus.PENDING:
        builder.button(
            text=_("✅ Approve"),
            callback_data=ProposalCb(action="approve", proposal_id=proposal.id),
        )
        builder.button(
            text=_("❌ Decline"),
            callback_data=ProposalCb(action="decline", proposal_id=proposal.id),
        )
    builder.button(text=_("⬅️ Proposals"), callback_data=ProposalCb(action="list"))
    builder.adjust(2, 1)
    return "\n".join(lines), builder.as_markup()


async def proposals_command(message: Message, db: Database, state: FSMContext, locale: str) -> None:
    await state.clear()
    text, markup = await proposals_view(db, locale)
    await message.answer(text, reply_markup=markup)


async def proposals_list(
    query: CallbackQuery, db: Database, state: FSMContext, locale: str
) -> None:
    await state.clear()
    text, markup = await proposals_view(db, locale)
    await show(query, text, markup)


async def open_proposal(
    query: CallbackQuery, callback_data: ProposalCb, db: Database, locale: str
) -> None:
    proposal = await or_refuse(query, await db.proposals.get(callback_data.proposal_id))
    if proposal is None:
        return
    text, markup = await proposal_card(db, proposal, locale)
    await show(query, text, markup)


async def approve(
    query: CallbackQuery, callback_data: ProposalCb, user: User, db: Database, locale: str
) -> None:
    try:
        approval = await db.proposals.approve(user, callback_data.proposal_id)
    except DomainError as problem:
        await query.answer(proposal_problem(problem), show_alert=True)
        return
    school = org_title(await db.orgs.get(approval.organization_id), locale)
    if not approval.placed:
        text = (
            no_memorandum_for(approval.proposal)
            + "\n\n"
            + _(
                "{school} is now in the directory as a candidate partner. Record a memorandum"
                " with it (/memorandum), then approve again."
            ).format(school=school)
        )
    else:
        text = _("Approved: the student is placed at {school} and has been told.").format(
            school=school
        )
        if not approval.has_memorandum:
            text += "\n" + _(
                "⚠️ {school} has no memorandum for this period yet: it is a candidate partner."
                " A memorandum is needed (/memorandum)."
            ).format(school=school)
    card, markup = await proposal_card(db, approval.proposal, locale)
    await show(query, text + "\n\n" + card, markup)


def no_memorandum_for(proposal: SchoolProposal) -> str:
    return no_memorandum(NoMemorandum(0, proposal.starts_on, proposal.ends_on))


async def ask_reason(
    query: CallbackQuery, callback_data: ProposalCb, db: Database, state: FSMContext
) -> None:
    proposal = await or_refuse(query, await db.proposals.get(callback_data.proposal_id))
    if proposal is None:
        return
    if proposal.status is not ProposalStatus.PENDING:
        await query.answer(proposal_problem(ProposalDecided(proposal.status)), show_alert=True)
        return
    await state.set_state(DeclineProposal.reason)
    await state.update_data(proposal=proposal.id)
    builder = InlineKeyboard()
    cancel_button(builder)
    await show(
        query,
        _("Why is it declined? The student will read this."),
        builder.as_markup(),
    )


async def reason_written(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    data = await state.get_data()
    try:
        declined = await db.proposals.decline(
            user, int(data.get("proposal", 0)), message.text or ""
        )
    except InvalidValue as problem:
        await message.answer(value_problem(problem))
        return
    except DomainError as problem:
        await state.clear()
        await message.answer(proposal_problem(problem))
        return
    await state.clear()
    card, markup = await proposal_card(db, declined, locale)
    await message.answer(
        _("Declined; the student has been told.") + "\n\n" + card, reply_markup=markup
    )


async def text_expected(message: Message) -> None:
    await message.answer(send_text_please())


def get_router() -> Router:
    router = Router(name="proposals")
    students = HasRole(*STUDENTS)
    staff = HasRole(*STAFF)
    router.message.register(propose_command, Command("propose"), students)
    router.callback_query.register(propose_button, MenuCb.filter(F.action == "propose"), students)
    router.callback_query.register(
        kind_chosen, ProposeFlow.kind, ProposeCb.filter(F.action == "kind"), students
    )
    router.message.register(school_searched, ProposeFlow.school, F.text, students)
    router.callback_query.register(
        school_picked, ProposeFlow.school, OrgPickCb.filter(F.purpose == PICKER), students
    )
    router.callback_query.register(
        new_school, ProposeFlow.school, ProposeCb.filter(F.action == "new"), students
    )
    router.message.register(name_written, ProposeFlow.name, F.text, students)
    router.message.register(city_written, ProposeFlow.city, F.text, students)
    router.message.register(address_written, ProposeFlow.address, F.text, students)
    router.message.register(contact_written, ProposeFlow.contact, F.text, students)
    router.message.register(start_written, ProposeFlow.starts_on, F.text, students)
    router.message.register(end_written, ProposeFlow.ends_on, F.text, students)
    router.message.register(note_written, ProposeFlow.note, F.text, students)
    router.callback_query.register(skipped, ProposeCb.filter(F.action == "skip"), students)
    router.callback_query.register(
        send, ProposeFlow.confirm, ProposeCb.filter(F.action == "send"), students
    )
    router.callback_query.register(withdraw, ProposeCb.filter(F.action == "withdraw"), students)
    for step in (
        ProposeFlow.name,
        ProposeFlow.city,
        ProposeFlow.address,
        ProposeFlow.contact,
        ProposeFlow.starts_on,
        ProposeFlow.ends_on,
        ProposeFlow.note,
    ):
        router.message.register(text_expected, step, students)
    router.message.register(proposals_command, Command("proposals"), staff)
    router.callback_query.register(proposals_list, MenuCb.filter(F.action == "proposals"), staff)
    router.callback_query.register(proposals_list, ProposalCb.filter(F.action == "list"), staff)
    router.callback_query.register(open_proposal, ProposalCb.filter(F.action == "open"), staff)
    router.callback_query.register(approve, ProposalCb.filter(F.action == "approve"), staff)
    router.callback_query.register(ask_reason, ProposalCb.filter(F.action == "decline"), staff)
    router.message.register(reason_written, DeclineProposal.reason, F.text, staff)
    router.message.register(text_expected, DeclineProposal.reason, staff)
    return router
