"""Translation with a context, for one English label that means two things."""

from __future__ import annotations

from aiogram.utils.i18n import get_i18n


def pgettext(context: str, message: str) -> str:
    """`message` as translated for `context` (msgctxt) in the current person's language.

    aiogram's I18n offers no pgettext; Python's GNUTranslations does. pybabel extracts these
    calls with their context by default.
    """
    i18n = get_i18n()
    translations = i18n.locales.get(i18n.current_locale)
    return message if translations is None else translations.pgettext(context, message)
