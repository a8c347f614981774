"""Who may do what: every set of roles the rules and the conversations use, written once.

A handler filters with the same set that the repository checks inside its transaction, so
a button is offered only to someone whose press can succeed.
"""

from __future__ import annotations

from db.domain.errors import NotAllowed
from db.domain.models import Role, User

EVERYONE = frozenset(Role)
STUDENTS = frozenset({Role.STUDENT})
MENTORS = frozenset({Role.MENTOR})
# University staff: decide on placements, triage requests, grant roles, keep memoranda.
STAFF = frozenset({Role.COORDINATOR, Role.ADMIN})
# Staff with a view of the whole network (a department official: their region).
NETWORK_STAFF = STAFF | {Role.DEPARTMENT}
OFFER_MANAGERS = STAFF | {Role.DIRECTOR}  # a director: their own school's offers
VISIT_LOGGERS = STAFF | {Role.MENTOR}  # a mentor: their own students
HOURS_REVIEWERS = STAFF | {Role.MENTOR}
PROGRESS_VIEWERS = EVERYONE - {Role.DEPARTMENT}
REQUEST_POSTERS = frozenset({Role.DIRECTOR, Role.MENTOR})
REQUEST_VIEWERS = NETWORK_STAFF | REQUEST_POSTERS
EVENT_ORGANIZERS = NETWORK_STAFF
NETWORK_BROADCASTERS = NETWORK_STAFF  # to any audience
BROADCASTERS = NETWORK_BROADCASTERS | {Role.DIRECTOR}  # a director: their own school's mentors
GRADERS = STAFF  # the university's practice supervisors set the final mark
ROUND_ORGANIZERS = STAFF  # open placement rounds, preview and publish their allocation
MEMORANDUM_KEEPERS = STAFF
MEMORANDUM_VIEWERS = NETWORK_STAFF  # a department official: their region's partners
NETWORK_VIEWERS = NETWORK_STAFF
REPORT_VIEWERS = NETWORK_VIEWERS | {Role.DIRECTOR, Role.MENTOR}
SUPPORT_ADMINS = frozenset({Role.ADMIN})
# The roles an event or an announcement may be addressed to, in the order buttons show them.
AUDIENCE_ROLES = (Role.STUDENT, Role.MENTOR, Role.DIRECTOR, Role.COORDINATOR, Role.DEPARTMENT)


def require_role(actor: User, roles: frozenset[Role]) -> None:
    """NotAllowed unless the actor has one of `roles`: checked first, before any lookup."""
    if actor.role not in roles:
        raise NotAllowed("role")
