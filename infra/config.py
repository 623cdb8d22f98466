"""The deployment matrix: one validated `DeploymentConfig` per (environment, region).

Read from `infra/environments.yaml`; every value is checked here so that a bad entry fails before
synthesis with the field name and the allowed range, never halfway through a Terraform apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.errors import DeploymentConfigError, UnknownStackError
from restore_core import copy_plan, params
from restore_core.errors import InvalidParameter

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent / "environments.yaml"

# Python runtimes each FC version offers, from FC's runtime pages:
#   FC 2.0 "Function Compute: Overview" (Python runtimes):
#     alibabacloud.com/help/en/functioncompute/fc-2-0/user-guide/overview
#     python3.10, python3.9, python3 (3.6)
#   FC 3.0 "Function Compute: Overview" (Python runtimes):
#     alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/runtime-overview-2
#     python3.12 (in listed regions only), python3.10, python3.9, python3
FC_PYTHON_RUNTIMES: dict[str, tuple[str, ...]] = {
    "2.0": ("python3.10", "python3.9", "python3"),
    "3.0": ("python3.12", "python3.10", "python3.9", "python3"),
}
# The stacks declare alicloud_fc_service/alicloud_fc_function, which are FC 2.0 (see docs/cloud.md, "Why FC 2.0
# resources"). The handlers need Python 3.10 or newer, so a runtime must be both offered and supported.
STACK_FC_VERSION = "2.0"
HANDLER_RUNTIMES = ("python3.10", "python3.12")
RUNTIMES = tuple(r for r in FC_PYTHON_RUNTIMES[STACK_FC_VERSION] if r in HANDLER_RUNTIMES)
# Memory (MB) of the functions the stacks declare: FC 2.0 functions without an `instance_type` run on elastic
# instances, which take 128-3,072 MB; the larger sizes the provider's schema allows (up to 32,768) exist only
# for performance instances, which these resources do not declare ("Instance types and instance modes",
# FC 2.0: alibabacloud.com/help/en/function-compute/latest/instance-types-and-instance-modes, elastic
# instances 128 to 3,072 MB; alibabacloud.com/help/doc-detail/179379.htm). A size past 3,072 would synthesize
# and plan, then fail at apply. Multiples of 64, as FC's memory sizes step.
MEMORY_MB = (128, 3072)
_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$")
# One definition of each naming rule, the handlers' own (restore_core.params).
_REGION = params.REGION_ID
_BUCKET = params.BUCKET_NAME
_ACCOUNT = re.compile(r"^[0-9]{6,20}$")
_ENV = re.compile(r"^[a-z][a-z0-9]{0,15}$")
_SUFFIX = re.compile(r"^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$")
# Simple Log Service project names are unique per region across all accounts: 3-63 characters, lowercase
# letters, digits and '-', starting and ending with a letter or digit ("Simple Log Service: CreateProject",
# alibabacloud.com/help/en/sls/api-createproject; "Create a project",
# alibabacloud.com/help/en/sls/developer-reference/create-project-python).
_LOG_PROJECT = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
# An OSS backend prefix: '/'-separated segments of letters, digits, '.', '_' and '-' (no empty segment, no
# leading or trailing '/', which would make the state path differ from what Terraform lists).
_STATE_PREFIX = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
# A report prefix: the same segments, ending with '/' (every run's report is a folder below it).
_REPORT_PREFIX = re.compile(r"^([A-Za-z0-9._-]+/)+$")
# A copy target: what the handlers take as `copyTo` (restore_core.copy_plan.parse_target), its prefix narrowed to
# the report prefix's segments, since the prefix goes into a RAM resource, where '*' and '?' are wildcards.
_COPY_TARGET_ALLOWED = (
    "oss://BUCKET/ or oss://BUCKET/PREFIX/: an OSS bucket name (3-63 lowercase letters, digits and '-'), then no "
    "prefix or '/'-separated segments of letters, digits, '.', '_' and '-' ending with '/' (at most 700 bytes; "
    "no '*' or '?', which RAM reads as wildcards)"
)


@dataclass(frozen=True)
class LocalStateBackend:
    """State in a file named after the stack, relative to the stack directory."""


@dataclass(frozen=True)
class OssStateBackend:
    """State in an OSS bucket, optionally locked through a Tablestore table."""

    bucket: str
    region: str
    prefix: str = "oss-restore"
    tablestore_endpoint: str | None = None
    tablestore_table: str | None = None

    def state_prefix(self, stack_id: str) -> str:
        """Each stack's own directory under the configured prefix.

        Terraform's oss backend lists workspaces as the first path segment of every object under
        `<prefix>/` other than `<prefix>/<key>` (internal/backend/remote-state/oss/backend_state.go,
        `Workspaces`): two stacks sharing a prefix would each see the other's state file as a workspace.
        """
        return f"{self.prefix}/{stack_id}"


StateBackend = LocalStateBackend | OssStateBackend


@dataclass(frozen=True)
class CopyTarget:
    """A place the functions may copy restored objects to (`copyTo`): a bucket and a key prefix ("" or ending
    with '/')."""

    bucket: str
    prefix: str = ""

    @property
    def url(self) -> str:
        return f"oss://{self.bucket}/{self.prefix}"

    def covers(self, bucket: str, prefix: str) -> bool:
        """Whether a run copying to `oss://bucket/prefix` writes only below this target."""
        return bucket == self.bucket and prefix.startswith(self.prefix)


@dataclass(frozen=True)
class DeploymentConfig:
    """Everything one stack needs; constructs read only this, never environment names."""

    env: str
    region: str
    name_prefix: str
    runtime: str
    memory_mb: int
    timeout_s: int
    log_retention_days: int
    buckets: tuple[str, ...]
    backend: StateBackend
    account_id: str | None = None
    log_project_suffix: str | None = None
    report_bucket: str = ""  # where the flows write each run's report: oss://<report_bucket>/<report_prefix>
    report_prefix: str = "oss-restore/reports/"
    convert: bool = False  # the functions may convert objects of `buckets` in place (convertTo)
    copy_targets: tuple[CopyTarget, ...] = ()  # the places the functions may copy objects to (copyTo)

    def may_copy_to(self, url: str) -> bool:
        """Whether this stack's functions may make the copies of a run with `copyTo` `url` (a checked one)."""
        target = copy_plan.parse_target(url)
        return target is not None and any(t.covers(*target) for t in self.copy_targets)

    @property
    def report_url(self) -> str:
        """The report location runs of this stack get unless told otherwise (one folder per run below it)."""
        return f"oss://{self.report_bucket}/{self.report_prefix}"

    @property
    def stack_id(self) -> str:
        return f"oss-restore-{self.env}-{self.region}"

    @property
    def regional_prefix(self) -> str:
        """Prefix for account-wide names (RAM roles, policies, log projects), which regions must not share."""
        return f"{self.name_prefix}-{self.region}"

    @property
    def log_project(self) -> str:
        """The functions' SLS project: `<prefix>-<region>-logs-<suffix or account id>`.

        Project names are unique per region across all customers, so a fixed name may already be taken
        by another account; the configured suffix (or else the account id) makes it ours.
        """
        return f"{self.regional_prefix}-logs-{self.log_project_suffix or self.account_id}"


