"""Realistic data through the domain's own operations (no rows poked in behind its back)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from db import Database
from db.domain.models import Organization, OrgKind, Role, User
from db.domain.orgs import OrgInput
from db.domain.placements import Offer, OfferInput, PracticeKind
from db.domain.users import NewUser

_ids = itertools.count(1000)


async def make_org(
    db: Database,
    kind: OrgKind = OrgKind.SCHOOL,
    name: str | None = None,
    city: str = "Семей",
    **extra: object,
) -> Organization:
    number = next(_ids)
    name = name or f"№{number} мектеп-гимназия"
    return await db.orgs.create(
        OrgInput(kind=kind, name_kk=name, name_ru=name, name_en=None, city=city, **extra)  # type: ignore[arg-type]
    )


async def make_university(db: Database, name: str = "Шәкәрім университеті") -> Organization:
    return await make_org(db, OrgKind.UNIVERSITY, name=name)


def person(telegram_id: int, name: str = "Айгерім Бекова", locale: str = "kk") -> NewUser:
    return NewUser(telegram_id, name, None, locale, datetime(2026, 9, 1, tzinfo=UTC))


async def make_student(
    db: Database,
    telegram_id: int,
    university: Organization,
    name: str = "Айгерім Бекова",
    locale: str = "kk",
) -> User:
    return await db.users.register_student(
        person(telegram_id, name, locale), university.id, "6B01501 Математика", 3
    )


async def make_member(
    db: Database,
    role: Role,
    org: Organization,
    telegram_id: int,
    name: str = "Гүлнар Сапарова",
    locale: str = "ru",
) -> User:
    created = await db.invites.create(None, role, org.id)
    return (await db.invites.redeem(created.code, person(telegram_id, name, locale))).user


async def make_offer(
    db: Database,
    actor: User,
    school: Organization,
    places: int = 2,
    starts_in_days: int = 30,
    days: int = 27,
    subject: str = "Информатика",
    kind: str = "pedagogical",
    mentor_ids: tuple[int, ...] = (),
) -> Offer:
    start = db.today() + timedelta(days=starts_in_days)
    return await db.placements.create_offer(
        actor,
        OfferInput(
            school.id,
            PracticeKind(kind),
            subject,
            start,
            start + timedelta(days=days),
            places,
            mentor_ids=mentor_ids,
        ),
    )


@dataclass
class Placed:
    """A school's practice under way: who runs it and the placements, in the students' order."""

    university: Organization
    school: Organization
    coordinator: User
    mentor: User
    placements: list[int]


async def make_placements(
    db: Database,
    locale: str,
    student_locales: tuple[str, ...],
    mentor_name: str = "Гүлнар Сапарова",
    days: int = 27,
) -> Placed:
    """Coordinator 1 places students 10, 11, … ("Студент 0", …) at "№7 мектеп", starting
    tomorrow for `days` + 1 days (four weeks), with mentor 2."""
    university = await make_university(db)
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
    coordinator = await make_member(db, Role.COORDINATOR, university, 1, locale=locale)
    mentor = await make_member(db, Role.MENTOR, school, 2, name=mentor_name, locale=locale)
    offer = await make_offer(
        db, coordinator, school, places=5, starts_in_days=1, days=days, mentor_ids=(mentor.id,)
    )
    placements = []
    for index, student_locale in enumerate(student_locales):
        student = await make_student(db, 10 + index, university, f"Студент {index}", student_locale)
        placements.append((await db.placements.place(coordinator, offer.id, student.id)).id)
    return Placed(university, school, coordinator, mentor, placements)
