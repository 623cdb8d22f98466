"""The main flow's inputs: one declaration per field, from which everything else is derived.

Each entry names the field, its kind (which check of `params` applies), its default, its range or
choices, its command-line flag and help, and the words the `docs/usage.md` and `docs/handlers.md` tables show.
The handlers validate with it (`value`), the command builds its options, validates and fills in defaults
with it (`validate_flow_input`), and `python -m ossrestore.docs_tables` writes the
documentation tables from it. Adding a flow input: see docs/contributing.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from restore_core import classes, copy_plan, notice_formats, params, run_store, selection
from restore_core.errors import InvalidParameter

InputKind = Literal[
    "endpoint",
    "bucket",
    "region",
    "text",
    "integer",
    "choice",
    "boolean",
    "patterns",
    "classes",
    "moment",
    "size",
    "time",
    "url",
    "store",
    "target",
]
# Kinds that take a list: the flag is repeatable.
LIST_KINDS = ("patterns", "classes")

REQUIRED = object()  # the default of a field that must be given


@dataclass(frozen=True, kw_only=True)
class FlowInput:
    name: str
    kind: InputKind
    flag: str  # as click declares it: "--max-keys", or "--on/--off" for a boolean
    help: str  # the flag's help, without range and default (both are appended from this entry)
    meaning: str  # the parameters table's "meaning" column (docs/usage.md)
    default: Any = None  # REQUIRED, None (absent), or the value used when the field is missing or null
    lo: int = 0
    hi: int = 0
    choices: tuple[str, ...] = ()
    allowed: str = ""  # the docs' "allowed" column; derived from lo/hi/choices when empty
    handlers_common: bool = False  # listed in docs/handlers.md's common input fields
    option: bool = True  # the command makes a flag of it; False: the command sets it (documented under `flag`)

    def value(self, raw: Mapping[str, Any]) -> Any:
        """This field of raw, checked and defaulted; InvalidParameter naming the field otherwise."""
        return _READERS[self.kind](self, raw)

    @property
    def allowed_text(self) -> str:
        if self.allowed:
            return self.allowed
        if self.kind == "integer":
            return f"{self.lo}–{self.hi}"
        if self.kind == "choice":
            return ", ".join(f"`{c}`" for c in self.choices)
        return "bool"

    @property
    def flag_help(self) -> str:
        """The help click shows: the help, then the range and the default from this entry."""
        parts = [self.help]
        if self.kind == "integer":
            parts.append(f"{self.lo}-{self.hi}.")
        if self.default is REQUIRED:
            parts.append("Required.")
        elif self.default not in (None, "", ()) and self.kind != "boolean":
            parts.append(f"Default {self.default}.")
        return " ".join(parts)


def _size(field: FlowInput, raw: Mapping[str, Any]) -> Any:
    bytes_ = selection.size(raw, field.name)
    return "" if bytes_ is None else bytes_


def _store(field: FlowInput, raw: Mapping[str, Any]) -> str:
    url = params.text(raw, field.name, default="", max_bytes=2048)
    run_store.parse_url(url, field.name)
    return url


def _target(field: FlowInput, raw: Mapping[str, Any]) -> str:
    url = params.text(raw, field.name, default="", max_bytes=2048)
    copy_plan.parse_target(url, field.name)
    return url


# Each kind's check: which rule of `params` (or `selection`) reads the field.
_READERS: dict[str, Callable[[FlowInput, Mapping[str, Any]], Any]] = {
    "endpoint": lambda f, raw: params.endpoint(raw),
    "bucket": lambda f, raw: params.bucket_name(raw),
    "region": lambda f, raw: params.region(raw),
    "text": lambda f, raw: params.text(raw, f.name, default=f.default),
    "integer": lambda f, raw: params.integer(raw, f.name, default=f.default, lo=f.lo, hi=f.hi),
    "choice": lambda f, raw: params.choice(raw, f.name, default=f.default, allowed=f.choices),
    "boolean": lambda f, raw: params.boolean(raw, f.name, default=f.default),
    "patterns": lambda f, raw: selection.patterns(raw, f.name),
    "classes": lambda f, raw: selection.storage_classes(raw, f.name),
    "moment": lambda f, raw: selection.moment(raw, f.name) or "",
    "size": _size,
    "time": lambda f, raw: params.time_with_offset(raw, f.name),
    "url": lambda f, raw: params.notice_url(raw, f.name),
    "store": _store,
    "target": _target,
}

# The defaults of pollInterval, roundSeconds, maxConcurrentInvocations and roundsPerExecution are the ones
# bench/cloud_model.py chooses for the cloud (tests/test_cloud_model.py holds them to it). A main-flow round
# costs at most about 14 events (its invocations run in a restore sub-flow execution of their own):
# roundsPerExecution's bound keeps an execution under CloudFlow's 5,000 events with room to spare.
FLOW_INPUTS: tuple[FlowInput, ...] = (
    FlowInput(
        name="endpoint",
        kind="endpoint",
        default=REQUIRED,
        flag="--endpoint",
        handlers_common=True,
        help="OSS endpoint, e.g. https://oss-cn-hangzhou.aliyuncs.com.",
        meaning="OSS endpoint",
        allowed="`http(s)://host[:port]` (port 1–65535, host labels of 1–63 letters, digits or `-`) or a bare "
        "host name such as `oss-cn-hangzhou.aliyuncs.com` (`-internal` too; a bare name is reached over "
        "`https://`)",
    ),
    FlowInput(
        name="bucketName",
        kind="bucket",
        default=REQUIRED,
        flag="--bucket",
        handlers_common=True,
        help="Bucket to restore.",
        meaning="bucket to restore",
        allowed="OSS bucket name rules: 3–63 chars, lowercase letters, digits, `-`, starting and ending with a "
        "letter or digit",
    ),
    FlowInput(
        name="region",
        kind="region",
        default=None,
        flag="--region",
        handlers_common=True,
        help="Region id (e.g. cn-hangzhou); when given, requests are signed with V4.",
        meaning="sign with V4 instead of V1",
        allowed="region id such as `cn-hangzhou`; when set, requests are signed with V4, otherwise V1",
    ),
    FlowInput(
        name="prefix",
        kind="text",
        default="",
        flag="--prefix",
        handlers_common=True,
        help="Only keys under this prefix. Default: the whole bucket.",
        meaning="only keys under it",
        allowed="at most 1,023 bytes of valid UTF-8",
    ),
    FlowInput(
        name="marker",
        kind="text",
        default="",
        flag="--marker",
        help="Resume after this key. Default: from the start.",
        meaning="resume after this key",
        allowed="at most 1,023 bytes of valid UTF-8",
    ),
    FlowInput(
        name="maxKeys",
        kind="integer",
        default=1000,
        lo=1,
        hi=1000,
        flag="--max-keys",
        help="Keys per ListObjects page.",
        meaning="keys per ListObjects page",
    ),
    FlowInput(
        name="pollInterval",
        kind="integer",
        default=5,
        lo=1,
        hi=params.MAX_WAIT_SECONDS,
        flag="--poll-interval",
        help="Seconds at least between two confirm scans of a shard.",
        allowed=f"1–{params.MAX_WAIT_SECONDS} s",
        meaning="the least wait between two confirm scans of a shard while its restores run (longer for classes "
        "that take hours: a fiftieth of the class's restore time); a wait step lasts at most 2 days",
    ),
    FlowInput(
        name="workers",
        kind="integer",
        default=100,
        lo=1,
        hi=100,
        flag="--workers",
        help="Restore threads per function invocation.",
        meaning="restore threads per function invocation",
    ),
    FlowInput(
        name="groupSize",
        kind="integer",
        default=params.DEFAULT_GROUP_SIZE,
        lo=1,
        hi=1000,
        flag="--group-size",
        help="Accepted for the original sample's interface; the run's shards replace its groups.",
        meaning="accepted for the original sample's interface (its keys per restore invocation); a run hands "
        "invocations ranges of the listing (shards), not groups of keys, so it changes nothing",
    ),
    FlowInput(
        name="days",
        kind="integer",
        default=1,
        lo=1,
        hi=365,
        flag="--days",
        help="Days to keep restored objects readable (fitted per class).",
        meaning="days restored objects stay readable; Archive is capped at 7",
    ),
    FlowInput(
        name="roundsPerExecution",
        kind="integer",
        default=300,
        lo=1,
        hi=320,
        flag="--rounds-per-execution",
        help="Rounds one execution of the main flow makes before continuing as new.",
        meaning="rounds one main-flow execution makes before continuing as new (about 14 events each; 320 keep "
        "an execution within 90% of CloudFlow's 5,000 events; a round's invocations run in a restore "
        "sub-flow execution of their own)",
    ),
    FlowInput(
        name="roundSeconds",
        kind="integer",
        default=30,
        lo=5,
        hi=600,
        flag="--round-seconds",
        help="How long each invocation of a round works on its shard before handing back its cursors.",
        meaning="how long each invocation of a round requests restores in its shard before it hands its cursors "
        "back (the function's timeout must leave room for it); between rounds, shards that finished "
        "free their slot and the shard with the most work left is split into it: shorter rounds "
        "rebalance sooner, longer ones cost fewer CloudFlow step entries",
    ),
    FlowInput(
        name="maxConcurrentInvocations",
        kind="integer",
        default=30,
        lo=1,
        hi=1000,
        flag="--max-concurrent-invocations",
        help="Function invocations the run keeps running at once (its shards).",
        meaning="function invocations the run keeps running at once: one per shard in a round (FC's default "
        "quota is 100 concurrent instances per region, for every run and function of the account; "
        "raise it in Quota Center, then this); a round holds at most 100 shards, a foreach's items",
    ),
    FlowInput(
        name="tier",
        kind="choice",
        default=classes.DEFAULT_TIER,
        choices=params.TIERS,
        flag="--tier",
        help="Cold/Deep Cold retrieval tier.",
        meaning="Cold/Deep Cold retrieval tier; Deep Cold has no `Bulk` (lowered to `Standard`); Archive takes none",
    ),
    FlowInput(
        name="maxRequestsPerSecond",
        kind="integer",
        default=0,
        lo=0,
        hi=1_000_000,
        flag="--max-requests-per-second",
        help="Requests per second the whole run stays under (listings and polls included); 0: no budget, "
        "adapt to the bucket's limit.",
        meaning="requests per second the whole run stays under, listings and polls included; split evenly across "
        "the invocations running at once, each slowing down on throttling answers (429, OSS's 503 limit "
        "codes; not other errors) and speeding up again up to its share; 0: no budget, the same adaptation "
        "finds the bucket's limit",
    ),
    FlowInput(
        name="waitPerBatch",
        kind="boolean",
        default=False,
        flag="--wait-per-batch/--pipelined",
        help="Each shard waits for what it requested in a round to be readable before requesting more (for "
        "comparison). Default: pipelined.",
        meaning="each shard waits until what it requested in a round is readable before it requests more (for "
        "comparison); pipelined, a shard requests its whole range and confirms afterwards",
    ),
    # What to restore (restore_core/selection.py): each filter leaves objects out before anything is
    # requested; they are reported skipped with reason `filtered: ...`. "" and () mean "no filter".
    FlowInput(
        name="include",
        kind="patterns",
        default=(),
        flag="--include",
        help="Only keys matching this pattern (repeatable; rclone's filter patterns, relative to --prefix: *.log is "
        "every .log at any depth, /a.log only <prefix>a.log; * within a path element, ** across /, ?, [...], "
        "{a,b}, {{regexp}}). Default: every key.",
        allowed=f"repeatable: up to {selection.MAX_PATTERNS} patterns of 1–1,023 bytes, {selection.MAX_PATTERN_BYTES:,} "
        "bytes in all (as JSON); one that can match no key under `prefix` is refused",
        meaning="only keys matching one of these patterns (rclone's filter rules, relative to `prefix`: without a "
        "leading `/` a pattern matches the end of the path at a path-element boundary, so `*.log` is every "
        "`.log` at any depth; a leading `/` anchors at the prefix, so `/a.log` is only `<prefix>a.log`; `*` "
        "within a path element, `**` across `/`, `?`, `[...]`, `{a,b}`, `{{regexp}}`)",
    ),
    FlowInput(
        name="exclude",
        kind="patterns",
        default=(),
        flag="--exclude",
        help="Leave out keys matching this pattern (repeatable; same rules as --include; wins over it).",
        allowed=f"repeatable: up to {selection.MAX_PATTERNS} patterns of 1–1,023 bytes, {selection.MAX_PATTERN_BYTES:,} "
        "bytes in all (as JSON); one that can match no key under `prefix` is refused",
        meaning="leave out keys matching any of these patterns, even when an include matches",
    ),
    FlowInput(
        name="storageClass",
        kind="classes",
        default=(),
        flag="--storage-class",
        help="Only objects of this class (repeatable: Archive, ColdArchive, DeepColdArchive). Default: all three.",
        allowed=", ".join(f"`{c}`" for c in classes.ARCHIVE_CLASSES) + " (repeatable)",
        meaning="only objects of these storage classes",
    ),
    FlowInput(
        name="modifiedAfter",
        kind="moment",
        default="",
        flag="--modified-after",
        help="Only objects last modified at or after this time (ISO 8601; UTC when no offset is given).",
        allowed="ISO 8601 date or time, e.g. `2024-01-31` or `2024-01-31T08:00:00+08:00` (UTC without an offset)",
        meaning="only objects last modified at or after it",
    ),
    FlowInput(
        name="modifiedBefore",
        kind="moment",
        default="",
        flag="--modified-before",
        help="Only objects last modified before this time (ISO 8601; UTC when no offset is given).",
        allowed="ISO 8601 date or time, after `modifiedAfter`",
        meaning="only objects last modified strictly before it",
    ),
    FlowInput(
        name="minSize",
        kind="size",
        default="",
        flag="--min-size",
        help="Only objects of at least this many bytes (K, M, G, T: powers of 1024, so 1K is 1024).",
        allowed="bytes, or digits with `K`/`M`/`G`/`T` (1K = 1024 bytes)",
        meaning="only objects of at least this size",
    ),
    FlowInput(
        name="maxSize",
        kind="size",
        default="",
        flag="--max-size",
        help="Only objects of at most this many bytes (K, M, G, T: powers of 1024, so 1K is 1024).",
        allowed="bytes, or digits with `K`/`M`/`G`/`T` (1K = 1024 bytes), at least `minSize`",
        meaning="only objects of at most this size",
    ),
    FlowInput(
        name="dryRun",
        kind="boolean",
        default=False,
        flag="--dry-run/--no-dry-run",
        help="List and apply the filters, print objects, bytes, requests, estimated cost and time per class, "
        "and request no restore.",
        meaning="list and tally per class (objects, bytes, restore requests) without requesting any restore; the "
        "last execution's output carries the tally (`tally`), the command prints the estimate",
    ),
    FlowInput(
        name="manifest",
        kind="text",
        default="",
        flag="--manifest",
        help="Restore exactly the objects this manifest names instead of listing a prefix: oss://BUCKET/KEY (or, "
        "for a local run, a file) of bucket,key[,versionId] CSV lines with URL-encoded keys, or an OSS "
        "inventory's manifest.json.",
        meaning="restore exactly the objects a manifest names, nothing listed: `oss://BUCKET/KEY` (a local file for "
        "`run`) of `bucket,key` or `bucket,key,versionId` CSV lines, keys URL-encoded, or an OSS inventory's "
        "`manifest.json`; read a page at a time with range reads (see Manifests)",
        allowed="`oss://BUCKET/KEY` or, for `run`, a file path; not with `--prefix`, `--marker`, `--all-versions`, "
        "`--wait-per-batch` or the size and time filters",
    ),
    FlowInput(
        name="allVersions",
        kind="boolean",
        default=False,
        flag="--all-versions/--current-versions",
        help="In a versioned bucket, also restore noncurrent archive versions (listed by ListObjectVersions). "
        "Default: current versions only.",
        meaning="also restore noncurrent archive versions of a versioned bucket, listed by ListObjectVersions, each "
        "requested with its versionId (see Versioned buckets)",
    ),
    FlowInput(
        name="deadline",
        kind="time",
        default="",
        flag="--deadline",
        help="Readable by this time: ISO 8601 with a UTC offset, or from now: 36h, 90m, 2d, 45s (the command "
        "writes it as UTC). Each class gets the cheapest tier OSS documents as fast enough.",
        allowed="ISO 8601 with a UTC offset (`2026-12-04T09:00:00+08:00`, `...Z`); `run`/`start` also take "
        "`36h`, `90m`, `2d`, `45s` from now",
        meaning="restore each class with its cheapest tier whose documented restore time ends by then (overrides "
        "`tier`), speed up restores found running that could end later; a class none of whose tiers can "
        "make it is refused (exit 2) when its first batch is listed, before that batch is requested; "
        '`""`: no deadline',
    ),
    FlowInput(
        name="bestEffort",
        kind="boolean",
        default=False,
        flag="--best-effort/--no-best-effort",
        help="With --deadline: where no tier can make it, restore with the fastest instead of refusing. "
        "Default: refuse.",
        meaning="with `deadline`: a class no tier can restore in time gets its fastest tier instead of a refusal",
    ),
    FlowInput(
        name="action",
        kind="choice",
        default="restore",
        choices=("restore", "extend", "clean"),
        flag="--action",
        help="restore; extend: one RestoreObject per restored object, moving its expiry by --days; clean: one "
        "CleanRestoredObject per restored Cold/Deep Cold object (`oss-restore extend` / `clean` set it).",
        meaning="`restore` archive objects; `extend` every restored one by `days` (RestoreObject, 200); `clean` "
        "every restored Cold/Deep Cold one (CleanRestoredObject: frozen again, no more temporary storage fees)",
    ),
    FlowInput(
        name="convertTo",
        kind="choice",
        default="",
        choices=("", *copy_plan.CLASSES),
        flag="--convert-to",
        help="Once each object is readable, copy it onto itself in this class (Standard or IA), keeping its bytes, "
        "ETag, Content-Type, user metadata and tags: restored for good. Default: leave it archived.",
        meaning="once an object is readable, convert it in place to this class (CopyObject onto itself, a multipart "
        "copy from 1 GB on), keeping its bytes, Content-Type, user metadata and tags; a restored copy close to "
        'expiring is extended first; `""`: leave it archived (see Converting and copying)',
        allowed='`""`, `Standard`, `IA`; only with `action` restore, not with `allVersions` or `copyTo`',
    ),
    FlowInput(
        name="copyTo",
        kind="target",
        default="",
        flag="--copy-to",
        help="Once each object is readable, copy it to oss://BUCKET/PREFIX/ (same region), its key re-rooted from "
        "--prefix to PREFIX; an object already there with the same bytes is not copied again.",
        meaning="once an object is readable, copy it to this bucket (same region) and prefix, its key re-rooted "
        "from `prefix` to the target's prefix, as `copyClass`; an object already there with the same bytes is "
        'not copied again; `""`: no copy',
        allowed='`""`, `oss://BUCKET/` or `oss://BUCKET/PREFIX/`; in the run\'s own bucket, a prefix outside '
        "`prefix`; only with `action` restore, not with `allVersions` or `convertTo`",
    ),
    FlowInput(
        name="copyClass",
        kind="choice",
        default="Standard",
        choices=copy_plan.CLASSES,
        flag="--copy-class",
        help="The storage class of each copy --copy-to makes.",
        meaning="the storage class of the copies `copyTo` makes",
    ),
    FlowInput(
        name="notifyUrl",
        kind="url",
        default="",
        flag="--notify",
        help="When the run ends, POST its JSON summary (no credentials) to this http(s) URL once, retrying "
        "connection errors and 5xx. Default: no notice.",
        meaning="completion notice: one POST of the JSON summary (bucket, prefix, counts by outcome, estimated "
        "and actual cost, exit code) when the run ends, retried on connection errors and 5xx; never "
        'carries credentials; `""`: none',
        allowed='`""` or an `http(s)://host[:port][/path]` URL (at most 2,048 bytes)',
    ),
    FlowInput(
        name="reportUrl",
        kind="store",
        default="",
        flag="--report",
        option=False,
        help="Where the flows write the per-object report, its summary and their journal: oss://BUCKET/PREFIX/.",
        meaning="the run's store: the flows write the per-object report (`parts/`), `manifest.json`, "
        '`summary.json`, `progress.json` and the journal of OSS\'s answers there (see Reports); `""`: '
        "no report, counts only",
        allowed='`""`, `oss://BUCKET/PREFIX/` (a key prefix ending in `/`; the functions\' role must be allowed '
        "to write there) or, for a local run, `file:///DIRECTORY/`",
    ),
    FlowInput(
        name="notifyFormat",
        kind="choice",
        default="json",
        choices=notice_formats.FORMATS,
        flag="--notify-format",
        help="The completion notice's message: json (the summary), or the message a dingtalk custom robot, a feishu "
        "(Lark) custom bot or a slack incoming webhook takes.",
        meaning="the completion notice's body: `json`, the summary; `dingtalk`, a custom robot's `markdown` message "
        "(`msgtype`, `markdown.title`, `markdown.text`); `feishu`, a Feishu/Lark custom bot's `post` message "
        "(`msg_type`, `content.post`); `slack`, an incoming webhook's `text` with `blocks`; DingTalk's and "
        "Feishu's refusals in a 200 answer (`errcode`, `code`) count as not delivered",
    ),
)
BY_NAME: dict[str, FlowInput] = {f.name: f for f in FLOW_INPUTS}
FLOW_FIELDS: tuple[str, ...] = tuple(BY_NAME)


def value(raw: Mapping[str, Any], name: str) -> Any:
    """One flow input of raw (a flow input or a handler event), with the table's default and range."""
    return BY_NAME[name].value(raw)


