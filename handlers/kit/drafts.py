"""Conversation drafts, typed: each flow reads and writes its own TypedDict (its states.py).

The data still lives in the FSM storage as JSON (bot/storage.py); these helpers only give
it a type, so a misspelt key or a wrong value is a mypy error rather than a KeyError in
somebody's chat.

A StatesGroup's class name is stored with each conversation: renaming one (or moving a state
to another group) strands the conversations under way, so the names were kept when the
groups moved into the features' states.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar, cast

from aiogram.fsm.context import FSMContext

Form = TypeVar("Form", bound=Mapping[str, object])


async def read_form(state: FSMContext, form: type[Form]) -> Form:
    """The conversation's draft as `form` (keys not yet written are absent)."""
    return cast(Form, await state.get_data())


async def write_form(state: FSMContext, values: Form) -> None:
    """Add or replace the keys in `values`; the others stay."""
    await state.update_data(dict(values))


async def start_form(state: FSMContext, values: Form) -> None:
    """Replace the whole draft with `values`."""
    await state.set_data(dict(values))
