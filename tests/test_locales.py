"""Every user-visible string exists in kk, ru and en, correctly, and nothing bypasses gettext."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("kk", "ru", "en")
PLURAL_FORMS = {"kk": 2, "ru": 3, "en": 2}
KEYWORDS = {"_": None, "__": None, "ngettext": (1, 2), "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z]+>")


def catalog(locale: str) -> Catalog:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def source_msgids() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers", "db"):
        for _, _, message, _, _ in extract_from_dir(ROOT / package, keywords=KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_is_translated_and_not_fuzzy(locale: str) -> None:
    problems = []
    for message in catalog(locale):
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {key!r}")
    assert not problems, f"{locale}: " + "; ".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_fit_the_language(locale: str) -> None:
    po = catalog(locale)
    assert po.num_plurals == PLURAL_FORMS[locale]
    for message in po:
        if message.pluralizable:
            assert len(message.string) == PLURAL_FORMS[locale], message.id


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_covers_every_string_in_the_code(locale: str) -> None:
    po = catalog(locale)
    missing = sorted(
        msgid
        for msgid in source_msgids()
        if po.get(msgid) is None and not _plural_present(po, msgid)
    )
    assert not missing, f"{locale} lacks (run `make locales` and translate): {missing}"


def _plural_present(po: Catalog, msgid: str) -> bool:
    return any(isinstance(m.id, tuple) and m.id[0] == msgid for m in po)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_placeholders_and_markup(locale: str) -> None:
    problems = []
    for message in catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for text in strings:
            # A plural form may leave out {n} ("one day"), but must not invent placeholders.
            extra = set(PLACEHOLDER.findall(text)) - wanted
            lost = wanted - set(PLACEHOLDER.findall(text)) - {"{n}"}
            if extra or lost:
                problems.append(f"{ids[0]!r}: placeholders {sorted(extra | lost)}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(ids[0])):
                problems.append(f"{ids[0]!r}: HTML tags differ")
    assert not problems, f"{locale}: " + "; ".join(problems)


SENDING_METHODS = {
    "answer",
    "reply",
    "edit_text",
    "edit_caption",
    "send_message",
    "answer_document",
    "answer_photo",
    "send_document",
    "send_photo",
}
TEXT_KEYWORDS = {"text", "caption", "description"}


def _visible_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.Constant) and any(ch.isalpha() for ch in str(part.value))
            for part in node.values
        )
    if isinstance(node, ast.BinOp):
        return _visible_literal(node.left) or _visible_literal(node.right)
    return False


def _unwrapped_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        candidates: list[ast.expr] = [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS]
        if name in SENDING_METHODS and node.args:
            candidates.append(node.args[0])
        if name == "show" and len(node.args) > 1:
            candidates.append(node.args[1])
        found += [f"{path.name}:{c.lineno}" for c in candidates if _visible_literal(c)]
    return found


def test_handlers_wrap_every_visible_string_for_translation() -> None:
    problems = [
        place
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        for place in _unwrapped_strings(path)
    ]
    assert not problems, f"literal user-visible text not passed through gettext: {problems}"


def test_the_unwrapped_string_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'async def f(m):\n    await m.answer("Hello there")\n    await m.answer(_("Fine"))\n'
    )
    assert _unwrapped_strings(sample) == ["sample.py:2"]
