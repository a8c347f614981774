"""Domain errors: raised inside transactions, turned into localized answers by handlers."""


class DomainError(Exception):
    """A rule of the domain refused the operation; nothing was written."""


class NotFound(DomainError):
    """The object does not exist (or the caller may not know that it does)."""


class NotAllowed(DomainError):
    """The acting user's role or organization does not permit this."""


class AlreadyRegistered(DomainError):
    """This Telegram account already has a user row."""


class InvalidValue(DomainError):
    """A value is outside what the domain accepts; `field` names it."""

    def __init__(self, field: str, detail: str = "") -> None:
        super().__init__(f"{field}: {detail}" if detail else field)
        self.field = field
        self.detail = detail


class InviteInvalid(DomainError):
    """An invite code cannot be used; `reason` is unknown, expired, used_up or revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
