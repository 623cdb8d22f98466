"""A local RAM evaluator: judge a request (action, resource) against a policy with RAM's rules.

    policy = ramcheck.Policy.parse(policy_json)
    authorize = ramcheck.Authorizer(policy, region="cn-hangzhou", account="1234567890123456")
    authorize("fc:InvokeFunction", "acs:fc:cn-hangzhou::services/svc/functions/fn")   # or AccessDenied

`ramcheck.catalog` holds, per action, the resource form its service documents (or "All Resources"),
with the page that says so; `ramcheck.policy` holds the matching rules and the choices made where
RAM's documentation is silent. It has no dependency: the engine (`fdl`) and the emulator (`ossemu`)
take an `authorize` callable and know nothing of it.
"""

from __future__ import annotations

from ramcheck.authorizer import Authorizer
from ramcheck.catalog import ACTIONS, ALL_RESOURCES, VERSIONED, ActionSpec, request_action, spec_of
from ramcheck.errors import AccessDenied, PolicyError, RamCheckError
from ramcheck.policy import Decision, Effect, Policy, Statement, wildcard_match

__all__ = [
    "ACTIONS",
    "ALL_RESOURCES",
    "VERSIONED",
    "AccessDenied",
    "ActionSpec",
    "Authorizer",
    "Decision",
    "Effect",
    "Policy",
    "PolicyError",
    "RamCheckError",
    "Statement",
    "request_action",
    "spec_of",
    "wildcard_match",
]
