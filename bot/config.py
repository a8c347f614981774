"""Typed settings read from config.toml (and BOT_TOKEN from the environment)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.delivery_settings import ON_UNKNOWN, DeliverySettings, OnUnknown
from db.domain.clearance import KEY_MAX, RequiredDocument, check_key
from db.domain.errors import InvalidValue
from db.domain.evaluations import MID_TERM_WEEKS
from db.domain.models import LOCALES
from db.domain.placements import PlacementPolicy, PracticeKind
from db.domain.rounds import MAX_CHOICES

DEFAULT_CONFIG_PATH = Path("config.toml")
TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")

T = TypeVar("T")


class ConfigError(Exception):
    """A problem with the configuration, phrased for the person deploying the bot."""


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str | None = None
    api_base: str | None = None
    local_mode: bool = False  # api_base is a Bot API server run with --local: files on its disk

    def require_token(self) -> str:
        if self.token is None:
            raise ConfigError(
                "no bot token: set [telegram] token in config.toml or the BOT_TOKEN"
                " environment variable"
            )
        return self.token


@dataclass(frozen=True, slots=True)
class BotSettings:
    admins: frozenset[int] = frozenset()
    default_locale: str = "kk"
    timezone: str = "Asia/Almaty"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    path: Path = Path("seriktes.db")


DEFAULT_REQUIRED_HOURS = {
    "observation": 36,
    "pedagogical": 72,
    "pre_graduation": 108,
    "dual": 360,
    "internship": 144,
}


@dataclass(frozen=True, slots=True)
class PracticeSettings:
    required_hours: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_REQUIRED_HOURS))
    visit_radius_m: int = 300
    no_visit_days: int = 14
    mid_term_weeks: int = MID_TERM_WEEKS


@dataclass(frozen=True, slots=True)
class PlacementSettings:
    round_choices: int = MAX_CHOICES  # how many offers a student may rank in a round
    require_memorandum: bool = False  # offers and placements only under a valid memorandum
    documents: tuple[RequiredDocument, ...] = ()  # to be verified before a placement starts

    @property
    def policy(self) -> PlacementPolicy:
        return PlacementPolicy(require_memorandum=self.require_memorandum)


@dataclass(frozen=True, slots=True)
class IssueSettings:
    stale_days: int = 7


@dataclass(frozen=True, slots=True)
class MemorandumSettings:
    warn_days: int = 60


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """The personal-data operator named in the consent text (Law RK No. 94-V), by language."""

    operator: Mapping[str, str] = field(default_factory=dict)


DAILY_BACKUP_AT = time(3, 0)


@dataclass(frozen=True, slots=True)
class BackupSettings:
    directory: Path | None = None  # None: "backups" beside the database
    keep: int = 14  # the newest kept; older ones are removed after each backup
    at: time | None = DAILY_BACKUP_AT  # local time of the daily backup; None: none

    def folder(self, database: Path) -> Path:
        return self.directory or database.parent / "backups"


@dataclass(frozen=True, slots=True)
class Address:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Set `url` to receive updates by webhook instead of long polling."""

    url: str | None = None  # the public https URL Telegram posts to
    listen: Address = Address("127.0.0.1", 8080)
    path: str = "/telegram"
    secret: str | None = None  # required with url: Telegram sends it with every update
    max_in_flight: int = 200  # updates handled at once; more are refused with 503 (retried)


