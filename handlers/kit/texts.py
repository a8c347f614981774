"""Names of domain values and phrases shared by several conversations, in the current locale."""

from aiogram.utils.i18n import gettext as _

from db.domain.models import OrgKind, Role

# Each language is offered under its own name, whatever the current locale.
LANGUAGE_NAMES = {"kk": "🇰🇿 Қазақша", "ru": "🇷🇺 Русский", "en": "🇬🇧 English"}


def role_name(role: Role, org_kind: OrgKind | None = None) -> str:
    """The role as its holder is called; a kindergarten is led by a head (меңгеруші), not a
    director, so name the organization's kind when it is known."""
    if role is Role.DIRECTOR and org_kind is OrgKind.KINDERGARTEN:
        return _("kindergarten head")
    if role is Role.DIRECTOR and org_kind is OrgKind.SCHOOL:
        return _("school director")
    names = {
        Role.STUDENT: _("student"),
        Role.MENTOR: _("mentor"),
        # TRANSLATORS: the head of a school or of a kindergarten, where it is not known which.
        Role.DIRECTOR: _("director"),
        Role.COORDINATOR: _("practice coordinator"),
        Role.DEPARTMENT: _("education department official"),
        Role.ADMIN: _("administrator"),
    }
    return names[role]


def role_name_plural(role: Role) -> str:
    names = {
        Role.STUDENT: _("students"),
        Role.MENTOR: _("mentors"),
        # TRANSLATORS: heads of schools and of kindergartens (an announcement's audience).
        Role.DIRECTOR: _("directors"),
        Role.COORDINATOR: _("practice coordinators"),
        Role.DEPARTMENT: _("education department officials"),
        Role.ADMIN: _("administrators"),
    }
    return names[role]


def org_kind_name(kind: OrgKind) -> str:
    names = {
        OrgKind.UNIVERSITY: _("university"),
        OrgKind.SCHOOL: _("school"),
        OrgKind.KINDERGARTEN: _("kindergarten"),
        OrgKind.COLLEGE: _("college"),
        OrgKind.DEPARTMENT: _("education department"),
        OrgKind.OTHER: _("organization"),
    }
    return names[kind]


def invite_problem(reason: str) -> str:
    problems = {
        "unknown": _("This invitation code is not valid. Check it and send it again."),
        "expired": _("This invitation code has expired. Ask the person who gave it for a new one."),
        "used_up": _(
            "This invitation code has already been used as many times as allowed."
            " Ask the person who gave it for a new one."
        ),
        "revoked": _(
            "This invitation code was withdrawn. Ask the person who gave it for a new one."
        ),
        "already_used_by_you": _("You have already used this invitation code."),
    }
    return problems.get(reason, problems["unknown"])


def full_name_problem(detail: str) -> str:
    problems = {
        "too_long": _("That is too long for a name: please keep it under 100 characters."),
        "too_short": _("Please write your full name, at least two letters."),
        "no_letters": _("A name needs letters. Please write your full name."),
    }
    return problems.get(detail, problems["too_short"])


def programme_problem(detail: str) -> str:
    if detail == "too_long":
        return _("Please keep the programme under 120 characters.")
    return _("Please write the name or code of your programme.")


def send_text_please() -> str:
    return _("Please send this as a text message.")


def use_buttons_please() -> str:
    return _("Please choose one of the buttons above, or send /cancel to stop.")


def stale_button() -> str:
    return _("This button is out of date. Send /menu to start again.")


def not_allowed() -> str:
    return _("This is not available to you.")


def register_first() -> str:
    return _("Please register first: send /start.")


def cancel_hint() -> str:
    return _("Send /cancel to stop.")
