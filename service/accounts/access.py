"""Who is calling, and what each role and scope may do. One table; no rule elsewhere."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from service.accounts.models import Role, Scope
from service.core.errors import Forbidden


class Action(StrEnum):
    cards_create = "cards.create"
    cards_read = "cards.read"
    cards_entry = "cards.entry"
    cards_exit = "cards.exit"
    cards_extend = "cards.extend"
    cards_revoke = "cards.revoke"
    accounts_manage = "accounts.manage"
    stats_read = "stats.read"
    proofs_issue = "proofs.issue"
    proofs_verify = "proofs.verify"
    telegram_profiles = "telegram.profiles"
    checklist_done = "checklist.done"
    reminders = "reminders"
    webhooks_own = "webhooks.own"
    personal_data = "personal.data"
    course_read = "course.read"
    course_attempt = "course.attempt"
    course_progress = "course.progress"
    metrics_read = "metrics.read"


_ALLOWED: dict[Action, tuple[set[Role], set[Scope]]] = {
    Action.cards_create: ({Role.admin}, {Scope.cards_write, Scope.bot}),
    Action.cards_read: (
        {Role.admin, Role.officer, Role.border},
        {Scope.cards_read, Scope.cards_write, Scope.bot},
    ),
    Action.cards_entry: ({Role.admin, Role.border}, set()),
    Action.cards_exit: ({Role.admin, Role.border}, set()),
    Action.cards_extend: ({Role.admin}, {Scope.cards_write}),
    Action.cards_revoke: ({Role.admin}, set()),
    Action.accounts_manage: ({Role.admin}, set()),
    Action.stats_read: ({Role.admin, Role.analyst}, {Scope.stats_read}),
    Action.proofs_issue: ({Role.admin}, {Scope.bot, Scope.cards_read, Scope.cards_write}),
    Action.proofs_verify: ({Role.admin, Role.officer, Role.border}, set()),
    Action.telegram_profiles: ({Role.admin}, {Scope.bot}),
    Action.checklist_done: ({Role.admin}, {Scope.cards_write, Scope.bot}),
    Action.reminders: ({Role.admin}, {Scope.bot}),
    Action.personal_data: ({Role.admin}, set()),
    Action.webhooks_own: (set(), {Scope.cards_read, Scope.cards_write, Scope.stats_read}),
    # Course and guide texts: any authenticated caller. Statistics: stats_read.
    Action.course_read: (set(Role), set(Scope)),
    Action.course_attempt: ({Role.admin}, {Scope.bot, Scope.cards_write}),
    Action.metrics_read: ({Role.admin}, {Scope.metrics_read}),
    Action.course_progress: (
        {Role.admin, Role.officer, Role.border},
        {Scope.bot, Scope.cards_write, Scope.cards_read},
    ),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a signed-in user (role) or an API key (scopes)."""

    kind: str  # "user" | "api_key"
    id: uuid.UUID
    name: str
    role: Role | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """How events and audit records name this caller (no personal data)."""
        return f"{self.kind}:{self.id}"

    def can(self, action: Action) -> bool:
        roles, scopes = _ALLOWED[action]
        if self.role is not None and self.role in roles:
            return True
        return bool(self.scopes & scopes)

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise Forbidden(f"{self.kind} may not perform {action.value}")