@dataclass(frozen=True, slots=True)
class MonitoringSettings:
    """Where /healthz, /readyz and /metrics are served in polling mode (webhook mode serves
    them on the webhook's server)."""

    listen: Address | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    telegram: TelegramSettings = TelegramSettings()
    bot: BotSettings = BotSettings()
    database: DatabaseSettings = DatabaseSettings()
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    practice: PracticeSettings = field(default_factory=PracticeSettings)
    placements: PlacementSettings = field(default_factory=PlacementSettings)
    issues: IssueSettings = field(default_factory=IssueSettings)
    memoranda: MemorandumSettings = field(default_factory=MemorandumSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    webhook: WebhookSettings = field(default_factory=WebhookSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    log_format: str = "text"  # [logging] format: "text" or "json" (one JSON object per line)


_KNOWN_KEYS: dict[str, set[str]] = {
    "telegram": {"token", "api_base", "local_mode"},
    "bot": {"admins", "default_locale", "timezone"},
    "database": {"path"},
    "delivery": {
        "messages_per_second",
        "per_chat_interval",
        "per_chat_burst",
        "max_in_flight",
        "max_attempts",
        "on_unknown",
    },
    "practice": {"required_hours", "visit_radius_m", "no_visit_days", "mid_term_weeks"},
    "placements": {"round_choices", "require_memorandum", "documents"},
    "issues": {"stale_days"},
    "memoranda": {"warn_days"},
    "privacy": {"operator"},
    "backup": {"dir", "keep", "at"},
    "webhook": {"url", "listen", "path", "secret", "max_in_flight"},
    "monitoring": {"listen"},
    "logging": {"format"},
}


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read `path` (default config.toml, which may be absent) and the environment.

    Raises ConfigError with one line naming the problem.
    """
    environ = environ if environ is not None else {}
    explicit = path is not None
    path = path or DEFAULT_CONFIG_PATH
    raw = _read_toml(path, must_exist=explicit)
    _reject_unknown_keys(raw)
    telegram = raw.get("telegram", {})
    bot = raw.get("bot", {})
    database = raw.get("database", {})
    delivery = raw.get("delivery", {})
    return Settings(
        telegram=TelegramSettings(
            token=_token(environ.get("BOT_TOKEN") or telegram.get("token")),
            api_base=_optional(telegram, "telegram", "api_base", _url),
            local_mode=_optional(telegram, "telegram", "local_mode", _bool) or False,
        ),
        bot=BotSettings(
            admins=_admins(bot.get("admins", [])),
            default_locale=_optional(bot, "bot", "default_locale", _locale) or "kk",
            timezone=_optional(bot, "bot", "timezone", _timezone) or "Asia/Almaty",
        ),
        database=DatabaseSettings(
            path=_optional(database, "database", "path", _path) or Path("seriktes.db")
        ),
        delivery=_delivery(delivery),
        practice=_practice(raw.get("practice", {})),
        placements=_placements(raw.get("placements", {})),
        issues=IssueSettings(
            stale_days=_optional(raw.get("issues", {}), "issues", "stale_days", _int_in(1, 365))
            or 7
        ),
        memoranda=MemorandumSettings(
            warn_days=_optional(raw.get("memoranda", {}), "memoranda", "warn_days", _int_in(1, 730))
            or 60
        ),
        privacy=PrivacySettings(operator=_operator(raw.get("privacy", {}).get("operator"))),
        backup=_backup(raw.get("backup", {})),
        webhook=_webhook(raw.get("webhook", {})),
        monitoring=MonitoringSettings(
            listen=_optional(raw.get("monitoring", {}), "monitoring", "listen", _address)
        ),
        log_format=_optional(raw.get("logging", {}), "logging", "format", _log_format) or "text",
    )


def _backup(table: Mapping[str, Any]) -> BackupSettings:
    at = _optional(table, "backup", "at", _time_or_off)
    return BackupSettings(
        directory=_optional(table, "backup", "dir", _path),
        keep=_optional(table, "backup", "keep", _int_in(1, 1000)) or 14,
        at=DAILY_BACKUP_AT if "at" not in table else at,
    )


def _webhook(table: Mapping[str, Any]) -> WebhookSettings:
    defaults = WebhookSettings()
    url = _optional(table, "webhook", "url", _https_url)
    secret = _optional(table, "webhook", "secret", _secret)
    if url and not secret:
        raise ConfigError(
            "[webhook] secret is required with url: letters, digits, _ and -, 16 to 256 of them"
        )
    path = _optional(table, "webhook", "path", _url_path) or defaults.path
    return WebhookSettings(
        url=url,
        listen=_optional(table, "webhook", "listen", _address) or defaults.listen,
        path=path,
        secret=secret,
        max_in_flight=_optional(table, "webhook", "max_in_flight", _int_in(1, 10_000))
        or defaults.max_in_flight,
    )


def _https_url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https://[^\s/]+", value):
        raise ValueError("must be an https:// URL (Telegram posts only to https)")
    return value


def _secret(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
        raise ValueError("must be 16 to 256 letters, digits, _ or -")
    return value


def _url_path(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"/[A-Za-z0-9_\-/]*", value):
        raise ValueError("must be a path starting with /")
    return value


def _address(value: Any) -> Address:
    if not isinstance(value, str) or not re.fullmatch(r"[^\s:]+:\d{1,5}", value):
        raise ValueError("must be host:port, for example 127.0.0.1:9090")
    host, port = value.rsplit(":", 1)
    if not 0 < int(port) < 65536:
        raise ValueError("the port must be from 1 to 65535")
    return Address(host, int(port))


def _time_or_off(value: Any) -> time | None:
    if value in ("", "off"):
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise ValueError('must be a time of day like "03:00", or "off"')
    hours, minutes = (int(part) for part in value.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError('must be a time of day like "03:00", or "off"')
    return time(hours, minutes)


def _log_format(value: Any) -> str:
    if value not in ("text", "json"):
        raise ValueError('must be "text" or "json"')
    return str(value)


def _delivery(table: Mapping[str, Any]) -> DeliverySettings:
    defaults = DeliverySettings()
    rate = _optional(table, "delivery", "messages_per_second", _int_in(1, 1000))
    in_flight = _optional(table, "delivery", "max_in_flight", _int_in(1, 64))
    attempts = _optional(table, "delivery", "max_attempts", _int_in(1, 100))
    interval = _optional(table, "delivery", "per_chat_interval", _number_in(0, 60))
    burst = _optional(table, "delivery", "per_chat_burst", _int_in(1, 20))
    on_unknown = _optional(table, "delivery", "on_unknown", _on_unknown)
    return DeliverySettings(
        messages_per_second=rate or defaults.messages_per_second,
        per_chat_interval=defaults.per_chat_interval if interval is None else interval,
        per_chat_burst=burst or defaults.per_chat_burst,
        on_unknown=on_unknown or defaults.on_unknown,
        max_in_flight=in_flight or defaults.max_in_flight,
        max_attempts=attempts or defaults.max_attempts,
    )


def _placements(table: Mapping[str, Any]) -> PlacementSettings:
    choices = _optional(table, "placements", "round_choices", _int_in(1, 20))
    memorandum = _optional(table, "placements", "require_memorandum", _bool)
    return PlacementSettings(
        round_choices=choices or MAX_CHOICES,
        require_memorandum=bool(memorandum),
        documents=_documents(table.get("documents", [])),
    )


def _documents(value: Any) -> tuple[RequiredDocument, ...]:
    """[[placements.documents]]: key, name (one, or a table by language), kinds (default all)."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigError("[[placements.documents]] must be tables of key, name and kinds")
    documents, keys = [], set()
    for number, item in enumerate(value, start=1):
        where = f"[[placements.documents]] number {number}"
        unknown = set(item) - {"key", "name", "kinds"}
        if unknown:
            raise ConfigError(f"{where}: unknown key {', '.join(sorted(unknown))}")
        key = item.get("key")
        try:
            check_key(key if isinstance(key, str) else "")
        except InvalidValue:
            raise ConfigError(
                f"{where}: key must be up to {KEY_MAX} lowercase latin letters, digits or _"
            ) from None
        if key in keys:
            raise ConfigError(f"{where}: key {key!r} appears twice")
        keys.add(key)
        names = _names(item.get("name"), f"{where}: name")
        kinds = item.get("kinds", [kind.value for kind in PracticeKind])
        known = {kind.value for kind in PracticeKind}
        if not isinstance(kinds, list) or not kinds or not set(kinds) <= known:
            raise ConfigError(f"{where}: kinds must be a list of {', '.join(sorted(known))}")
        documents.append(RequiredDocument(key, names, frozenset(PracticeKind(k) for k in kinds)))
    return tuple(documents)


def _names(value: Any, where: str) -> dict[str, str]:
    """One name for every language, or a table of kk/ru/en names (a missing one borrows)."""
    if isinstance(value, str):
        value = dict.fromkeys(LOCALES, value)
    if not isinstance(value, dict) or not value or not set(value) <= set(LOCALES):
        raise ConfigError(f"{where} must be a name, or a table of names by language (kk, ru, en)")
    if not all(isinstance(name, str) and name.strip() for name in value.values()):
        raise ConfigError(f"{where}: every name must be non-empty text")
    fallback = next(value[locale] for locale in LOCALES if locale in value)
    return {locale: value.get(locale, fallback).strip() for locale in LOCALES}


def _practice(table: Mapping[str, Any]) -> PracticeSettings:
    defaults = PracticeSettings()
    hours = dict(defaults.required_hours)
    given = table.get("required_hours", {})
    if not isinstance(given, dict):
        raise ConfigError("[practice] required_hours must be a table of practice kind = hours")
    for kind in given:
        if kind not in hours:
            raise ConfigError(
                f"[practice] required_hours: unknown practice kind {kind!r} (one of "
                f"{', '.join(hours)})"
            )
        hours[kind] = (
            _optional(given, "practice", f"required_hours.{kind}", _int_in(1, 5000)) or hours[kind]
        )
    radius = _optional(table, "practice", "visit_radius_m", _int_in(10, 100_000))
    days = _optional(table, "practice", "no_visit_days", _int_in(1, 365))
    mid_term = _optional(table, "practice", "mid_term_weeks", _int_in(1, 52))
    return PracticeSettings(
        required_hours=hours,
        visit_radius_m=radius or defaults.visit_radius_m,
        no_visit_days=days or defaults.no_visit_days,
        mid_term_weeks=mid_term or defaults.mid_term_weeks,
    )


def _operator(value: Any) -> dict[str, str]:
    """One name for every language, or a table of kk/ru/en names (a missing one borrows)."""
    if value is None:
        return {}
    if isinstance(value, str):
        names = dict.fromkeys(LOCALES, value)
    elif isinstance(value, dict) and value and set(value) <= set(LOCALES):
        names = dict(value)
    else:
        raise ConfigError(
            "[privacy] operator must be a name, or a table of names by language (kk, ru, en)"
        )
    if not all(isinstance(name, str) and name.strip() for name in names.values()):
        raise ConfigError("[privacy] operator: every name must be non-empty text")
    fallback = next(names[locale] for locale in LOCALES if locale in names)
    return {locale: names.get(locale, fallback).strip() for locale in LOCALES}


def _read_toml(path: Path, must_exist: bool) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        if must_exist:
            raise ConfigError(f"config file {path} does not exist") from None
        return {}
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None


def _reject_unknown_keys(raw: dict[str, Any]) -> None:
    for section, value in raw.items():
        if section not in _KNOWN_KEYS:
            raise ConfigError(f"unknown section [{section}] in the config")
        if not isinstance(value, dict):
            raise ConfigError(f"[{section}] must be a table")
        for key in value:
            if key not in _KNOWN_KEYS[section]:
                raise ConfigError(f"unknown key [{section}] {key} in the config")


def _optional(
    table: Mapping[str, Any], section: str, key: str, convert: Callable[[Any], T]
) -> T | None:
    if key not in table:
        return None
    try:
        return convert(table[key])
    except (TypeError, ValueError) as error:
        raise ConfigError(f"[{section}] {key}: {error}") from None


def _token(value: Any) -> str | None:
    if not value:
        return None
    if not isinstance(value, str) or not TOKEN_PATTERN.match(value.strip()):
        raise ConfigError(
            "[telegram] token does not look like a bot token (digits:letters from @BotFather)"
        )
    return value.strip()


def _url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def _locale(value: Any) -> str:
    if value not in LOCALES:
        raise ValueError(f"{value!r} is not one of {', '.join(LOCALES)}")
    return str(value)


def _timezone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a time zone name such as Asia/Almaty")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _path(value: Any) -> Path:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a file path")
    return Path(value)


def _on_unknown(value: Any) -> OnUnknown:
    for choice in ON_UNKNOWN:
        if value == choice:
            return choice
    raise ValueError(f"must be one of {', '.join(ON_UNKNOWN)}")


def _number_in(low: float, high: float) -> Callable[[Any], float]:
    def convert(value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise ValueError(f"must be a number from {low} to {high}")
        return float(value)

    return convert


def _int_in(low: int, high: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return convert


def _admins(value: Any) -> frozenset[int]:
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in value
    ):
        raise ConfigError("[bot] admins must be a list of Telegram user ids (numbers)")
    return frozenset(value)
