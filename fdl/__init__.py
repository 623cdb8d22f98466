"""A local interpreter for Serverless Workflow (CloudFlow) FDL v1 flows.

It runs flows with CloudFlow's data flow, conditions, retry/catch, nested flows and limits, calling
Function Compute handlers registered by ARN, so a flow that would break in the cloud breaks here
with an error naming the rule or limit. It knows nothing about what the handlers do.

    flow = fdl.load_flow(Path("flows/main.yaml"), variables={...})
    registry = fdl.Registry()
    registry.add_flow("main", flow)
    registry.add_function("acs:fc:::services/svc/functions/fn", handler)
    result = fdl.Engine(registry, clock=fdl.VirtualClock()).run("main", {...})

Choices where CloudFlow's documentation is silent (each stated where it is implemented):

- a mapping from a path that does not exist fails the step with `FnF.MappingSourceMissing` naming the
  path (`mappings="strict"`, the default); `mappings="lenient"` maps it to null (`fdl.paths`);
- `true == "true"` holds by default (`boolean_compare="string"`), not with "strict" (`fdl.conditions`);
- `maxAttempts` counts retries after the first call, per retry rule (`fdl.interpreter`);
- a function result that is not a JSON object fails the task with `FnF.InvalidTaskResult` (`fdl.fc`);
- `succeed` inside a choice branch also ends the sequence around the choice, up to the nearest
  foreach iteration, parallel branch or flow (`fdl.interpreter`);
- foreach/parallel: the first failure wins once running iterations finish (`fdl.interpreter`);
- requestResponse and fnf:StartExecution tasks output `{}`; sync outputs the child's output;
- StartExecution of a running execution's name returns it; of an ended one, `ExecutionAlreadyExists`
  (documented); an unnamed execution gets a UUID, as in CloudFlow (`fdl.engine`);
- account quotas (`quotas=Quotas()`, off by default): a throttled StartExecution fails with
  `ResourceThrottled`, a step entry waits for its token, a start past the running-executions quota
  fails with `ExecutionLimitExceeded`, an FC invocation past the region's instances
  (`Quotas.fc_instances_per_region`, 100) fails at once with `FC.ResourceThrottled` (`fdl.quotas`);
- the loader holds each step type to its FDL v1 attribute table and lets a mapping read only the
  `$context` fields the reference documents (`fdl.loader`);
- with an `authorize` hook, a sync task needs fnf:DescribeExecution as well as fnf:StartExecution to
  wait for its child (`fdl.access`);
- limits fail the execution with `FnF.StepDataTooLarge`, `FnF.EventLimitExceeded`,
  `FnF.ForeachItemsExceeded`, `FnF.ParallelBranchesExceeded`, `FnF.WaitTooLong` or
  `FnF.ExecutionTimedOut`, which retry and catch never see (`fdl.limits`).
"""

from __future__ import annotations

import logging

from fdl.clock import RealClock, VirtualClock
from fdl.conditions import parse_condition
from fdl.engine import Engine
from fdl.errors import (
    ExecutionAlreadyExists,
    ExecutionLimitExceeded,
    ExecutionNotFound,
    ExecutionStopped,
    ExecutionThrottled,
    FdlError,
    FlowDefinitionError,
    FlowNotFound,
    InvalidValueError,
    LimitExceeded,
    MappingSourceMissing,
    StepError,
    TemplateError,
)
from fdl.events import Event
from fdl.executions import ExecutionResult
from fdl.fc import Credentials, FCContext
from fdl.limits import Limits
from fdl.loader import load_flow
from fdl.model import (
    Branch,
    CatchRule,
    Choice,
    ChoiceStep,
    DefaultChoice,
    FailStep,
    FieldMapping,
    Flow,
    ForeachStep,
    IterationMapping,
    ParallelStep,
    PassStep,
    RetryRule,
    Step,
    SucceedStep,
    TaskStep,
    WaitStep,
)
from fdl.quotas import Quotas, QuotaStats
from fdl.registry import Registry
from fdl.template import placeholders, render

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "Branch",
    "CatchRule",
    "Choice",
    "ChoiceStep",
    "Credentials",
    "DefaultChoice",
    "Engine",
    "Event",
    "ExecutionAlreadyExists",
    "ExecutionLimitExceeded",
    "ExecutionNotFound",
    "ExecutionResult",
    "ExecutionStopped",
    "ExecutionThrottled",
    "FCContext",
    "FailStep",
    "FdlError",
    "FieldMapping",
    "Flow",
    "FlowDefinitionError",
    "FlowNotFound",
    "ForeachStep",
    "InvalidValueError",
    "IterationMapping",
    "LimitExceeded",
    "Limits",
    "MappingSourceMissing",
    "ParallelStep",
    "PassStep",
    "QuotaStats",
    "Quotas",
    "RealClock",
    "Registry",
    "RetryRule",
    "Step",
    "StepError",
    "SucceedStep",
    "TaskStep",
    "TemplateError",
    "VirtualClock",
    "WaitStep",
    "load_flow",
    "parse_condition",
    "placeholders",
    "render",
]
