"""The engine's optional authorization hook: what the flow's execution role may call.

`Engine(authorize=...)` takes a callable `authorize(action, resource)` that returns when the role may
make the call and raises `PermissionError` (naming the action and resource) when it may not. The
engine asks it before every FC invocation (`fc:InvokeFunction` on the task's function ARN) and every
execution a flow starts (`fnf:StartExecution`, and `fnf:DescribeExecution` before a sync task waits
for the child), with ARNs as the flow names them (empty region and account: the caller's). Without
a hook (the default) nothing is checked.

A denial fails the task as the service fails it: FC's error code for a call the caller may not make
is `AccessDenied` (HTTP 403, "Function Compute error codes",
https://www.alibabacloud.com/help/en/function-compute/latest/error-codes), which a flow sees as
`FC.AccessDenied` like every FC error; the FnF API's is `AccessDenied` too, which a flow sees with the
`fnf.` prefix of the other StartExecution errors.
"""

from __future__ import annotations

from collections.abc import Callable

from fdl.errors import StepError

Authorize = Callable[[str, str], None]

FC_DENIED = "FC.AccessDenied"
FNF_DENIED = "fnf.AccessDenied"


def check(hook: Authorize | None, action: str, resource: str, *, error: str) -> None:
    if hook is None:
        return
    try:
        hook(action, resource)
    except PermissionError as e:
        raise StepError(error, str(e)) from e


def flow_arn(flow: str, execution: str | None = None) -> str:
    arn = f"acs:fnf:::flow/{flow}"
    return arn if execution is None else f"{arn}/execution/{execution}"