def load_matrix(path: Path = DEFAULT_CONFIG_PATH) -> tuple[DeploymentConfig, ...]:
    """Every (environment, region) of the configuration file, validated, in file order."""
    source = str(path.name)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise DeploymentConfigError(source, "<file>", f"cannot be read as YAML ({e})") from e
    envs = _mapping(source, "environments", (raw or {}).get("environments") if isinstance(raw, dict) else None)
    if not envs:
        raise DeploymentConfigError(source, "environments", "must declare at least one environment")
    return tuple(cfg for name, body in envs.items() for cfg in _environment(source, str(name), body))


def select(
    matrix: tuple[DeploymentConfig, ...], *, env: str, region: str | None = None
) -> tuple[DeploymentConfig, ...]:
    """The stacks of one environment (and one region of it, when given)."""
    in_env = [c for c in matrix if c.env == env]
    if not in_env:
        raise UnknownStackError("environment", env, sorted({c.env for c in matrix}))
    if region is None:
        return tuple(in_env)
    chosen = [c for c in in_env if c.region == region]
    if not chosen:
        raise UnknownStackError("region", region, [c.region for c in in_env], f" for environment {env!r}")
    return tuple(chosen)


def _environment(source: str, env: str, body: Any) -> list[DeploymentConfig]:
    where = f"environments.{env}"
    if not _ENV.match(env):
        raise DeploymentConfigError(
            source, where, "environment names are 1-16 lowercase letters and digits, starting with a letter"
        )
    body = _mapping(source, where, body)
    regions = _string_list(source, f"{where}.regions", body.get("regions"), _REGION, "region ids such as cn-hangzhou")
    common = dict(
        env=env,
        name_prefix=_match(
            source,
            f"{where}.name_prefix",
            body.get("name_prefix"),
            _PREFIX,
            "3-24 lowercase letters, digits and '-', starting with a letter",
        ),
        runtime=_runtime(source, f"{where}.runtime", body.get("runtime")),
        memory_mb=_memory(source, f"{where}.memory_mb", body.get("memory_mb")),
        timeout_s=_int(source, f"{where}.timeout_s", body.get("timeout_s"), 1, 86400),
        log_retention_days=_int(source, f"{where}.log_retention_days", body.get("log_retention_days"), 1, 3650),
        buckets=tuple(
            _string_list(
                source,
                f"{where}.buckets",
                body.get("buckets"),
                _BUCKET,
                "OSS bucket names (3-63 lowercase letters, digits and '-'; no wildcards)",
            )
        ),
        backend=_backend(source, f"{where}.backend", body.get("backend")),
        account_id=_optional_match(source, f"{where}.account_id", body.get("account_id"), _ACCOUNT, "6-20 digits"),
        log_project_suffix=_optional_match(
            source,
            f"{where}.log_project_suffix",
            body.get("log_project_suffix"),
            _SUFFIX,
            "1-16 lowercase letters, digits and '-', starting and ending with a letter or digit",
        ),
        **_report(source, f"{where}.report", body.get("report")),
        convert=_optional_bool(source, f"{where}.convert", body.get("convert")),
        copy_targets=_copy_targets(source, f"{where}.copy_targets", body.get("copy_targets")),
    )
    configs = [DeploymentConfig(region=region, **common) for region in regions]  # type: ignore[arg-type]  # common: checked per field above
    for cfg in configs:
        _check_log_project(source, where, cfg)
    return configs


