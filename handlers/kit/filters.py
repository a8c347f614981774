"""Who may reach a handler: checked on every message and every button press."""

from typing import Any

from aiogram.filters import Filter

from db.domain.models import Role, User


class Registered(Filter):
    async def __call__(self, event: Any, user: User | None = None) -> bool:
        return user is not None


class Unregistered(Filter):
    async def __call__(self, event: Any, user: User | None = None) -> bool:
        return user is None


class HasRole(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: Any, user: User | None = None) -> bool:
        return user is not None and user.role in self.roles
