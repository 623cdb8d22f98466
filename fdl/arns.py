"""The resource ARNs a task step may name: a Function Compute function or a flow (a child execution).

The loader checks a step's `resourceArn` against them, the registry resolves a function by them and the
interpreter tells a child flow from a function with them: one definition for the three.
"""

from __future__ import annotations

import re

# acs:fc:<region>:<account>:services/<service>[.<qualifier>]/functions/<function> (the service part may be absent)
FC_ARN = re.compile(r"acs:fc:([^:]*):([^:]*):(?:services/([^/]+)/)?functions/([^/]+)")
FLOW_ARN = re.compile(r"acs:fnf:::flow/(.+)")
