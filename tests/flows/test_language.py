"""What the language review settled shows in every message: dates, role names, the consent."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.utils.i18n import I18n

from db.domain.models import OrgKind, Role
from handlers.kit.formatting import fmt_date, fmt_long_date
from handlers.kit.texts import role_name


@pytest.mark.parametrize(
    ("locale", "short", "long"),
    [
        ("kk", "25.12.2026", "2026 жылғы 25 желтоқсан, жұма"),
        ("ru", "25 дек. 2026\u202fг.", "пятница, 25 декабря 2026\u202fг."),
        ("en", "Dec 25, 2026", "Friday, December 25, 2026"),
    ],
)
def test_a_date_reads_as_people_write_it(locale: str, short: str, long: str) -> None:
    assert fmt_date(date(2026, 12, 25), locale=locale) == short
    assert fmt_long_date(date(2026, 12, 25), locale) == long


@pytest.mark.parametrize(
    ("locale", "school", "kindergarten", "unknown"),
    [
        ("kk", "мектеп директоры", "балабақша меңгерушісі", "директор (меңгеруші)"),
        ("ru", "директор школы", "заведующий детским садом", "директор (заведующий)"),
        ("en", "school director", "kindergarten head", "director"),
    ],
)
def test_a_kindergarten_is_led_by_a_head_not_a_director(
    i18n: I18n, locale: str, school: str, kindergarten: str, unknown: str
) -> None:
    with i18n.context(), i18n.use_locale(locale):
        assert role_name(Role.DIRECTOR, OrgKind.SCHOOL) == school
        assert role_name(Role.DIRECTOR, OrgKind.KINDERGARTEN) == kindergarten
        assert role_name(Role.DIRECTOR) == unknown
        assert role_name(Role.MENTOR, OrgKind.KINDERGARTEN) == role_name(Role.MENTOR)