def _check_log_project(source: str, where: str, cfg: DeploymentConfig) -> None:
    # Neither set: refused (the stricter choice). Deriving the account at apply time would need a data
    # source the provider schema file does not hold, and the function policy names the project at synth time.
    if not cfg.log_project_suffix and not cfg.account_id:
        raise DeploymentConfigError(
            source,
            f"{where}.log_project_suffix",
            "required when account_id is not set: Simple Log Service project names are unique "
            "per region across all accounts, so the log project name needs the account id or a "
            "suffix of your own (1-16 lowercase letters, digits and '-')",
        )
    name = cfg.log_project
    if not _LOG_PROJECT.match(name):
        field = "log_project_suffix" if cfg.log_project_suffix else "account_id"
        raise DeploymentConfigError(
            source,
            f"{where}.{field}",
            f"gives the log project name {name!r} ({len(name)} characters) in {cfg.region}; allowed: "
            "3-63 lowercase letters, digits and '-', starting and ending with a letter or digit "
            "(shorten name_prefix or the suffix)",
        )


def _backend(source: str, where: str, raw: Any) -> StateBackend:
    body = _mapping(source, where, raw if raw is not None else {"type": "local"})
    kind = _choice(source, f"{where}.type", body.get("type", "local"), ("local", "oss"))
    if kind == "local":
        return LocalStateBackend()
    return OssStateBackend(
        bucket=_match(source, f"{where}.bucket", body.get("bucket"), _BUCKET, "an OSS bucket name"),
        region=_match(source, f"{where}.region", body.get("region"), _REGION, "a region id such as cn-hangzhou"),
        prefix=_match(
            source,
            f"{where}.prefix",
            body.get("prefix", "oss-restore"),
            _STATE_PREFIX,
            "'/'-separated segments of letters, digits, '.', '_' and '-' (no leading or trailing '/')",
        ),
        tablestore_endpoint=_optional_str(body.get("tablestore_endpoint")),
        tablestore_table=_optional_str(body.get("tablestore_table")),
    )


