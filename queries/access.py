"""Who is asking: the principal every request and command acts as.

A principal is decided once per request (from its API token or session) and
handed to the data layer, which alone decides what it may see (consent,
roles) — routes never filter on their own.

Roles:

* ``admin`` — users, consent, rollbacks; sees everything.
* ``analyst`` — BPO operator staff: every client of the operator.
* ``credit_officer`` — bound to one bank (``bank``): firms that consented to
  share with that bank in full; what their own ledgers say about partners;
  everything else masked (see ``docs/access.md``).
* ``researcher`` — aggregates and pseudonymised exports only, never a name or id.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Role", "Principal", "SYSTEM"]


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    CREDIT_OFFICER = "credit_officer"
    RESEARCHER = "researcher"


@dataclass(frozen=True, slots=True)
class Principal:
    """A user acting in a role; ``bank`` is set for (and only for) credit officers."""

    user: str
    role: Role
    bank: str | None = None

    def __post_init__(self) -> None:
        if (self.role is Role.CREDIT_OFFICER) != (self.bank is not None):
            raise ValueError("a credit officer is bound to exactly one bank; other roles to none")

    @property
    def sees_everything(self) -> bool:
        """Admins and analysts see every firm of the operator."""
        return self.role in (Role.ADMIN, Role.ANALYST)


SYSTEM = Principal("system", Role.ADMIN)
"""The principal of local CLI work run by the operator on the store's machine."""
