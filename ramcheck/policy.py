"""A RAM policy document and RAM's rules for matching a request against it.

Rules, from "Policy structure and syntax" (https://www.alibabacloud.com/help/en/ram/policy-structure-and-syntax):
`Version` is "1"; each statement has `Effect` ("Allow" or "Deny", case-sensitive), `Action` and
`Resource` (a string or a list of strings); in their values `*` matches zero or more characters and
`?` exactly one. A request is allowed when some Allow statement matches it and no Deny statement does.

Where that page is silent we take the stricter reading:
- action and resource values match case-sensitively (`fnf:startexecution` does not grant
  `fnf:StartExecution`);
- `Condition`, `NotAction`, `NotResource` and `Principal` are refused with `PolicyError` rather than
  guessed at: a condition cannot be judged without the request context RAM has.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ramcheck.catalog import ALL_RESOURCES
from ramcheck.errors import PolicyError

_SUPPORTED = frozenset({"Effect", "Action", "Resource"})
_EFFECTS = ("Allow", "Deny")


class Effect(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True)
class Statement:
    effect: Effect
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def matches(self, action: str, resource: str) -> bool:
        return any(wildcard_match(p, action) for p in self.actions) and any(
            resource_matches(p, resource) for p in self.resources
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    statement: int | None  # index of the deciding statement; None for the implicit deny

    @property
    def explicit_deny(self) -> bool:
        return not self.allowed and self.statement is not None


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]

    @classmethod
    def parse(cls, document: str | Mapping[str, Any]) -> Policy:
        """A policy from its JSON text or parsed form; `PolicyError` names what RAM would reject."""
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError as e:
                raise PolicyError("policy", f"not JSON: {e}") from e
        if not isinstance(document, Mapping):
            raise PolicyError("policy", "must be a JSON object with Version and Statement")
        if document.get("Version") != "1":
            raise PolicyError("Version", f'must be "1", got {document.get("Version")!r}')
        statements = document.get("Statement")
        if not isinstance(statements, list) or not statements:
            raise PolicyError("Statement", "must be a non-empty list of statements")
        return cls(tuple(_statement(i, s) for i, s in enumerate(statements)))

    def decide(self, action: str, resource: str) -> Decision:
        """Deny wins over Allow; without a matching Allow the request is denied implicitly."""
        matching = [(i, s) for i, s in enumerate(self.statements) if s.matches(action, resource)]
        deny = next((i for i, s in matching if s.effect is Effect.DENY), None)
        if deny is not None:
            return Decision(False, deny)
        allow = next((i for i, s in matching if s.effect is Effect.ALLOW), None)
        return Decision(allow is not None, allow)

    def without(self, action: str) -> Policy:
        """The same policy with `action` removed from every statement (statements left empty dropped)."""
        kept = []
        for s in self.statements:
            actions = tuple(a for a in s.actions if a != action)
            if actions:
                kept.append(Statement(s.effect, actions, s.resources))
        return Policy(tuple(kept))


def wildcard_match(pattern: str, value: str) -> bool:
    return _compiled(pattern).fullmatch(value) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    """An action without resource-level authorization is checked against `*`, which only a Resource
    made of `*` covers (an ARN pattern such as `acs:fnf:*` does not)."""
    if resource == ALL_RESOURCES:
        return bool(pattern) and set(pattern) == {"*"}
    return wildcard_match(pattern, resource)


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def _statement(index: int, raw: Any) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, Mapping):
        raise PolicyError(where, "must be a JSON object")
    unknown = sorted(set(raw) - _SUPPORTED)
    if unknown:
        raise PolicyError(where, f"{', '.join(unknown)}: not evaluated locally (supported: Effect, Action, Resource)")
    if raw.get("Effect") not in _EFFECTS:
        raise PolicyError(f"{where}.Effect", f'must be "Allow" or "Deny", got {raw.get("Effect")!r}')
    actions = _strings(f"{where}.Action", raw.get("Action"))
    for action in actions:
        if action != "*" and ":" not in action:
            raise PolicyError(f"{where}.Action", f"{action!r} is not of the form <service>:<action>")
    return Statement(Effect(raw["Effect"]), actions, _strings(f"{where}.Resource", raw.get("Resource")))


def _strings(where: str, value: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise PolicyError(where, "must be a non-empty string or a non-empty list of non-empty strings")
    return tuple(values)
