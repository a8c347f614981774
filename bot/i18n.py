"""The gettext catalogs, compiled by `make install` into locales/*/LC_MESSAGES/messages.mo."""

from pathlib import Path

from aiogram.utils.i18n import I18n

from bot.errors import StartupError
from db.domain.models import LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def load_i18n(default_locale: str, locales_dir: Path = LOCALES_DIR) -> I18n:
    missing = [
        locale
        for locale in LOCALES
        if not (locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()
    ]
    if missing:
        raise StartupError(
            f"translations are not compiled ({', '.join(missing)}): run `make install`"
        )
    return I18n(path=locales_dir, default_locale=default_locale, domain=DOMAIN)