def _report(source: str, where: str, raw: Any) -> dict[str, str]:
    """Where the flows write reports: a bucket and a key prefix (the functions write nowhere else, unless they convert or copy)."""
    body = _mapping(source, where, raw)
    prefix = body.get("prefix", "oss-restore/reports/")
    return {
        "report_bucket": _match(
            source,
            f"{where}.bucket",
            body.get("bucket"),
            _BUCKET,
            "an OSS bucket name (3-63 lowercase letters, digits and '-') in the stack's region",
        ),
        "report_prefix": _match(
            source,
            f"{where}.prefix",
            prefix,
            _REPORT_PREFIX,
            "'/'-separated segments of letters, digits, '.', '_' and '-', ending with '/'",
        ),
    }


def _copy_targets(source: str, where: str, raw: Any) -> tuple[CopyTarget, ...]:
    """Where the functions may copy to (none unless listed): each target as the handlers read `copyTo`."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DeploymentConfigError(source, where, f"must be a list of {_COPY_TARGET_ALLOWED}")
    targets = [_copy_target(source, f"{where}[{i}]", item) for i, item in enumerate(raw)]
    if len(set(targets)) != len(targets):
        raise DeploymentConfigError(source, where, "lists a value twice")
    return tuple(targets)


def _copy_target(source: str, where: str, raw: Any) -> CopyTarget:
    try:
        parsed = copy_plan.parse_target(raw) if isinstance(raw, str) else None
    except InvalidParameter:
        parsed = None
    if parsed is None or (parsed[1] and not _REPORT_PREFIX.fullmatch(parsed[1])):
        raise DeploymentConfigError(source, where, f"got {raw!r}; allowed: {_COPY_TARGET_ALLOWED}")
    return CopyTarget(*parsed)


def _optional_bool(source: str, where: str, raw: Any) -> bool:
    if raw is None:
        return False
    if not isinstance(raw, bool):
        raise DeploymentConfigError(source, where, f"got {raw!r}; allowed: true or false (default false)")
    return raw


def _runtime(source: str, where: str, raw: Any) -> str:
    if raw not in RUNTIMES:
        offered = ", ".join(FC_PYTHON_RUNTIMES[STACK_FC_VERSION])
        raise DeploymentConfigError(
            source,
            where,
            f"got {raw!r}; allowed: {', '.join(RUNTIMES)} (of the runtimes FC "
            f"{STACK_FC_VERSION} offers, {offered}, those the handlers support: "
            "Python 3.10 or newer)",
        )
    return str(raw)


def _mapping(source: str, where: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise DeploymentConfigError(source, where, "must be a mapping")
    return raw


def _choice(source: str, where: str, raw: Any, allowed: tuple[str, ...]) -> str:
    if raw not in allowed:
        raise DeploymentConfigError(source, where, f"got {raw!r}; allowed: {', '.join(allowed)}")
    return str(raw)


def _int(source: str, where: str, raw: Any, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise DeploymentConfigError(source, where, f"got {raw!r}; allowed: an integer from {low} to {high}")
    return raw


def _memory(source: str, where: str, raw: Any) -> int:
    value = _int(source, where, raw, MEMORY_MB[0], MEMORY_MB[1])
    if value % 64:
        raise DeploymentConfigError(
            source, where, f"got {value}; allowed: a multiple of 64 from {MEMORY_MB[0]} to {MEMORY_MB[1]}"
        )
    return value


def _match(source: str, where: str, raw: Any, pattern: re.Pattern[str], allowed: str) -> str:
    if not isinstance(raw, str) or not pattern.fullmatch(raw):
        raise DeploymentConfigError(source, where, f"got {raw!r}; allowed: {allowed}")
    return raw


def _optional_match(source: str, where: str, raw: Any, pattern: re.Pattern[str], allowed: str) -> str | None:
    return None if raw is None else _match(source, where, str(raw), pattern, allowed)


def _optional_str(raw: Any) -> str | None:
    return None if raw is None else str(raw)


def _string_list(source: str, where: str, raw: Any, pattern: re.Pattern[str], allowed: str) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise DeploymentConfigError(source, where, f"must be a non-empty list of {allowed}")
    values = [_match(source, f"{where}[{i}]", item, pattern, allowed) for i, item in enumerate(raw)]
    if len(set(values)) != len(values):
        raise DeploymentConfigError(source, where, "lists a value twice")
    return values
