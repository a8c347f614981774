"""The organization directory's records and how an imported row is validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from db.domain.errors import InvalidValue
from db.domain.models import OrgKind

NAME_MAX = 200
CITY_MAX = 100
ADDRESS_MAX = 300
CODE_MAX = 64


ORG_COLUMNS = (
    "code",
    "kind",
    "name_kk",
    "name_ru",
    "name_en",
    "city",
    "region",
    "address",
    "latitude",
    "longitude",
)


@dataclass(frozen=True, slots=True)
class OrgInput:
    kind: OrgKind
    name_kk: str | None
    name_ru: str | None
    name_en: str | None
    city: str
    region: str = ""
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    code: str | None = None

    def search_text(self) -> str:
        parts = [self.name_kk, self.name_ru, self.name_en, self.city, self.region, self.code]
        return " ".join(part for part in parts if part).casefold()


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int


def _text(fields: Mapping[str, str], key: str, limit: int) -> str | None:
    value = " ".join((fields.get(key) or "").split())
    if len(value) > limit:
        raise InvalidValue(key, f"longer than {limit} characters")
    return value or None


def _coordinate(fields: Mapping[str, str], key: str, bound: float) -> float | None:
    raw = (fields.get(key) or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidValue(key, f"{raw!r} is not a number") from None
    if not -bound <= value <= bound:
        raise InvalidValue(key, f"{value} is outside -{bound}..{bound}")
    return value


def validate_org(fields: Mapping[str, str]) -> OrgInput:
    """Check one directory row (as read from CSV); raises InvalidValue naming the column."""
    raw_kind = (fields.get("kind") or "").strip().lower()
    try:
        kind = OrgKind(raw_kind)
    except ValueError:
        allowed = ", ".join(kind.value for kind in OrgKind)
        raise InvalidValue("kind", f"{raw_kind!r} is not one of {allowed}") from None
    names = {key: _text(fields, key, NAME_MAX) for key in ("name_kk", "name_ru", "name_en")}
    if not any(names.values()):
        raise InvalidValue("name", "at least one of name_kk, name_ru, name_en is required")
    city = _text(fields, "city", CITY_MAX)
    if city is None:
        raise InvalidValue("city", "is required")
    latitude = _coordinate(fields, "latitude", 90)
    longitude = _coordinate(fields, "longitude", 180)
    if (latitude is None) != (longitude is None):
        raise InvalidValue("latitude", "latitude and longitude go together")
    return OrgInput(
        kind=kind,
        name_kk=names["name_kk"],
        name_ru=names["name_ru"],
        name_en=names["name_en"],
        city=city,
        region=_text(fields, "region", CITY_MAX) or "",
        address=_text(fields, "address", ADDRESS_MAX),
        latitude=latitude,
        longitude=longitude,
        code=_text(fields, "code", CODE_MAX),
    )
