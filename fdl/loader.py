"""YAML → `Flow`. Everything is validated here, before any step runs.

`load_flow` reads a `Path` (or a `str` ending in .yaml/.yml naming a file) or YAML text, renders
`{{name}}` placeholders, parses with `yaml.safe_load` and builds the frozen model. Every error is a
`FlowDefinitionError` naming the file and the key path, e.g.
`flows/main.yaml: steps[2] (checkEnd).choices[0].condition: ...`.

Each step type is held to the attribute table of its FDL v1 page (`_STEP_KEYS`, which cites them): the
keys it may have, the ones it must have, and their allowed values. Where a page's prose and its table
disagree, or the pages are silent, the stricter reading is taken and said so where it is implemented: a
flow that loads here is one the documentation says CloudFlow accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from fdl import model as m
from fdl.arns import FC_ARN, FLOW_ARN
from fdl.conditions import ConditionSyntaxError, parse_condition
from fdl.errors import FlowDefinitionError, TemplateError
from fdl.limits import Limits
from fdl.paths import PathExpr, PathSyntaxError, parse_path, parse_source
from fdl.template import render

# "Introduction" (help.aliyun.com/document_detail/122492): "version (Required): ... Only v1 is supported".
# Samples written for the service's beta say v1beta1; the page does not, so it is refused.
VERSIONS = ("v1",)
# Task step (help.aliyun.com/document_detail/122494): pattern requestResponse (default), sync or
# waitForCallback, and "different integration services support different execution modes": `sync` is
# documented for flows ("Integrate with Serverless Workflow", document_detail/149829), not for functions,
# so a function task takes requestResponse only (waitForCallback is valid FDL the local engine cannot run).
FUNCTION_PATTERNS = ("requestResponse",)
FLOW_PATTERNS = ("requestResponse", "sync")
START_EXECUTION = "fnf:StartExecution"
# serviceParams of a child-flow task (document_detail/149829): Input and ExecutionName; of the FnF team's
# `action: fnf:StartExecution` form (awesome-fnf/oss-copy flows/copy-multiple-files.flow.yml): FlowName too.
# A function task has none documented: its input is the event.
FLOW_SERVICE_PARAMS = ("Input", "ExecutionName")
ACTION_SERVICE_PARAMS = ("FlowName", "ExecutionName", "Input")
# errorMappings (task step page): "The source field in errorMappings must be set to" $local.error or
# $local.cause, the reserved fields a caught error fills.
ERROR_MAPPING_SOURCES = ("$local.error", "$local.cause")
# The `$context` fields a mapping may read, and nothing else: FDL v1's pages document `$context.task.token`
# (the callback token a waitForCallback task hands on: "Callbacks", help.aliyun.com/document_detail/130496,
# and "Integrate with Serverless Workflow", 149829), and the context object holds the execution, whose name
# CloudFlow documents as `$Context.Execution.Name` ("Data transfer", alibabacloud.com/help/en/
# serverless-workflow/latest/data-transfer: Execution {Name, Input, RoleArn}, Current {Name, ..., TaskToken});
# `$context.execution.name` is also how the FnF team's samples name the next execution (awesome-fnf/oss-copy).
# `$context.flow.name` and `$context.step.name` appear in samples only, with no documented counterpart (the
# context has no flow), so they are refused: what the service maps from them is not a contract.
CONTEXT_FIELDS = (("execution", "name"), ("task", "token"))
MAX_FLOW_TIMEOUT = 365 * 24 * 3600
_MAPPINGS = ("inputMappings", "outputMappings")
_DEFAULTS = Limits()


def load_flow(source: str | Path, *, name: str | None = None, variables: MappingABC[str, str] | None = None) -> m.Flow:
    label, text = _read(source, name)
    try:
        text = render(text, variables or {})
    except TemplateError as e:
        raise FlowDefinitionError(label, "", str(e)) from e
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise FlowDefinitionError(label, where, f"not valid YAML for yaml.safe_load: {getattr(e, 'problem', e)}") from e
    return _Loader(label).flow(raw)


def _read(source: str | Path, name: str | None) -> tuple[str, str]:
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml"))
    ):
        path = Path(source)
        try:
            return name or str(source), path.read_text(encoding="utf-8")
        except OSError as e:
            raise FlowDefinitionError(name or str(source), "", f"cannot read: {e.strerror}") from e
    return name or "<flow>", source


class _Loader:
    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, where: str, message: str) -> FlowDefinitionError:
        return FlowDefinitionError(self.label, where, message)

    def flow(self, raw: Any) -> m.Flow:
        self.keys(
            raw,
            "",
            ("version", "type", "steps", "timeoutSeconds", "inputMappings", "outputMappings"),
            ("version", "type", "steps"),
        )
        if raw["version"] not in VERSIONS:
            raise self.fail("version", f"{raw['version']!r} is not supported; use one of {', '.join(VERSIONS)}")
        if raw["type"] != "flow":
            raise self.fail("type", f"{raw['type']!r}: a flow document has type: flow")
        return m.Flow(
            version=raw["version"],
            type="flow",
            steps=self.steps(raw["steps"], ""),
            timeout_seconds=self.integer(raw, "timeoutSeconds", "", 1, MAX_FLOW_TIMEOUT),
            input_mappings=self.mappings(raw.get("inputMappings"), "inputMappings"),
            output_mappings=self.mappings(raw.get("outputMappings"), "outputMappings"),
            source=self.label,
        )

    # --- generic checks -------------------------------------------------------------------------

    def keys(self, raw: Any, where: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> None:
        if not isinstance(raw, dict):
            raise self.fail(where, f"expected a mapping with keys {', '.join(allowed)}, got {type(raw).__name__}")
        unknown = [k for k in raw if k not in allowed]
        if unknown:
            raise self.fail(_join(where, str(unknown[0])), f"unknown key; allowed here: {', '.join(allowed)}")
        missing = [k for k in required if raw.get(k) is None]
        if missing:
            raise self.fail(_join(where, missing[0]), "is required")

    def integer(self, raw: dict[str, Any], key: str, where: str, low: int, high: int | None) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
            allowed = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"
            raise self.fail(_join(where, key), f"{value!r} is out of range: allowed {allowed}")
        return value

    def number(
        self, raw: dict[str, Any], key: str, where: str, low: float, high: float | None, default: float
    ) -> float:
        value = raw.get(key, default)
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or value < low
            or (high is not None and value > high)
        ):
            allowed = f"a number from {low:g} to {high:g}" if high is not None else f"a number >= {low:g}"
            raise self.fail(_join(where, key), f"{value!r} is out of range: allowed {allowed}")
        return value

    def string(self, raw: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
        value = raw.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(_join(where, key), f"{value!r}: expected a non-empty string")
        return value

    def ref(self, text: Any, where: str) -> PathExpr:
        """A `$` / `$.path` reference into the step's own input."""
        if not isinstance(text, str) or not text.startswith("$"):
            raise self.fail(where, f"{text!r}: expected a reference $ or $.path into the step input")
        path = self.path(text, where)
        if path.root:
            raise self.fail(where, f"{text!r}: here references use $ or $.path (the step input), not ${path.root}")
        return path

    def path(self, text: str, where: str) -> PathExpr:
        try:
            return parse_path(text)
        except PathSyntaxError as e:
            raise self.fail(where, str(e)) from e

    # --- steps ----------------------------------------------------------------------------------

    def steps(self, raw: Any, where: str) -> tuple[m.Step, ...]:
        at = _join(where, "steps")
        if not isinstance(raw, list) or not raw:
            raise self.fail(at, "expected a non-empty list of steps")
        steps: list[m.Step] = []
        for index, item in enumerate(raw):
            label = f"{at}[{index}]"
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                label += f" ({item['name']})"
            steps.append(self.step(item, label))
        self.check_siblings(steps, at)
        return tuple(steps)

    def check_siblings(self, steps: list[m.Step], at: str) -> None:
        names: dict[str, int] = {}
        for index, step in enumerate(steps):
            if step.name in names:
                raise self.fail(
                    f"{at}[{index}] ({step.name}).name",
                    f"duplicate step name; steps[{names[step.name]}] has it already",
                )
            names[step.name] = index
        for index, step in enumerate(steps):
            for where, target in _gotos(step):
                if target not in names:
                    label = f"{at}[{index}] ({step.name}).{where}"
                    raise self.fail(label, f"goto {target!r} is not a sibling step; siblings: {', '.join(names)}")

    def step(self, raw: Any, where: str) -> m.Step:
        if not isinstance(raw, dict):
            raise self.fail(where, f"expected a step mapping, got {type(raw).__name__}")
        kind = raw.get("type")
        builder = self.builders().get(kind) if isinstance(kind, str) else None
        if builder is None:
            raise self.fail(
                _join(where, "type"), f"{kind!r} is not a step type; use one of {', '.join(self.builders())}"
            )
        allowed, required = _STEP_KEYS[str(kind)]
        self.keys(raw, where, ("type", "name", *allowed), ("name", *required))
        self.string(raw, "name", where, required=True)
        if not isinstance(raw.get("end", False), bool):
            raise self.fail(_join(where, "end"), "expected true or false")
        common = dict(
            name=raw["name"],
            end=raw.get("end", False),
            input_mappings=self.mappings(raw.get("inputMappings"), _join(where, "inputMappings")),
            output_mappings=self.mappings(raw.get("outputMappings"), _join(where, "outputMappings")),
        )
        return builder(raw, where, common)

    def builders(self) -> dict[str, Callable[[dict[str, Any], str, dict[str, Any]], m.Step]]:
        return {
            "pass": self.pass_step,
            "task": self.task,
            "choice": self.choice,
            "foreach": self.foreach,
            "parallel": self.parallel,
            "wait": self.wait,
            "succeed": self.succeed,
            "fail": self.fail_step,
        }

    def pass_step(self, raw: dict[str, Any], where: str, common: dict[str, Any]) -> m.Step:
        return m.PassStep(**common)

    def succeed(self, raw: dict[str, Any], where: str, common: dict[str, Any]) -> m.Step:
        return m.SucceedStep(**common)

    def fail_step(self, raw: dict[str, Any], where: str, common: dict[str, Any]) -> m.Step:
        # The fail step's table (document_detail/122501) marks `error` optional, but what error an execution
        # failed by a fail step without one reports is not documented: the engine requires it (stricter)
        # rather than invent a name that retry and catch rules would match.
        cause = raw.get("cause", "")
        if not isinstance(cause, str):
            raise self.fail(_join(where, "cause"), "expected a string")
        return m.FailStep(**common, error=self.string(raw, "error", where, required=True) or "", cause=cause)

    def task(self, raw: dict[str, Any], where: str, common: dict[str, Any]) -> m.Step:
        arn, action = raw.get("resourceArn"), raw.get("action")
        if (arn is None) == (action is None):
            raise self.fail(where, "a task needs exactly one of resourceArn or action")
        if action is not None and action != START_EXECUTION:
            raise self.fail(_join(where, "action"), f"{action!r}: the only action is {START_EXECUTION}")
        if arn is not None:
            self.check_arn(arn, _join(where, "resourceArn"))
        is_flow = action is None and isinstance(arn, str) and FLOW_ARN.fullmatch(arn) is not None
        pattern = raw.get("pattern", "requestResponse")
        if pattern == "waitForCallback":
            raise self.fail(
                _join(where, "pattern"), "waitForCallback is valid FDL but the local engine does not run callbacks"
            )
        patterns = FLOW_PATTERNS if is_flow else FUNCTION_PATTERNS
        if pattern not in patterns:
            target = "a child flow" if is_flow else f"{START_EXECUTION}" if action is not None else "a function"
            raise self.fail(
                _join(where, "pattern"), f"{pattern!r}: the patterns documented for {target}: {', '.join(patterns)}"
            )
        if raw.get("serviceParams") is not None and not is_flow and action is None:
            raise self.fail(
                _join(where, "serviceParams"),
                "serviceParams are documented for flow integration (a child flow "
                f"or {START_EXECUTION}), not for a function task, whose input is the event",
            )
        allowed_params = ACTION_SERVICE_PARAMS if action is not None else FLOW_SERVICE_PARAMS
        params = self.service_params(raw.get("serviceParams"), _join(where, "serviceParams"), allowed_params)
        if action is not None and "FlowName" not in dict(params):
            raise self.fail(_join(where, "serviceParams.FlowName"), f"is required by {START_EXECUTION}")
        return m.TaskStep(
            **common,
            resource_arn=arn,
            action=action,
            pattern=pattern,
            timeout_seconds=self.integer(raw, "timeoutSeconds", where, 1, 86400),
            service_params=params,
            retry=tuple(self.retry(r, f"{where}.retry[{i}]") for i, r in enumerate(self.items(raw, "retry", where))),
            catch=tuple(self.catch(c, f"{where}.catch[{i}]") for i, c in enumerate(self.items(raw, "catch", where))),
            error_mappings=self.error_mappings(raw.get("errorMappings"), _join(where, "errorMappings")),
        )

    def error_mappings(self, raw: Any, where: str) -> tuple[m.FieldMapping, ...]:
        mappings = self.mappings(raw, where)
        for index, mapping in enumerate(mappings):
            text = mapping.source.text if isinstance(mapping.source, PathExpr) else repr(mapping.source.value)
            if text not in ERROR_MAPPING_SOURCES:
                raise self.fail(
                    f"{where}[{index}].source", f"{text}: errorMappings read only {' or '.join(ERROR_MAPPING_SOURCES)}"
                )
        return mappings

    def check_arn(self, arn: Any, where: str) -> None:
        if not isinstance(arn, str) or not (FC_ARN.fullmatch(arn) or FLOW_ARN.fullmatch(arn)):
            raise self.fail(
                where,
                f"{arn!r} is not a function ARN (acs:fc:<region>:<account>:services/<service>[.<qualifier>]/functions/<function>) "
                "or a flow ARN (acs:fnf:::flow/<name>)",
            )

    def items(self, raw: dict[str, Any], key: str, where: str) -> list[Any]:
        value = raw.get(key) or []
        if not isinstance(value, list):
            raise self.fail(_join(where, key), "expected a list")
        return value

    def service_params(self, raw: Any, where: str, allowed: tuple[str, ...]) -> tuple[tuple[str, m.Source], ...]:
        if raw is None:
            return ()
        self.keys(raw, where, allowed)
        params = []
        for key, value in raw.items():
            at = _join(where, key)
            source = self.ref(value, at) if isinstance(value, str) and value.startswith("$") else parse_source(value)
            params.append((key, source))
        return tuple(params)

    def retry(self, raw: Any, where: str) -> m.RetryRule:
        self.keys(
            raw, where, ("errors", "intervalSeconds", "maxAttempts", "multiplier", "maxIntervalSeconds"), ("errors",)
        )
        return m.RetryRule(
            errors=self.errors(raw, where),
            interval_seconds=self.number(raw, "intervalSeconds", where, 1, 86400, 1),
            max_attempts=self.integer(raw, "maxAttempts", where, 0, None) if "maxAttempts" in raw else 3,  # type: ignore[arg-type]  # present: not None
            multiplier=self.number(raw, "multiplier", where, 1, None, 2),
            max_interval_seconds=self.number(raw, "maxIntervalSeconds", where, 1, 86400, 86400),
        )

    def catch(self, raw: Any, where: str) -> m.CatchRule:
        self.keys(raw, where, ("errors", "goto"), ("errors", "goto"))
        return m.CatchRule(errors=self.errors(raw, where), goto=self.string(raw, "goto", where, required=True) or "")

    def errors(self, raw: dict[str, Any], where: str) -> tuple[str, ...]:
        errors = raw["errors"]
        if not isinstance(errors, list) or not errors or not all(isinstance(e, str) and e for e in errors):
            raise self.fail(_join(where, "errors"), "expected a non-empty list of error names")
        return tuple(errors)

    def choice(self, raw: dict[str, Any], where: str, common: dict[str, Any]) -> m.Step:
        choices = raw["choices"]
        if not isinstance(choices, list) or not choices:
            raise self.fail(_join(where, "choices"), "expected a non-empty list")
        built = []
        for index, item in enumerate(choices):
            at = f"{where}.choices[{index}]"
            self.keys(item, at, ("condition", "steps", "goto"), ("condition",))
            try:
                condition = parse_condition(item["condition"])
            except ConditionSyntaxError as e:
                raise self.fail(f"{at}.condition", f"{item['condition']!r}: {e}") from e
            built.append(
                m.Choice(condition, item["condition"], self.optional_steps(item, at), self.string(item, "goto", at))
            )
        # `default` is required (see _STEP_KEYS), its steps and goto optional: an empty default takes no branch.
        at = _join(where, "default")
        self.keys(raw["default"], at, ("steps", "goto"))
        default = m.DefaultChoice(self.optional_steps(raw["default"], at), self.string(raw["default"], "goto", at))
        return m.ChoiceStep(**common, choices=tuple(built), default=default)

    def optional_steps(self, raw: dict[str, Any], where: str) -> tuple[m.Step, ...]:
        return self.steps(raw["steps"], where) if raw.get("steps") is not None else ()

    def foreach(self, raw: dict[str, Any], where: str, common: dict[str, Any]) -> m.Step:
        at = _join(where, "iterationMapping")
        mapping = raw["iterationMapping"]
        self.keys(mapping, at, ("collection", "item", "index"), ("collection", "item"))
        iteration = m.IterationMapping(
            collection=self.ref(mapping["collection"], _join(at, "collection")),
            item=self.string(mapping, "item", at, required=True) or "",
            index=self.string(mapping, "index", at),
        )
        return m.ForeachStep(**common, iteration_mapping=iteration, steps=self.steps(raw["steps"], where))

    def parallel(self, raw: dict[str, Any], where: str, common: dict[str, Any]) -> m.Step:
        branches = raw["branches"]
        at = _join(where, "branches")
        if not isinstance(branches, list) or not branches:
            raise self.fail(at, "expected a non-empty list of branches")
        if len(branches) > _DEFAULTS.parallel_branches:
            raise self.fail(at, f"{len(branches)} branches: CloudFlow allows at most {_DEFAULTS.parallel_branches}")
        built = []
        for index, branch in enumerate(branches):
            self.keys(branch, f"{at}[{index}]", ("steps",), ("steps",))
            built.append(m.Branch(self.steps(branch["steps"], f"{at}[{index}]")))
        return m.ParallelStep(**common, branches=tuple(built))

    def wait(self, raw: dict[str, Any], where: str, common: dict[str, Any]) -> m.Step:
        duration, timestamp = raw.get("duration"), raw.get("timestamp")
        if (duration is None) == (timestamp is None):
            raise self.fail(where, "a wait step needs exactly one of duration or timestamp")
        if isinstance(duration, str):
            return m.WaitStep(**common, duration=self.ref(duration, _join(where, "duration")))
        if duration is not None:
            return m.WaitStep(**common, duration=self.number(raw, "duration", where, 0, _DEFAULTS.wait_seconds, 0))
        at = _join(where, "timestamp")
        if isinstance(timestamp, str) and timestamp.startswith("$"):
            return m.WaitStep(**common, timestamp=self.ref(timestamp, at))
        return m.WaitStep(**common, timestamp=self.timestamp(timestamp, at))

    def timestamp(self, value: Any, where: str) -> datetime:
        parsed = parse_timestamp(value)
        if parsed is None:
            raise self.fail(where, f"{value!r} is not an RFC 3339 time with a zone, e.g. 2024-01-31T08:00:00Z")
        return parsed

    # --- mappings -------------------------------------------------------------------------------

    def mappings(self, raw: Any, where: str) -> tuple[m.FieldMapping, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            raise self.fail(where, "expected a list of {target, source}")
        return tuple(self.mapping(item, f"{where}[{index}]") for index, item in enumerate(raw))

    def mapping(self, raw: Any, where: str) -> m.FieldMapping:
        self.keys(raw, where, ("target", "source"), ("target",))
        if "source" not in raw:
            raise self.fail(_join(where, "source"), "is required")
        target = self.string(raw, "target", where, required=True) or ""
        value = raw["source"]
        if not (isinstance(value, str) and value.startswith("$")):
            return m.FieldMapping(target, parse_source(value))
        path = self.path(value, _join(where, "source"))
        if not path.root:
            raise self.fail(_join(where, "source"), f"{value!r}: mapping sources use $input, $local or $context")
        if path.root == "context" and tuple(path.segments) not in CONTEXT_FIELDS:
            documented = ", ".join("$context." + ".".join(field) for field in CONTEXT_FIELDS)
            raise self.fail(_join(where, "source"), f"{value!r}: the $context fields FDL v1 documents are {documented}")
        return m.FieldMapping(target, path)


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _gotos(step: m.Step) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(step, m.ChoiceStep):
        found += [(f"choices[{i}].goto", c.goto) for i, c in enumerate(step.choices) if c.goto]
        if step.default is not None and step.default.goto:
            found.append(("default.goto", step.default.goto))
    if isinstance(step, m.TaskStep):
        found += [(f"catch[{i}].goto", c.goto) for i, c in enumerate(step.catch)]
    return found


# Per step type: (the keys its FDL v1 page lists besides type and name, the ones it marks required), from
# the attribute tables of help.aliyun.com/document_detail/<id> (English: alibabacloud.com/help/doc-detail/<id>.htm).
_STEP_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Pass steps (122496): end, inputMappings, outputMappings.
    "pass": (("end", *_MAPPINGS), ()),
    # Task steps (122494): resourceArn, pattern, timeoutSeconds, end, the mappings, errorMappings, retry,
    # catch; serviceParams from the integration page (149829). `action` is the FnF team's continue-as-new
    # form (awesome-fnf/oss-copy flows/copy-multiple-files.flow.yml); a task has exactly one of the two.
    "task": (
        (
            "resourceArn",
            "action",
            "pattern",
            "timeoutSeconds",
            "serviceParams",
            "retry",
            "catch",
            "errorMappings",
            "end",
            *_MAPPINGS,
        ),
        (),
    ),
    # Choice steps (122497): choices (condition required; steps, goto optional), default, end, the mappings.
    # The table marks `default` "Required" while the prose says the step ends "if no default is defined":
    # the stricter reading, required.
    "choice": (("choices", "default", "end", *_MAPPINGS), ("choices", "default")),
    # Foreach steps (122499): iterationMapping (collection and item required, index optional), steps, end,
    # the mappings.
    "foreach": (("iterationMapping", "steps", "end", *_MAPPINGS), ("iterationMapping", "steps")),
    # Parallel steps (122498): branches (each with steps), end, the mappings.
    "parallel": (("branches", "end", *_MAPPINGS), ("branches",)),
    # Wait steps (122495): duration or timestamp ("either ... but not both": checked in `wait`), end, the
    # mappings.
    "wait": (("duration", "timestamp", "end", *_MAPPINGS), ()),
    # Succeed steps (122500): only the mappings; the step ends its sequence, and the table has no `end`.
    "succeed": (_MAPPINGS, ()),
    # Fail steps (122501): error, cause, the mappings; no `end`. `error` is required here (see fail_step).
    "fail": (("error", "cause", *_MAPPINGS), ("error",)),
}
