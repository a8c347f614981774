"""The architecture holds: import contracts, unique button prefixes, a renderer per notice kind."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

from aiogram.filters.callback_data import CallbackData

import handlers
from handlers import renderers

ROOT = Path(__file__).resolve().parent.parent
NOTICE_KIND = re.compile(r"[a-z_]+\.[a-z_]+")


def all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *all_subclasses(sub)]
    return found


def import_every_handler_module() -> None:
    for module in pkgutil.walk_packages(handlers.__path__, "handlers."):
        importlib.import_module(module.name)


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


def test_every_callback_prefix_is_unique() -> None:
    import_every_handler_module()
    ours = [cls for cls in all_subclasses(CallbackData) if cls.__module__.startswith("handlers.")]
    assert len(ours) > 40
    owners: dict[str, list[str]] = {}
    for cls in ours:
        owners.setdefault(cls.__prefix__, []).append(f"{cls.__module__}.{cls.__qualname__}")
    shared = {prefix: names for prefix, names in owners.items() if len(names) > 1}
    assert not shared, f"CallbackData prefixes used twice: {shared}"


def test_button_data_lives_in_each_feature_callbacks_module() -> None:
    import_every_handler_module()
    elsewhere = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in all_subclasses(CallbackData)
        if cls.__module__.startswith("handlers.") and not cls.__module__.endswith(".callbacks")
    ]
    assert not elsewhere


def test_keyboards_are_built_with_the_kit_builder() -> None:
    """aiogram's own builder deep-copies every button on each add (see handlers/kit/keyboard.py)."""
    stock = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "handlers").rglob("*.py")
        if path.name != "keyboard.py"
        and re.search(
            r"from aiogram\.utils\.keyboard import .*InlineKeyboardBuilder", path.read_text()
        )
    ]
    assert not stock


def queued_kinds() -> set[str]:
    """Every notice kind written as a literal where db code queues one (`….add(…, "a.b")`)."""
    kinds = set()
    for path in (ROOT / "db").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add"
            ):
                kinds |= {
                    arg.value
                    for arg in node.args
                    if isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and NOTICE_KIND.fullmatch(arg.value)
                }
    return kinds


def test_every_queued_notice_kind_has_a_renderer() -> None:
    kinds = queued_kinds()
    assert "placement.approved" in kinds
    missing = kinds - set(renderers())
    assert not missing, f"queued in db/ but nothing renders them: {sorted(missing)}"
