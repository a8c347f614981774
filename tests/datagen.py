"""A year of a partnership network, lived through the domain's own operations.

Academic year 2025/26 of one university with 60 partner schools and kindergartens: 400
students, their applications and placements, mentors' visits and confirmed hours, schools'
requests and their resolution, seminars with registrations and attendance. A moving clock
makes every row's timestamps what they would have been. `Truth` records what was done, so
tests compare the bot's figures with facts rather than with numbers typed into the test.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from db import Database, ManualClock
from db.domain.events import Audience, EventInput, EventKind
from db.domain.issues import IssueCategory, IssueInput, IssueStatus
from db.domain.models import Organization, OrgKind, Role, User
from db.domain.orgs import OrgInput
from db.domain.placements import OfferFull, OfferInput, PracticeKind
from db.domain.practice_log import CRITERIA, Activity, VisitInput
from db.domain.users import NewUser

ALMATY = ZoneInfo("Asia/Almaty")
YEAR_START = date(2025, 9, 1)
YEAR_END = date(2026, 8, 31)
REQUIRED_HOURS = 72  # pedagogical practice, the kind every generated offer has
FALL = (date(2025, 10, 6), date(2025, 11, 28))
SPRING = (date(2026, 2, 2), date(2026, 4, 24))
ADMIN_TELEGRAM_ID = 9000001  # the config admin of tests/conftest.py

FIRST_NAMES = [
    "Айгерім",
    "Дана",
    "Әсел",
    "Аружан",
    "Мадина",
    "Жансая",
    "Томирис",
    "Ақерке",
    "Гүлнұр",
    "Арман",
    "Нұрлан",
    "Ерлан",
    "Дәурен",
    "Алихан",
    "Бекзат",
    "Данияр",
    "Ержан",
    "Санжар",
    "Анна",
    "Ольга",
    "Мария",
    "Екатерина",
    "Дмитрий",
    "Алексей",
    "Сергей",
    "Виктория",
]
SURNAMES = [
    "Бекова",
    "Сапарова",
    "Жұмабаева",
    "Омарова",
    "Қасымова",
    "Әбенова",
    "Нұрланова",
    "Серіков",
    "Ахметов",
    "Тоқтаров",
    "Мұқанов",
    "Смағұлов",
    "Иванова",
    "Ким",
    "Петрова",
]
SUBJECTS = [
    "Математика",
    "Информатика",
    "Робототехника",
    "Қазақ тілі",
    "Орыс тілі",
    "Ағылшын тілі",
    "Физика",
    "Бастауыш сынып",
    "Мектепке дейінгі топ",
]
ISSUE_WEIGHTS = {
    IssueCategory.STAFFING: 5,
    IssueCategory.METHODOLOGY: 4,
    IssueCategory.INCLUSION: 3,
    IssueCategory.DIGITAL: 4,
    IssueCategory.STUDENT: 1,
    IssueCategory.INFRASTRUCTURE: 1,
    IssueCategory.OTHER: 1,
}


@dataclass
class Truth:
    """What the generation did, counted as it happened."""

    students: int = 0
    placed: set[int] = field(default_factory=set)
    approved_by_school: Counter[int] = field(default_factory=Counter)
    pending: int = 0
    waitlisted: int = 0
    rejected: int = 0
    visits: int = 0
    score_sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CRITERIA, 0))
    visits_by_mentor: Counter[int] = field(default_factory=Counter)
    students_by_mentor: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    hours_confirmed: float = 0.0  # counted up to what each placement requires
    hours_pending: float = 0.0
    completed_placements: int = 0
    issues_by_category: Counter[str] = field(default_factory=Counter)
    resolved_by_category: Counter[str] = field(default_factory=Counter)
    resolution_days: list[float] = field(default_factory=list)
    issues_by_school: Counter[int] = field(default_factory=Counter)
    issues_open: int = 0
    events: int = 0
    registrations: int = 0
    attended: int = 0
    marked: int = 0

    @property
    def median_resolution_days(self) -> float:
        return float(statistics.median(self.resolution_days))


@dataclass
class Network:
    university: Organization
    department_org: Organization
    schools: list[Organization]
    admin: User
    coordinators: list[User]
    department: User
    directors: dict[int, User]  # school id -> director
    mentors: dict[int, list[User]]  # school id -> mentors
    students: list[User]
    truth: Truth


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), ALMATY).astimezone(UTC)


def name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def new_user(telegram_id: int, full_name: str, locale: str, now: datetime) -> NewUser:
    return NewUser(telegram_id, full_name, None, locale, now)


async def generate(path: Path, schools: int = 60, students: int = 400, seed: int = 2025) -> Network:
    clock = ManualClock(at(date(2025, 8, 20)))
    db = await Database.open(path, clock)
    try:
        network = await _people(db, clock, random.Random(seed), schools, students)
        rng = random.Random(seed + 1)
        await _placements(db, clock, rng, network)
        await _logbook(db, clock, rng, network)
        await _issues(db, clock, rng, network)
        await _events(db, clock, rng, network)
    finally:
        await db.close()
    return network


async def _people(
    db: Database, clock: ManualClock, rng: random.Random, school_count: int, student_count: int
) -> Network:
    now = clock.now()
    university = await db.orgs.create(
        OrgInput(
            OrgKind.UNIVERSITY,
            "Шәкәрім университеті",
            "Университет Шакарима",
            "Shakarim University",
            "Семей",
            "Абай облысы",
            code="SHAKARIM",
        )
    )
    department_org = await db.orgs.create(
        OrgInput(
            OrgKind.DEPARTMENT,
            "Абай облысының білім басқармасы",
            "Управление образования области Абай",
            None,
            "Семей",
            "Абай облысы",
            code="UO",
        )
    )
    schools = []
    for number in range(1, school_count + 1):
        kind = OrgKind.KINDERGARTEN if number % 5 == 0 else OrgKind.SCHOOL
        label = (
            f"№{number} бөбекжай" if kind is OrgKind.KINDERGARTEN else f"№{number} мектеп-гимназия"
        )
        region = "Абай облысы" if number <= school_count * 3 // 4 else "Шығыс Қазақстан облысы"
        city = "Семей" if region == "Абай облысы" else "Өскемен"
        schools.append(
            await db.orgs.create(
                OrgInput(
                    kind,
                    label,
                    label.replace("мектеп-гимназия", "школа-гимназия").replace(
                        "бөбекжай", "детский сад"
                    ),
                    None,
                    city,
                    region,
                    code=f"S{number}",
                )
            )
        )
    admin = await db.users.register_admin(new_user(ADMIN_TELEGRAM_ID, "Ғалым Әділов", "kk", now))

    async def member(role: Role, org: Organization, telegram_id: int, locale: str) -> User:
        created = await db.invites.create(admin, role, org.id)
        redeemed = await db.invites.redeem(
            created.code, new_user(telegram_id, name(rng), locale, now)
        )
        return redeemed.user

    coordinators = [
        await member(Role.COORDINATOR, university, 7_300_001 + i, "ru") for i in range(2)
    ]
    department = await member(Role.DEPARTMENT, department_org, 7_400_001, "ru")
    directors, mentors = {}, {}
    for index, school in enumerate(schools):
        directors[school.id] = await member(Role.DIRECTOR, school, 7_200_000 + index, "kk")
        mentors[school.id] = [
            await member(Role.MENTOR, school, 7_100_000 + index * 2 + n, rng.choice(("kk", "ru")))
            for n in range(1 + index % 2)
        ]
    students = [
        await db.users.register_student(
            new_user(7_000_000 + i, name(rng), rng.choice(("kk", "kk", "ru", "en")), now),
            university.id,
            "6B01501 Информатика" if i % 2 else "6B01101 Педагогика және психология",
            3 + i % 2,
        )
        for i in range(student_count)
    ]
    truth = Truth(students=student_count)
    return Network(
        university,
        department_org,
        schools,
        admin,
        coordinators,
        department,
        directors,
        mentors,
        students,
        truth,
    )


async def _placements(db: Database, clock: ManualClock, rng: random.Random, net: Network) -> None:
    """Two practice terms; nine students in ten apply, most are placed."""
    clock.set(at(date(2025, 8, 25)))
    offers = []
    for index, school in enumerate(net.schools):
        director = net.directors[school.id]
        for term, (start, end) in enumerate((FALL, SPRING)):
            mentor = net.mentors[school.id][term % len(net.mentors[school.id])]
            offers.append(
                await db.placements.create_offer(
                    director,
                    OfferInput(
                        school.id,
                        PracticeKind.PEDAGOGICAL,
                        SUBJECTS[index % len(SUBJECTS)],
                        start,
                        end,
                        2 + index % 3,
                        mentor_ids=(mentor.id,),
                    ),
                )
            )
    clock.set(at(date(2025, 9, 10)))
    coordinator = net.coordinators[0]
    applicants = net.students[: len(net.students) * 9 // 10]
    for number, student in enumerate(applicants):
        offer = offers[number % len(offers)]
        try:
            result = await db.placements.apply(student, offer.id, "Informatics teacher to be")
        except OfferFull:
            result = await db.placements.apply(student, offer.id, join_waitlist=True)
        application = result.application
        if application.status.value == "waitlisted":
            continue
        if number % 25 == 0:
            await db.placements.reject(coordinator, application.id, "The group is complete")
        elif number % 31 != 0:  # else nobody got round to deciding
            await db.placements.approve(coordinator, application.id)
    await _count_placements(db, net, {offer.id: offer.organization_id for offer in offers})


async def _count_placements(db: Database, net: Network, school_of: dict[int, int]) -> None:
    """Where each application ended up (a rejection moves the waiting list up)."""
    for student in net.students:
        for application in await db.placements.student_applications(student.id):
            status = application.status.value
            if status == "approved":
                net.truth.placed.add(student.id)
                net.truth.approved_by_school[school_of[application.offer_id]] += 1
                assert application.mentor_id is not None
                net.truth.students_by_mentor[application.mentor_id].add(student.id)
            elif status in ("pending", "waitlisted", "rejected"):
                setattr(net.truth, status, getattr(net.truth, status) + 1)


async def _logbook(db: Database, clock: ManualClock, rng: random.Random, net: Network) -> None:
    """After each placement: the mentor's visits and the student's hours, mostly confirmed."""
    students = {student.id: student for student in net.students}
    mentors = {m.id: m for group in net.mentors.values() for m in group}
    for student_id in sorted(net.truth.placed):
        student = students[student_id]
        application = next(
            a
            for a in await db.placements.student_applications(student_id)
            if a.status.value == "approved"
        )
        offer = await db.placements.offer(application.offer_id)
        assert offer is not None and application.mentor_id is not None
        mentor = mentors[application.mentor_id]
        clock.set(at(offer.ends_on + timedelta(days=2)))
        days = [
            offer.starts_on + timedelta(days=n)
            for n in range((offer.ends_on - offer.starts_on).days + 1)
        ]
        workdays = [day for day in days if day.weekday() < 5]
        for visit_day in rng.sample(workdays, rng.choice((0, 1, 2, 3, 4, 4, 5, 6, 8, 11))):
            scores = {criterion: rng.randint(3, 5) for criterion in CRITERIA}
            await db.practice.log_visit(
                mentor,
                VisitInput(
                    application.id,
                    visit_day,
                    "Бөлшектерді қосу",
                    "5 «А»",
                    scores,
                    draft_token=f"v-{application.id}-{visit_day}",
                ),
                300,
            )
            net.truth.visits += 1
            net.truth.visits_by_mentor[mentor.id] += 1
            for criterion, score in scores.items():
                net.truth.score_sums[criterion] += score
        confirmed = pending = 0.0
        for work_day in rng.sample(workdays, rng.choice((10, 12, 14))):
            entry = await db.practice.log_hours(student, work_day, 6.0, rng.choice(list(Activity)))
            if rng.random() < 0.85:
                await db.practice.review_hours(mentor, entry.id, confirm=True)
                confirmed += 6.0
            else:
                pending += 6.0
        net.truth.hours_confirmed += min(confirmed, REQUIRED_HOURS)
        net.truth.hours_pending += pending
        net.truth.completed_placements += confirmed >= REQUIRED_HOURS


async def _issues(db: Database, clock: ManualClock, rng: random.Random, net: Network) -> None:
    """About four requests a school over the year; most resolved, some taking weeks."""
    categories = list(ISSUE_WEIGHTS)
    weights = list(ISSUE_WEIGHTS.values())
    coordinator = net.coordinators[1]
    for number in range(len(net.schools) * 4):
        school = net.schools[number % len(net.schools)]
        author = net.directors[school.id] if number % 3 else net.mentors[school.id][0]
        category = rng.choices(categories, weights)[0]
        posted = datetime.combine(
            YEAR_START + timedelta(days=rng.randrange(0, 330)), time(rng.randrange(8, 18)), ALMATY
        )
        clock.set(posted)
        issue = await db.issues.post(
            author,
            IssueInput(
                category,
                "urgent" if number % 7 == 0 else "normal",
                f"Қажеттілік №{number}",
                "Мектепке көмек керек: толығырақ сипаттама.",
                vacancy_subject="Информатика" if category is IssueCategory.STAFFING else None,
                vacancy_starts_on=date(2026, 9, 1) if category is IssueCategory.STAFFING else None,
            ),
        )
        net.truth.issues_by_category[category.value] += 1
        net.truth.issues_by_school[school.id] += 1
        fate = rng.random()
        if fate < 0.1:
            net.truth.issues_open += 1
            continue
        clock.advance(timedelta(hours=rng.randrange(2, 48)))
        issue = await db.issues.change_status(
            coordinator, issue.id, issue.version, IssueStatus.IN_PROGRESS
        )
        if fate < 0.2:
            await db.issues.change_status(
                coordinator, issue.id, issue.version, IssueStatus.REJECTED, "Not ours"
            )
            continue
        if fate < 0.28:
            net.truth.issues_open += 1
            continue
        clock.advance(
            timedelta(days=rng.choice((1, 2, 3, 5, 8, 13, 21, 34)), hours=rng.randrange(0, 8))
        )
        issue = await db.issues.change_status(
            coordinator, issue.id, issue.version, IssueStatus.RESOLVED
        )
        net.truth.resolved_by_category[category.value] += 1
        net.truth.resolution_days.append((clock.now() - posted).total_seconds() / 86400)
        if fate > 0.6:
            clock.advance(timedelta(days=1))
            await db.issues.change_status(author, issue.id, issue.version, IssueStatus.CLOSED)


async def _events(db: Database, clock: ManualClock, rng: random.Random, net: Network) -> None:
    """Two seminars or trainings a month, open to all; people sign up, most come."""
    coordinator = net.coordinators[0]
    people = net.students + [m for group in net.mentors.values() for m in group]
    people += list(net.directors.values())
    kinds = [EventKind.SEMINAR, EventKind.TRAINING, EventKind.COURSE, EventKind.CONFERENCE]
    for number in range(24):
        day = YEAR_START + timedelta(days=14 * number + 10)
        starts = datetime.combine(day, time(15), ALMATY)
        clock.set(starts - timedelta(days=20))
        [event] = await db.events.create(
            coordinator,
            EventInput(
                kinds[number % len(kinds)],
                f"Инклюзивті білім беру: семинар {number + 1}",
                starts,
                starts + timedelta(hours=2),
                Audience(everyone=True),
                organization_id=net.schools[number % len(net.schools)].id,
            ),
        )
        net.truth.events += 1
        clock.set(starts - timedelta(days=5))
        going = rng.sample(people, rng.randrange(20, 60))
        for person in going:
            await db.events.answer(person, event.id, going=True)
        net.truth.registrations += len(going)
        clock.set(starts + timedelta(days=1))
        for person in going[: len(going) * 9 // 10]:
            came = rng.random() < 0.8
            await db.events.mark_attendance(coordinator, event.id, person.id, came)
            net.truth.marked += 1
            net.truth.attended += came