def validate_flow_input(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the main flow's input and return it with every default filled in.

    Unknown fields are rejected, since a misspelt option (`maxkeys`) would otherwise be ignored
    silently. `region` is present in the result only when given.
    """
    if not isinstance(raw, Mapping):
        raise InvalidParameter("input", "a JSON object", raw)
    for name in raw:
        if name not in BY_NAME:
            raise InvalidParameter(
                name,
                "not a known field; known fields: " + ", ".join(FLOW_FIELDS),
                raw[name],
                message=f"unknown field {name!r}; known fields: " + ", ".join(FLOW_FIELDS),
            )
    out: dict[str, Any] = {}
    for field in FLOW_INPUTS:
        checked = field.value(raw)
        if checked is not None:
            out[field.name] = checked
    selection.parse_selection(out)  # the checks between fields: a date range or a size range that runs backwards
    check_scope(out)
    copy_plan.check(out)
    return out


def check_scope(checked: Mapping[str, Any]) -> None:
    """The run's scope is a prefix (from a marker), a manifest, or all versions under a prefix: refuse the
    combinations that would leave it unclear which objects are meant."""
    manifest = checked.get("manifest") or ""
    if manifest:
        for name in ("prefix", "marker"):
            if checked.get(name):
                raise InvalidParameter("manifest", f"used without {name} (a manifest names every object)", manifest)
        if checked.get("allVersions"):
            raise InvalidParameter("manifest", "used without allVersions (a manifest names each version)", manifest)
        # A manifest entry is read back by key (HeadObject, or an inventory row), which carries no listed
        # size or time here: refuse those filters rather than apply them to some entries and not others.
        for name in ("minSize", "maxSize", "modifiedAfter", "modifiedBefore"):
            if checked.get(name):
                raise InvalidParameter(
                    name, "empty with a manifest (a manifest's entries are chosen by key and class)", checked[name]
                )
    if checked.get("waitPerBatch") and (manifest or checked.get("allVersions")):
        raise InvalidParameter(
            "waitPerBatch", "false with a manifest or allVersions (they confirm by their own scan)", True
        )
