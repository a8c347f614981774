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
KEYWORDS = {
    "_": None,
    "__": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z]+>")


def catalog(locale: str) -> Catalog:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def source_msgids() -> set[tuple[str, str | None]]:
    """(msgid, msgctxt) of every string the code translates."""
    found: set[tuple[str, str | None]] = set()
    for package in ("bot", "handlers", "db"):
        for _, _, message, _, context in extract_from_dir(ROOT / package, keywords=KEYWORDS):
            found.add((message[0] if isinstance(message, tuple) else message, context))
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
        f"{msgid} ({context})" if context else msgid
        for msgid, context in source_msgids()
        if po.get(msgid, context) is None and not _plural_present(po, msgid)
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


# ----- the glossary -------------------------------------------------------------------------


def glossary_variants() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """(concept, forbidden variant) per locale, from the last two columns of GLOSSARY.md."""
    variants: dict[str, list[tuple[str, re.Pattern[str]]]] = {"kk": [], "ru": []}
    for line in (ROOT / "locales" / "GLOSSARY.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("concept", "---"):
            continue
        for locale, cell in (("kk", cells[4]), ("ru", cells[5])):
            for pattern in re.findall(r"`([^`]+)`", cell):
                variants[locale].append(
                    (cells[0], re.compile(pattern, re.IGNORECASE | re.MULTILINE))
                )
    return variants


def test_the_glossary_names_forbidden_variants() -> None:
    variants = glossary_variants()
    assert len(variants["kk"]) >= 10 and len(variants["ru"]) >= 10


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_catalogs_follow_the_glossary(locale: str) -> None:
    problems = []
    for message in catalog(locale):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for concept, variant in glossary_variants()[locale]:
            for text in strings:
                if text and variant.search(text):
                    problems.append(f"{concept}: {variant.pattern!r} in {text[:70]!r}")
    assert not problems, f"{locale} departs from locales/GLOSSARY.md: " + "; ".join(problems)


# ----- buttons fit a phone ------------------------------------------------------------------

BUTTON_MAX = 32  # characters an inline button shows whole on a narrow phone
SAMPLE_VALUE = "0000"  # what a placeholder in a label adds: an id, a count, a page


def _call_name(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def _messages_in(node: ast.AST) -> set[tuple[str, str | None]]:
    """(msgid, context) of the gettext calls inside `node`."""
    found: set[tuple[str, str | None]] = set()
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        args = [a.value for a in call.args if isinstance(a, ast.Constant)]
        name = _call_name(call)
        if name == "_" and args:
            found.add((args[0], None))
        elif name == "pgettext" and len(args) == 2:
            found.add((args[1], args[0]))
        elif name == "ngettext" and len(args) == 2:
            found |= {(args[0], None), (args[1], None)}
    return found


def button_labels() -> dict[tuple[str, str | None], int]:
    """Every translated label an inline button can show, with the characters put around it.

    A label is what `text=` of `.button()` or `InlineKeyboardButton()` translates, directly or
    through a function of handlers that it calls (kind_name, area_name, …).
    """
    functions: dict[str, list[ast.AST]] = {}
    texts: list[ast.expr] = []
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.setdefault(node.name, []).append(node)
            if isinstance(node, ast.Call) and _call_name(node) in (
                "button",
                "InlineKeyboardButton",
            ):
                texts += [kw.value for kw in node.keywords if kw.arg == "text"]
    labels: dict[tuple[str, str | None], int] = {}
    for text in texts:
        around = 0
        if isinstance(text, ast.JoinedStr):  # f"{mark} {area_name(area)}": a mark and a space
            around = (
                sum(
                    len(str(part.value)) if isinstance(part, ast.Constant) else 1
                    for part in text.values
                )
                - 1
            )
        found = _messages_in(text)
        for call in ast.walk(text):
            if isinstance(call, ast.Call):
                for function in functions.get(_call_name(call), []):
                    found |= _messages_in(function)
        for message in found:
            labels[message] = max(labels.get(message, 0), around)
    return labels


def shown_length(text: str) -> int:
    return len(PLACEHOLDER.sub(SAMPLE_VALUE, text).replace("\ufe0f", ""))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_button_label_fits_a_phone(locale: str) -> None:
    po = catalog(locale)
    labels = button_labels()
    assert len(labels) > 150  # the scan finds the keyboards
    too_long = []
    for (msgid, context), around in sorted(labels.items(), key=lambda item: item[0][0]):
        message = po.get(msgid, context)
        if message is None:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if shown_length(text) + around > BUTTON_MAX:
                too_long.append(f"{text!r} ({shown_length(text) + around})")
    assert not too_long, f"{locale}: buttons over {BUTTON_MAX} characters: {too_long}"
