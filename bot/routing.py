"""A gate in front of each feature router: skip the router when none of its handlers can match.

aiogram offers an update to every router in turn and checks every handler's filters until
one matches; with some thirty routers an update met about 65 filter checks, a quarter of its
cost (bench/flow_cost.py). Most handlers name what they need — a state, a command, a button
prefix — so each router gets a gate made from those needs: a message in the visit form or a
press of a "report" button is offered only to the routers that could take it. The gate is
derived from the handlers themselves, so it cannot drift from them; a router with any
handler that names none of these is not gated.

The gate stands in front of the router's `propagate_event`, not among its root filters: a
router turned away that way still cost aiogram's per-router work (wrapping its outer
middlewares, copying the context, the filter call), about 15 µs for each of the dozen
routers an update passes. Feature routers have no outer middlewares of their own, so
nothing is skipped but that work.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from inspect import isclass
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

GATED_OBSERVERS = ("message", "callback_query")
Propagate = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Need:
    """What an update must have for a handler to match it (a necessary condition)."""

    states: frozenset[str | None] = frozenset()
    commands: frozenset[str] = frozenset()
    button_prefixes: frozenset[str] = frozenset()

    def __or__(self, other: Need) -> Need:
        return Need(
            self.states | other.states,
            self.commands | other.commands,
            self.button_prefixes | other.button_prefixes,
        )


class Gate:
    """Admits an update that meets at least one handler's need."""

    def __init__(self, need: Need) -> None:
        self.need = need
        self.prefixes = tuple(sorted(need.button_prefixes))

    def admits(self, event: TelegramObject, raw_state: str | None = None) -> bool:
        if raw_state in self.need.states:
            return True
        if isinstance(event, Message):
            return self._names_a_command(event)
        if isinstance(event, CallbackQuery):
            return bool(self.prefixes) and (event.data or "").startswith(self.prefixes)
        return False

    def _names_a_command(self, message: Message) -> bool:
        if not self.need.commands:
            return False
        text = message.text or message.caption or ""
        first_word = text.split(maxsplit=1)[0] if text.strip() else ""
        name = first_word[1:].partition("@")[0].casefold()
        return name in self.need.commands


def gate_routers(dispatcher: Dispatcher) -> None:
    """Put a gate in front of every router that can have one.

    A router turned away skips its sub-routers too, so a router's need includes theirs: a
    feature's parent router turns away what none of its flows could take.
    """
    for router in dispatcher.chain_tail:
        if router is dispatcher:
            continue
        gates = {
            name: Gate(need)
            for name in GATED_OBSERVERS
            if (need := router_need(router, name)) is not None
        }
        if gates:
            router.propagate_event = gated(router.propagate_event, gates)  # type: ignore[method-assign,assignment]


def gated(propagate: Propagate, gates: dict[str, Gate]) -> Propagate:
    async def propagate_event(update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        gate = gates.get(update_type)
        if gate is not None and not gate.admits(event, kwargs.get("raw_state")):
            return UNHANDLED
        return await propagate(update_type=update_type, event=event, **kwargs)

    return propagate_event


def router_need(router: Router, observer: str) -> Need | None:
    """The union of its handlers' and sub-routers' needs; None when one may match anything."""
    union = Need()
    for handler in router.observers[observer].handlers:
        need = handler_need(handler)
        if need is None:
            return None
        union |= need
    for sub_router in router.sub_routers:
        sub_need = router_need(sub_router, observer)
        if sub_need is None:
            return None
        union |= sub_need
    return union


def handler_need(handler: HandlerObject) -> Need | None:
    for check in handler.filters or ():
        need = filter_need(check.callback)
        if need is not None:
            return need
    return None


def filter_need(check: Any) -> Need | None:
    if isinstance(check, State):
        return None if check.state == "*" else Need(states=frozenset({check.state}))
    if isclass(check) and issubclass(check, StatesGroup):
        return Need(states=frozenset(check.__all_states_names__))
    if isinstance(check, StateFilter):
        states = _state_names(check.states)
        return None if states is None else Need(states=states)
    if isinstance(check, Command):
        commands = _command_names(check)
        return None if commands is None else Need(commands=commands)
    if isinstance(check, CallbackQueryFilter):
        data = check.callback_data
        return Need(button_prefixes=frozenset({data.__prefix__ + data.__separator__}))
    return None


def _state_names(states: Iterable[Any]) -> frozenset[str | None] | None:
    names: set[str | None] = set()
    for state in states:
        if state is None or (isinstance(state, str) and state != "*"):
            names.add(state)
        elif isinstance(state, State) and state.state != "*":
            names.add(state.state)
        elif isclass(state) and issubclass(state, StatesGroup):
            names.update(state.__all_states_names__)
        else:
            return None
    return frozenset(names)


def _command_names(command: Command) -> frozenset[str] | None:
    if command.prefix != "/" or any(isinstance(name, re.Pattern) for name in command.commands):
        return None
    return frozenset(str(name).casefold() for name in command.commands)
