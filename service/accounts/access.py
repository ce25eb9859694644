"""Who is calling, and what each role and scope may do. One table; no rule elsewhere.

Each route declares one :class:`Rule` (an action and the object it touches) through
``service.api.deps.Authorize``; the unit of work enforces it before the route's work runs.
"""

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
    permits_write = "permits.write"
    reminders = "reminders"
    reminders_mute = "reminders.mute"
    webhooks_own = "webhooks.own"
    personal_data = "personal.data"
    course_read = "course.read"
    course_attempt = "course.attempt"
    course_progress = "course.progress"
    whoami = "auth.me"
    metrics_read = "metrics.read"


class Owner(StrEnum):
    """Which object a route touches, as far as a caller limited to its own objects is
    concerned (the bot, acting for one Telegram user)."""

    none = "-"  # no personal object: texts, the bot's reminder feed, staff work
    acting_user = "acting user"  # the route itself lists or creates the acting user's cards
    card = "card"  # the path's card_id: a card linked to the acting Telegram user
    person = "person"  # the path's person_id: a holder of one of the acting user's cards
    telegram_user = "telegram user"  # the path's telegram_user_id: the acting user only
    caller = "caller's own"  # records the caller made (its scans, its endpoints)


@dataclass(frozen=True)
class Rule:
    """What a route needs: ``action`` (None: public, no credentials) on ``owner``."""

    action: Action | None
    owner: Owner = Owner.none


PUBLIC = Rule(action=None)

# Roles and API-key scopes allowed each action. The bot scope is further limited to the
# acting Telegram user's objects wherever a rule names an owner (service.api.deps).
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
    # Recording a patent and its payments. The bot may (the holder reports it); scoping the
    # bot to its own user's cards is the lead's per-route work.
    Action.permits_write: ({Role.admin}, {Scope.cards_write, Scope.bot}),
    Action.reminders: ({Role.admin}, {Scope.bot}),
    Action.reminders_mute: ({Role.admin}, {Scope.bot}),
    Action.personal_data: ({Role.admin}, set()),
    # Events describe cards: only keys that may read cards own webhooks (not stats:read).
    Action.webhooks_own: (set(), {Scope.cards_read, Scope.cards_write}),
    # Course and guide texts: any authenticated caller. Statistics: stats_read.
    Action.course_read: (set(Role), set(Scope)),
    Action.course_attempt: ({Role.admin}, {Scope.bot, Scope.cards_write}),
    Action.metrics_read: ({Role.admin}, {Scope.metrics_read}),
    Action.course_progress: (
        {Role.admin, Role.officer, Role.border},
        {Scope.bot, Scope.cards_write, Scope.cards_read},
    ),
    Action.whoami: (set(Role), set(Scope)),
}

STAFF_WHO_CHECK = frozenset({Role.officer, Role.border})


def allowed(action: Action) -> tuple[frozenset[Role], frozenset[Scope]]:
    roles, scopes = _ALLOWED[action]
    return frozenset(roles), frozenset(scopes)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a signed-in user (role) or an API key (scopes).

    ``telegram_user_id`` is the Telegram user the bot acts for in this request (the
    ``X-Telegram-User-Id`` header; only ever set for a key with the bot scope).
    """

    kind: str  # "user" | "api_key"
    id: uuid.UUID
    name: str
    role: Role | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    telegram_user_id: int | None = None

    @property
    def actor(self) -> str:
        """How events and audit records name this caller (no personal data)."""
        return f"{self.kind}:{self.id}"

    @property
    def is_bot(self) -> bool:
        """The bot's key: limited to the acting Telegram user's objects."""
        return Scope.bot in self.scopes

    @property
    def checks_documents(self) -> bool:
        """Police, migration and border officers: find one card, see what a check needs."""
        return self.role in STAFF_WHO_CHECK

    def can(self, action: Action) -> bool:
        roles, scopes = _ALLOWED[action]
        if self.role is not None and self.role in roles:
            return True
        return bool(self.scopes & scopes)

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise Forbidden(f"{self.kind} may not perform {action.value}")
