"""Look up what a person sees in their language, so tests press the real localized buttons."""

from __future__ import annotations

from aiogram.utils.i18n import I18n


class Translator:
    def __init__(self, i18n: I18n, locale: str) -> None:
        self.i18n = i18n
        self.locale = locale

    def __call__(self, msgid: str, **params: object) -> str:
        text = self.i18n.gettext(msgid, locale=self.locale)
        return text.format(**params) if params else text

    def pgettext(self, context: str, msgid: str) -> str:
        """A label translated for `context` (msgctxt), as handlers.kit.i18n.pgettext does."""
        return self.i18n.locales[self.locale].pgettext(context, msgid)

    def plural(self, singular: str, plural: str, n: int, **params: object) -> str:
        return self.i18n.gettext(singular, plural, n, locale=self.locale).format(n=n, **params)
