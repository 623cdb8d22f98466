"""Judge one request (action, resource) against one role's policy, as RAM would.

The resource is the ARN the caller names; empty region and account fields (`acs:fnf:::flow/x`, as
flow definitions write them) are filled with the role's own region and account, as the service
does for the caller. The catalog then says what RAM really checks: the ARN for an action with
resource-level authorization (which must have the documented form), `*` for one without.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ramcheck.catalog import ALL_RESOURCES, spec_of
from ramcheck.errors import AccessDenied
from ramcheck.policy import Policy

_FIELD = re.compile(r"\{(\w+)\}")


class Authorizer:
    """`authorizer(action, resource)` returns when `policy` allows it and raises `AccessDenied` otherwise."""

    def __init__(self, policy: Policy, *, region: str, account: str) -> None:
        self.policy = policy
        self.region = region
        self.account = account

    def __call__(self, action: str, resource: str) -> None:
        self.check(action, resource)

    def allows(self, action: str, resource: str) -> bool:
        try:
            self.check(action, resource)
        except AccessDenied:
            return False
        return True

    def check(self, action: str, resource: str) -> None:
        named = self.qualify(resource)
        spec = spec_of(action)
        if spec is None:
            raise AccessDenied(
                action,
                named,
                "how RAM authorizes this action is not in ramcheck.catalog "
                "(add its resource form and the page that documents it)",
            )
        if spec.resource_level and not form_pattern(spec.resource).fullmatch(named):
            raise AccessDenied(action, named, f"RAM checks this action against a resource of the form {spec.resource}")
        checked = named if spec.resource_level else ALL_RESOURCES
        decision = self.policy.decide(action, checked)
        if decision.allowed:
            return
        if decision.explicit_deny:
            raise AccessDenied(action, named, f"statement {decision.statement} of the policy denies it")
        how = (
            "no statement allows it"
            if spec.resource_level
            else f'no statement allows it on Resource "*" (the action has no resource-level authorization, '
            f'so RAM checks it against "*" whatever the ARN; {spec.source})'
        )
        raise AccessDenied(action, named, how)

    def qualify(self, resource: str) -> str:
        """Fill an ARN's empty region and account with the role's own."""
        parts = resource.split(":", 4)
        if len(parts) != 5 or parts[0] != "acs":
            return resource
        parts[2] = parts[2] or self.region
        parts[3] = parts[3] or self.account
        return ":".join(parts)


@lru_cache(maxsize=64)
def form_pattern(form: str) -> re.Pattern[str]:
    """`acs:fc:{region}:...:services/{service}[.{qualifier}]/...` -> a regex for concrete ARNs of that form.

    A field matches one or more characters other than `:` and `/`; `{key}` (an OSS object key) any
    characters; `[...]` marks an optional part.
    """
    out, i = [], 0
    while i < len(form):
        c = form[i]
        if c == "{":
            end = form.index("}", i)
            out.append(".+" if form[i + 1 : end] == "key" else "[^:/]+")
            i = end + 1
            continue
        out.append({"[": "(?:", "]": ")?"}.get(c, re.escape(c)))
        i += 1
    return re.compile("".join(out), re.DOTALL)
