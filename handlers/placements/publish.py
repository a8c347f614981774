"""Directors and coordinators: /newoffer to publish practice places, /myoffers to manage them."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue
from db.domain.models import Organization, Role, User
from db.domain.placements import (
    PARTNER_KINDS,
    PLACES_MAX,
    Offer,
    OfferChanges,
    OfferInput,
    PracticeKind,
    can_manage,
    clean_subject,
    parse_kind,
)
from db.domain.roles import OFFER_MANAGERS, STAFF
from handlers.kit.callbacks import MenuCb, OrgPickCb
from handlers.kit.common import cancel_button, cancel_item
from handlers.kit.dates import parse_date
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.guards import or_refuse
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.orgpicker import OrgPage, org_page_keyboard
from handlers.kit.texts import not_allowed, send_text_please, stale_button, use_buttons_please
from handlers.kit.ui import show
from handlers.placements.callbacks import ManageCb, NewOfferCb
from handlers.placements.period import (
    date_hint,
    first_day_question,
    read_first_day,
    read_last_day,
)
from handlers.placements.states import EditOffer, NewOffer, OfferForm
from handlers.placements.texts import (
    kind_buttons,
    kind_name,
    no_memorandum,
    offer_card,
    org_title,
    placement_problem,
    places_hint,
    staff_offer_line,
    subject_problem,
    value_problem,
)

PAGE_SIZE = 6
EDITABLE = ("places", "dates", "subject", "notes", "mentors")


def parse_places(text: str) -> int | None:
    value = text.strip()
    if not value.isdigit() or len(value) > 3 or not 1 <= int(value) <= PLACES_MAX:
        return None
    return int(value)


def mentor_toggle_keyboard(
    mentors: list[User], chosen: list[int], done: CallbackData
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for mentor in mentors:
        mark = "☑️" if mentor.id in chosen else "⬜"
        builder.button(
            text=f"{mark} {mentor.full_name}",
            callback_data=NewOfferCb(action="mentor", value=str(mentor.id)),
        )
    builder.button(text=_("Done ✅"), callback_data=done)
    cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def draft_text(data: OfferForm, org: Organization | None, mentors: list[User], locale: str) -> str:
    starts_on, ends_on = date.fromisoformat(data["starts_on"]), date.fromisoformat(data["ends_on"])
    lines = [
        _("<b>Check the offer before publishing</b>"),
        "",
        f"🏫 {org_title(org, locale)}",
        _("Practice: {kind}").format(kind=kind_name(PracticeKind(data["kind"]))),
        _("Subject or age group: {subject}").format(subject=esc(data["subject"])),
        _("Period: {start} – {end}").format(start=fmt_date(starts_on), end=fmt_date(ends_on)),
        _("Places: {n}").format(n=data["places"]),
    ]
    if mentors:
        lines.append(
            _("Mentors: {names}").format(names=", ".join(esc(m.full_name) for m in mentors))
        )
    if data.get("notes"):
        lines.append(_("Notes: {notes}").format(notes=esc(data["notes"])))
    return "\n".join(lines)


async def offers_page(
    db: Database, user: User, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    offers, total = await db.placements.managed_offers(user, page * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    orgs = await db.orgs.by_ids([offer.organization_id for offer in offers])
    builder = InlineKeyboard()
    if not offers:
        text = _("No practice offers yet. Publish one with /newoffer.")
    else:
        lines = [
            staff_offer_line(
                page * PAGE_SIZE + i + 1, offer, orgs.get(offer.organization_id), locale
            )
            for i, offer in enumerate(offers)
        ]
        text = _("Practice offers ({total}):").format(total=total) + "\n\n" + "\n\n".join(lines)
        for i, offer in enumerate(offers):
            builder.button(
                text=str(page * PAGE_SIZE + i + 1),
                callback_data=ManageCb(action="open", offer_id=offer.id),
            )
    navigation = []
    if page > 0:
        navigation.append(("◀️", page - 1))
    if page + 1 < pages:
        navigation.append(("▶️", page + 1))
    for label, target in navigation:
        builder.button(text=label, callback_data=ManageCb(action="list", value=target))
    builder.button(text=_("➕ New offer"), callback_data=MenuCb(action="newoffer"))
    back_to_menu_button(builder)
    builder.adjust(
        *([len(offers)] if offers else []), *([len(navigation)] if navigation else []), 1, 1
    )
    return text, builder.as_markup()


async def manage_view(
    db: Database, user: User, offer: Offer, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    org = await db.orgs.get(offer.organization_id)
    mentors = list((await db.users.by_ids(offer.mentor_ids)).values())
    text = f"#{offer.id}\n" + offer_card(offer, org, mentors, locale)
    text += "\n\n" + _(
        "Placed: {taken} of {places}. Under review: {pending}. Waiting list: {waiting}."
    ).format(
        taken=offer.taken, places=offer.places, pending=offer.pending, waiting=offer.waitlisted
    )
    builder = InlineKeyboard()
    active = offer.taken + offer.pending + offer.waitlisted
    builder.button(
        text=_("📥 Applications ({n})").format(n=active),
        callback_data=ManageCb(action="apps", offer_id=offer.id),
    )
    builder.button(text=_("✏️ Edit"), callback_data=ManageCb(action="edit", offer_id=offer.id))
    if offer.is_open:
        builder.button(
            text=_("🔒 Close for applications"),
            callback_data=ManageCb(action="close", offer_id=offer.id),
        )
    else:
        builder.button(
            text=_("🔓 Reopen"), callback_data=ManageCb(action="reopen", offer_id=offer.id)
        )
    if user.role in STAFF:
        builder.button(
            text=_("➕ Place a student"), callback_data=ManageCb(action="place", offer_id=offer.id)
        )
    builder.button(text=_("⬅️ All offers"), callback_data=ManageCb(action="list"))
    builder.adjust(1)
    return text, builder.as_markup()


async def load_managed_offer(db: Database, user: User, offer_id: int) -> Offer | None:
    """The offer, if this person may manage it (a forged id from another school gives None)."""
    offer = await db.placements.offer(offer_id)
    if offer is None or not can_manage(user, offer.organization_id):
        return None
    return offer


# ----- publishing a new offer ---------------------------------------------------------------


async def begin(
    user: User, db: Database, state: FSMContext, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    if user.role is Role.DIRECTOR:
        if user.organization_id is None:
            return not_allowed(), InlineKeyboard().as_markup()
        await write_form(state, OfferForm(offer_org=user.organization_id))
        return await ask_kind(state)
    await state.set_state(NewOffer.organization)
    page = await OrgPage.load(db, sorted(PARTNER_KINDS), 0, "", locale)
    return _(
        "Which school or kindergarten offers the places? Choose, or type part of its name:"
    ), org_page_keyboard(page, locale, "offerorg", cancel_item())


async def ask_kind(state: FSMContext) -> tuple[str, InlineKeyboardMarkup]:
    await state.set_state(NewOffer.kind)
    builder = InlineKeyboard()
    kind_buttons(builder, lambda kind: NewOfferCb(action="kind", value=kind.value))
    cancel_button(builder)
    builder.adjust(1)
    return _("Which practice are the places for?"), builder.as_markup()


async def new_offer_command(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    text, markup = await begin(user, db, state, locale)
    await message.answer(text, reply_markup=markup)


async def new_offer_button(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    text, markup = await begin(user, db, state, locale)
    await show(query, text, markup)


async def search_school(message: Message, db: Database, state: FSMContext, locale: str) -> None:
    query_text = (message.text or "")[:100]
    await write_form(state, OfferForm(org_query=query_text))
    page = await OrgPage.load(db, sorted(PARTNER_KINDS), 0, query_text, locale)
    text = (
        _("Choose the school:")
        if page.total
        else _("Nothing found. Type another part of the name.")
    )
    await message.answer(
        text, reply_markup=org_page_keyboard(page, locale, "offerorg", cancel_item())
    )


async def school_chosen(
    query: CallbackQuery, callback_data: OrgPickCb, db: Database, state: FSMContext, locale: str
) -> None:
    if callback_data.page is not None:
        data = await read_form(state, OfferForm)
        page = await OrgPage.load(
            db, sorted(PARTNER_KINDS), callback_data.page, data.get("org_query", ""), locale
        )
        await show(
            query,
            _("Choose the school:"),
            org_page_keyboard(page, locale, "offerorg", cancel_item()),
        )
        return
    org = await db.orgs.get(callback_data.org_id or 0)
    if org is None or org.kind not in PARTNER_KINDS:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, OfferForm(offer_org=org.id))
    text, markup = await ask_kind(state)
    await show(query, esc(org.name(locale)) + "\n\n" + text, markup)


async def kind_chosen(query: CallbackQuery, callback_data: NewOfferCb, state: FSMContext) -> None:
    if parse_kind(callback_data.value) is None:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, OfferForm(kind=callback_data.value))
    await state.set_state(NewOffer.subject)
    await show(
        query,
        _(
            "Subject or age group, for example “Informatics”, “Robotics” or “Preschool "
            "group, 5–6 years”:"
        ),
    )


async def subject_written(message: Message, state: FSMContext) -> None:
    try:
        subject = clean_subject(message.text or "")
    except InvalidValue as problem:
        await message.answer(subject_problem(problem.detail))
        return
    await write_form(state, OfferForm(subject=subject))
    await state.set_state(NewOffer.starts_on)
    await message.answer(first_day_question())


async def start_written(message: Message, db: Database, state: FSMContext) -> None:
    starts_on = await read_first_day(message, db)
    if starts_on is None:
        return
    await write_form(state, OfferForm(starts_on=starts_on.isoformat()))
    await state.set_state(NewOffer.ends_on)
    await message.answer(_("Last day of the practice:"))


async def end_written(message: Message, db: Database, state: FSMContext) -> None:
    data = await read_form(state, OfferForm)
    starts_on = date.fromisoformat(data["starts_on"])
    ends_on = await read_last_day(message, starts_on)
    if ends_on is None:
        return
    uncovered = await db.placements.memorandum_problem(int(data["offer_org"]), starts_on, ends_on)
    if uncovered is not None:
        await state.set_state(NewOffer.starts_on)
        await message.answer(no_memorandum(uncovered) + "\n\n" + first_day_question())
        return
    await write_form(state, OfferForm(ends_on=ends_on.isoformat()))
    await state.set_state(NewOffer.places)
    await message.answer(_("How many students can you take?"))


async def places_written(message: Message, db: Database, state: FSMContext) -> None:
    places = parse_places(message.text or "")
    if places is None:
        await message.answer(places_hint())
        return
    await write_form(state, OfferForm(places=places, mentors=[]))
    data = await read_form(state, OfferForm)
    mentors = await db.placements.mentors_of(int(data["offer_org"]))
    if not mentors:
        await ask_notes(
            message,
            state,
            _(
                "No mentors of this school are registered yet; you can assign them to "
                "students later."
            ),
        )
        return
    await state.set_state(NewOffer.mentors)
    await message.answer(
        _(
            "Who will mentor the students? Tap names to select them, then Done (or just "
            "Done to decide later)."
        ),
        reply_markup=mentor_toggle_keyboard(mentors, [], NewOfferCb(action="mentors_done")),
    )


async def ask_notes(message: Message, state: FSMContext, prefix: str = "") -> None:
    await state.set_state(NewOffer.notes)
    builder = InlineKeyboard()
    builder.button(text=_("Skip ▶️"), callback_data=NewOfferCb(action="skip_notes"))
    cancel_button(builder)
    builder.adjust(2)
    text = _(
        "Anything students should know (schedule, documents, what to bring)? Write it, or Skip."
    )
    await message.answer(
        (prefix + "\n\n" if prefix else "") + text, reply_markup=builder.as_markup()
    )


async def mentor_toggled(
    query: CallbackQuery, callback_data: NewOfferCb, db: Database, state: FSMContext
) -> None:
    data = await read_form(state, OfferForm)
    org_id = int(data.get("offer_org", 0))
    mentors = await db.placements.mentors_of(org_id)
    if not callback_data.value.isdigit() or int(callback_data.value) not in {m.id for m in mentors}:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    chosen = list(data.get("mentors", []))
    mentor_id = int(callback_data.value)
    if mentor_id in chosen:
        chosen.remove(mentor_id)
    else:
        chosen.append(mentor_id)
    await write_form(state, OfferForm(mentors=chosen))
    editing = await state.get_state() == EditOffer.mentors.state
    done = (
        ManageCb(action="mentors_saved", offer_id=int(data.get("edit_offer", 0)))
        if editing
        else NewOfferCb(action="mentors_done")
    )
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(
            reply_markup=mentor_toggle_keyboard(mentors, chosen, done)
        )


async def mentors_done(query: CallbackQuery, state: FSMContext) -> None:
    if isinstance(query.message, Message):
        await show(query, _("Mentors noted."))
        await ask_notes(query.message, state)


async def preview(message: Message, db: Database, state: FSMContext, locale: str) -> None:
    data = await read_form(state, OfferForm)
    await state.set_state(NewOffer.confirm)
    org = await db.orgs.get(int(data["offer_org"]))
    mentors = list((await db.users.by_ids(data.get("mentors", []))).values())
    builder = InlineKeyboard()
    builder.button(text=_("✅ Publish"), callback_data=NewOfferCb(action="publish"))
    cancel_button(builder)
    builder.adjust(1)
    await message.answer(draft_text(data, org, mentors, locale), reply_markup=builder.as_markup())


async def notes_written(message: Message, db: Database, state: FSMContext, locale: str) -> None:
    notes = (message.text or "").strip()
    if len(notes) > 1000:
        await message.answer(_("Please keep the notes under 1000 characters."))
        return
    await write_form(state, OfferForm(notes=notes))
    await preview(message, db, state, locale)


async def notes_skipped(query: CallbackQuery, db: Database, state: FSMContext, locale: str) -> None:
    await write_form(state, OfferForm(notes=None))
    if isinstance(query.message, Message):
        await show(query, _("No notes."))
        await preview(query.message, db, state, locale)


async def publish(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    data = await read_form(state, OfferForm)
    try:
        offer = await db.placements.create_offer(
            user,
            OfferInput(
                organization_id=int(data["offer_org"]),
                kind=PracticeKind(data["kind"]),
                subject=data["subject"],
                starts_on=date.fromisoformat(data["starts_on"]),
                ends_on=date.fromisoformat(data["ends_on"]),
                places=int(data["places"]),
                notes=data.get("notes"),
                mentor_ids=tuple(data.get("mentors", [])),
            ),
        )
    except DomainError as problem:  # the draft and its card stay: fix and press again
        await query.answer(placement_problem(problem), show_alert=True)
        return
    except (KeyError, ValueError):
        await state.clear()
        await show(query, stale_button())
        return
    await state.clear()
    text, markup = await manage_view(db, user, offer, locale)
    await show(query, _("Published: students can now apply.") + "\n\n" + text, markup)


# ----- the list and one offer ---------------------------------------------------------------


async def my_offers_command(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    await state.clear()
    text, markup = await offers_page(db, user, 0, locale)
    await message.answer(text, reply_markup=markup)


async def my_offers_button(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    await state.clear()
    text, markup = await offers_page(db, user, 0, locale)
    await show(query, text, markup)


async def list_page(
    query: CallbackQuery, callback_data: ManageCb, user: User, db: Database, locale: str
) -> None:
    text, markup = await offers_page(db, user, max(0, callback_data.value), locale)
    await show(query, text, markup)


async def open_offer(
    query: CallbackQuery,
    callback_data: ManageCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
) -> None:
    await state.set_state(None)
    offer = await or_refuse(query, await load_managed_offer(db, user, callback_data.offer_id))
    if offer is None:
        return
    text, markup = await manage_view(db, user, offer, locale)
    await show(query, text, markup)


async def close_or_reopen(
    query: CallbackQuery, callback_data: ManageCb, user: User, db: Database, locale: str
) -> None:
    try:
        offer = await db.placements.set_open(
            user, callback_data.offer_id, callback_data.action == "reopen"
        )
    except DomainError as problem:
        await query.answer(placement_problem(problem), show_alert=True)
        return
    await query.answer(
        _("Closed for applications.") if not offer.is_open else _("Open for applications.")
    )
    text, markup = await manage_view(db, user, offer, locale)
    await show(query, text, markup)


# ----- editing ------------------------------------------------------------------------------


async def edit_menu(
    query: CallbackQuery, callback_data: ManageCb, user: User, db: Database
) -> None:
    offer = await or_refuse(query, await load_managed_offer(db, user, callback_data.offer_id))
    if offer is None:
        return
    labels = {
        "places": _("Number of places"),
        "dates": _("Dates"),
        "subject": _("Subject or age group"),
        "notes": _("Notes"),
        "mentors": _("Mentors"),
    }
    builder = InlineKeyboard()
    for index, name in enumerate(EDITABLE):
        builder.button(
            text=labels[name],
            callback_data=ManageCb(action="field", offer_id=offer.id, value=index),
        )
    builder.button(text=_("⬅️ Back"), callback_data=ManageCb(action="open", offer_id=offer.id))
    builder.adjust(1)
    await show(
        query,
        _("What would you like to change? Students concerned will be told."),
        builder.as_markup(),
    )


async def edit_field(
    query: CallbackQuery, callback_data: ManageCb, user: User, db: Database, state: FSMContext
) -> None:
    offer = await load_managed_offer(db, user, callback_data.offer_id)
    if offer is None or not 0 <= callback_data.value < len(EDITABLE):
        await query.answer(not_allowed(), show_alert=True)
        return
    name = EDITABLE[callback_data.value]
    await start_form(
        state,
        OfferForm(
            edit_offer=offer.id, offer_org=offer.organization_id, mentors=list(offer.mentor_ids)
        ),
    )
    builder = InlineKeyboard()
    cancel_button(builder)
    if name == "mentors":
        await state.set_state(EditOffer.mentors)
        mentors = await db.placements.mentors_of(offer.organization_id)
        done = ManageCb(action="mentors_saved", offer_id=offer.id)
        await show(
            query,
            _("Tap names to select the mentors, then Done."),
            mentor_toggle_keyboard(mentors, list(offer.mentor_ids), done),
        )
        return
    prompts = {
        "places": (
            EditOffer.places,
            _("New number of places (at least {taken}, already placed):").format(
                taken=max(1, offer.taken)
            ),
        ),
        "dates": (
            EditOffer.starts_on,
            _("New first day of the practice (for example 12.01.2027):"),
        ),
        "subject": (EditOffer.subject, _("New subject or age group:")),
        "notes": (EditOffer.notes, _("New notes for students (send “-” to remove them):")),
    }
    new_state, prompt = prompts[name]
    await state.set_state(new_state)
    await show(query, prompt, builder.as_markup())


async def apply_changes(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    changes: OfferChanges,
    locale: str,
) -> None:
    data = await read_form(state, OfferForm)
    try:
        offer = await db.placements.update_offer(user, int(data.get("edit_offer", 0)), changes)
    except InvalidValue as problem:
        await message.answer(value_problem(problem))
        return
    except DomainError as problem:
        await state.clear()
        await message.answer(placement_problem(problem))
        return
    await state.clear()
    text, markup = await manage_view(db, user, offer, locale)
    await message.answer(
        _("Saved. The students concerned have been told.") + "\n\n" + text, reply_markup=markup
    )


async def new_places(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    places = parse_places(message.text or "")
    if places is None:
        await message.answer(places_hint())
        return
    await apply_changes(message, user, db, state, OfferChanges(places=places), locale)


async def new_start(message: Message, db: Database, state: FSMContext) -> None:
    starts_on = parse_date(message.text or "", db.today())
    if starts_on is None:
        await message.answer(date_hint())
        return
    await write_form(state, OfferForm(new_start=starts_on.isoformat()))
    await state.set_state(EditOffer.ends_on)
    await message.answer(_("New last day of the practice:"))


async def new_end(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    data = await read_form(state, OfferForm)
    starts_on = date.fromisoformat(data["new_start"])
    ends_on = parse_date(message.text or "", starts_on)
    if ends_on is None:
        await message.answer(date_hint())
        return
    await apply_changes(
        message, user, db, state, OfferChanges(starts_on=starts_on, ends_on=ends_on), locale
    )


async def new_subject(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    await apply_changes(message, user, db, state, OfferChanges(subject=message.text or ""), locale)


async def new_notes(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    text = (message.text or "").strip()
    await apply_changes(
        message, user, db, state, OfferChanges(notes="" if text == "-" else text), locale
    )


async def mentors_saved(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    data = await read_form(state, OfferForm)
    if isinstance(query.message, Message):
        await show(query, _("Mentors noted."))
        changes = OfferChanges(mentor_ids=tuple(data.get("mentors", [])))
        await apply_changes(query.message, user, db, state, changes, locale)


TEXT_STATES = (
    NewOffer.subject,
    NewOffer.starts_on,
    NewOffer.ends_on,
    NewOffer.places,
    NewOffer.notes,
    EditOffer.places,
    EditOffer.starts_on,
    EditOffer.ends_on,
    EditOffer.subject,
    EditOffer.notes,
)


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


def get_router() -> Router:
    router = Router(name="offer_admin")
    router.message.filter(HasRole(*OFFER_MANAGERS))
    router.callback_query.filter(HasRole(*OFFER_MANAGERS))
    router.message.register(new_offer_command, Command("newoffer"))
    router.callback_query.register(new_offer_button, MenuCb.filter(F.action == "newoffer"))
    router.message.register(search_school, NewOffer.organization, F.text)
    router.callback_query.register(
        school_chosen, NewOffer.organization, OrgPickCb.filter(F.purpose == "offerorg")
    )
    router.callback_query.register(
        kind_chosen, NewOffer.kind, NewOfferCb.filter(F.action == "kind")
    )
    router.message.register(subject_written, NewOffer.subject, F.text)
    router.message.register(start_written, NewOffer.starts_on, F.text)
    router.message.register(end_written, NewOffer.ends_on, F.text)
    router.message.register(places_written, NewOffer.places, F.text)
    router.callback_query.register(
        mentor_toggled,
        StateFilter(NewOffer.mentors, EditOffer.mentors),
        NewOfferCb.filter(F.action == "mentor"),
    )
    router.callback_query.register(
        mentors_done, NewOffer.mentors, NewOfferCb.filter(F.action == "mentors_done")
    )
    router.message.register(notes_written, NewOffer.notes, F.text)
    router.callback_query.register(
        notes_skipped, NewOffer.notes, NewOfferCb.filter(F.action == "skip_notes")
    )
    router.callback_query.register(
        publish, NewOffer.confirm, NewOfferCb.filter(F.action == "publish")
    )
    router.message.register(my_offers_command, Command("myoffers"))
    router.callback_query.register(my_offers_button, MenuCb.filter(F.action == "myoffers"))
    router.callback_query.register(list_page, ManageCb.filter(F.action == "list"))
    router.callback_query.register(open_offer, ManageCb.filter(F.action == "open"))
    router.callback_query.register(
        close_or_reopen, ManageCb.filter(F.action.in_({"close", "reopen"}))
    )
    router.callback_query.register(edit_menu, ManageCb.filter(F.action == "edit"))
    router.callback_query.register(edit_field, ManageCb.filter(F.action == "field"))
    router.message.register(new_places, EditOffer.places, F.text)
    router.message.register(new_start, EditOffer.starts_on, F.text)
    router.message.register(new_end, EditOffer.ends_on, F.text)
    router.message.register(new_subject, EditOffer.subject, F.text)
    router.message.register(new_notes, EditOffer.notes, F.text)
    router.callback_query.register(
        mentors_saved, EditOffer.mentors, ManageCb.filter(F.action == "mentors_saved")
    )
    router.message.register(not_text, StateFilter(*TEXT_STATES))
    return router
