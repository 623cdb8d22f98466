"""Which listed objects a run takes on: include/exclude globs, storage classes, dates and sizes.

Parsed once (`parse_selection`) into a frozen `Selection`; `selects` answers per object with None (selected) or
the reason it was left out (`filtered: exclude *.tmp`). listArchiveFiles asks before anything is
requested, restoreStatus's confirm scan asks so that a left-out object never makes the run wait, and
the command's report asks so that a left-out object is reported `skipped` with that reason: all three
ask this module, so they cannot disagree.

Patterns are rclone's (`globs`), matched as rclone matches them against a path relative to the root of what
is listed: here the run's prefix up to and including its last `/` (the whole prefix when it ends with one, the
bucket for a manifest). Under `--prefix logs/`, `*.log` is every `.log` at any depth below `logs/`
(`logs/a.log`, `logs/2024/b.log`), `/a.log` only `logs/a.log`, `2024/**` everything below any `2024/` element,
`/2024/**` everything below `logs/2024/`. A pattern that can match nothing under the prefix (an anchored one
that disagrees with what follows the prefix's last `/`: `/2023/**` under `--prefix logs/2024-`) is refused.
A key is selected when it matches some include (every key when none is given) and no exclude. rclone reads
its includes before its excludes and calls a mix of the two "indeterminate" (it logs "Using --filter is
recommended instead of both --include and --exclude as the order they are parsed in is indeterminate"); here
an exclude always wins, the reading that restores less.

Dates: an object is selected when modified at or after `modifiedAfter` and strictly before
`modifiedBefore` (a half-open range, so consecutive ranges never overlap). Sizes: `minSize` <= size <=
`maxSize`, both in bytes; the units K, M, G and T are powers of 1024, as rclone's size suffixes are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from restore_core import classes, params
from restore_core.errors import InvalidParameter
from restore_core.globs import Glob, compile_glob
from restore_core.go_regexp import PatternError
from restore_core.params import parse_moment

MAX_PATTERNS = 100
# The patterns travel in the main flow's state next to a listing batch; the listing gives up this much
# of its output budget for them (`encoded_size`), so their total is bounded to leave the batch room.
MAX_PATTERN_BYTES = 4096
SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
MAX_SIZE = 1024**5  # 1 PiB: beyond any OSS object (48.8 TiB), so any real bound fits
_SIZE = re.compile(r"\s*([0-9]{1,16})\s*([KMGT]?)\s*", re.IGNORECASE)

GLOB_ALLOWED = (
    "rclone filter patterns, relative to the prefix: * (within a path element), ** (across /), ?, [...] classes, "
    "{a,b} alternatives, {{regexp}}, \\ to escape; a leading / anchors at the prefix"
)


def root_of(prefix: str) -> str:
    """What the patterns are relative to: the prefix up to and including its last `/` ("" for none)."""
    return prefix[: prefix.rfind("/") + 1]


def glob(pattern: str, field_name: str) -> Glob:
    try:
        return compile_glob(pattern)
    except (PatternError, re.error) as e:
        raise InvalidParameter(field_name, f"{GLOB_ALLOWED} ({e})", pattern) from None


@dataclass(frozen=True, kw_only=True)
class Selection:
    root: str = ""  # the patterns match keys relative to it (`root_of` the prefix)
    include: tuple[Glob, ...] = ()
    exclude: tuple[Glob, ...] = ()
    storage_classes: tuple[str, ...] = ()  # empty: every class
    modified_after: datetime | None = None
    modified_before: datetime | None = None
    min_size: int | None = None
    max_size: int | None = None

    @property
    def everything(self) -> bool:
        """No filter given: every object is selected."""
        return self == Selection(root=self.root)

    def relative(self, key: str) -> str:
        """key as the patterns see it: relative to the root."""
        return key[len(self.root) :] if key.startswith(self.root) else key

    def selects(self, key: str, storage_class: str, size: int | None, modified: datetime | None) -> str | None:
        """None when the object is selected, else why not (`filtered: exclude *.tmp`).

        size or modified None (not known, e.g. an object read back by key): the filters on them are
        not applied, since only a listing carries them.
        """
        path = self.relative(key)
        for pattern in self.exclude:
            if pattern.matches(path):
                return f"filtered: exclude {pattern.pattern}"
        if self.include and not any(pattern.matches(path) for pattern in self.include):
            return "filtered: include (matches none of " + ", ".join(g.pattern for g in self.include) + ")"
        if self.storage_classes and storage_class not in self.storage_classes:
            return "filtered: storage-class " + ",".join(self.storage_classes)
        if modified is not None:
            if self.modified_after is not None and modified < self.modified_after:
                return f"filtered: modified-after {iso(self.modified_after)}"
            if self.modified_before is not None and modified >= self.modified_before:
                return f"filtered: modified-before {iso(self.modified_before)}"
        if size is not None:
            if self.min_size is not None and size < self.min_size:
                return f"filtered: min-size {self.min_size}"
            if self.max_size is not None and size > self.max_size:
                return f"filtered: max-size {self.max_size}"
        return None


EVERYTHING = Selection()
FIELDS = ("include", "exclude", "storageClass", "modifiedAfter", "modifiedBefore", "minSize", "maxSize")


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the checks of each kind of filter field (used by `flow_inputs` and `parse`) ---------------------


def _strings(raw: Mapping[str, Any], name: str) -> list[str] | None:
    """A list of strings; a single string counts as a list of one. None when absent."""
    if raw.get(name) is None:
        return None
    value = raw[name]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or len(value) > MAX_PATTERNS:
        raise InvalidParameter(name, f"a list of at most {MAX_PATTERNS} strings", value)
    return list(value)


def patterns(raw: Mapping[str, Any], name: str) -> list[str]:
    """Glob patterns, each checked; [] when absent."""
    values = _strings(raw, name) or []
    for i, value in enumerate(values):
        size = params.utf8_length(value)
        if size is None or not 1 <= size <= params.MAX_KEY_BYTES:
            raise InvalidParameter(f"{name}[{i}]", "a glob of 1 to 1023 UTF-8 bytes without lone surrogates", value)
        glob(value, f"{name}[{i}]")
    if len(json.dumps(values, ensure_ascii=False).encode("utf-8", "surrogatepass")) > MAX_PATTERN_BYTES:
        raise InvalidParameter(
            name, f"patterns of at most {MAX_PATTERN_BYTES} bytes in all (as JSON)", f"{len(values)} patterns"
        )
    return values


def storage_classes(raw: Mapping[str, Any], name: str) -> list[str]:
    values = _strings(raw, name) or []
    for i, value in enumerate(values):
        if value not in classes.ARCHIVE_CLASSES:
            raise InvalidParameter(f"{name}[{i}]", "one of " + ", ".join(classes.ARCHIVE_CLASSES), value)
    return list(dict.fromkeys(values))


def moment(raw: Mapping[str, Any], name: str) -> str | None:
    """An ISO 8601 date or date and time, returned as UTC `YYYY-MM-DDTHH:MM:SSZ`; None when absent.

    A time without an offset is read as UTC. Checked by hand as well as by fromisoformat, since
    Python 3.10 (FC's runtime) reads neither `Z` nor every ISO form 3.11 reads.
    """
    if raw.get(name) is None or raw.get(name) == "":
        return None
    value = raw[name]
    parsed = parse_moment(value)
    if parsed is None:
        raise InvalidParameter(name, "an ISO 8601 date or time, e.g. 2024-01-31 or 2024-01-31T08:00:00Z", value)
    return iso(parsed)


def size(raw: Mapping[str, Any], name: str) -> int | None:
    """Bytes, from an integer or a string such as `512`, `10K`, `1.5` (refused), `2G`; None when absent."""
    if raw.get(name) is None or raw.get(name) == "":
        return None
    value = raw[name]
    allowed = f"bytes from 0 to {MAX_SIZE}: an integer, or digits followed by K, M, G or T (powers of 1024)"
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        match = _SIZE.fullmatch(value)
        if match:
            number = int(match.group(1)) * SIZE_UNITS[match.group(2).upper()]
    if number is None or not 0 <= number <= MAX_SIZE:
        raise InvalidParameter(name, allowed, value)
    return number


def parse_selection(raw: Mapping[str, Any]) -> Selection:
    """The selection a flow input or handler event asks for; InvalidParameter naming the field."""
    after, before = parse_moment(moment(raw, "modifiedAfter")), parse_moment(moment(raw, "modifiedBefore"))
    low, high = size(raw, "minSize"), size(raw, "maxSize")
    if after is not None and before is not None and after >= before:
        raise InvalidParameter(
            "modifiedBefore", f"a time after modifiedAfter ({iso(after)})", raw.get("modifiedBefore")
        )
    if low is not None and high is not None and low > high:
        raise InvalidParameter("maxSize", f"at least minSize ({low})", raw.get("maxSize"))
    prefix = _prefix(raw)
    root = root_of(prefix)
    chosen = {
        name: tuple(glob(p, f"{name}[{i}]") for i, p in enumerate(patterns(raw, name)))
        for name in ("include", "exclude")
    }
    for name, globs in chosen.items():
        for i, pattern in enumerate(globs):
            _check_reach(pattern, f"{name}[{i}]", prefix=prefix, root=root)
    return Selection(
        root=root,
        include=chosen["include"],
        exclude=chosen["exclude"],
        storage_classes=tuple(storage_classes(raw, "storageClass")),
        modified_after=after,
        modified_before=before,
        min_size=low,
        max_size=high,
    )


def _prefix(raw: Mapping[str, Any]) -> str:
    prefix = raw.get("prefix")
    return prefix if isinstance(prefix, str) else ""


def _check_reach(pattern: Glob, field_name: str, *, prefix: str, root: str) -> None:
    """Refuse a pattern no key under the prefix can match: every such key, relative to the root, starts with
    what follows the prefix's last `/`."""
    head = prefix[len(root) :]
    if not pattern.can_match_under(head):
        raise InvalidParameter(
            field_name,
            f"a pattern that can match some key under the prefix {prefix!r}",
            pattern.pattern,
            message=f"{field_name} {pattern.pattern!r} can match no key under the prefix {prefix!r}: patterns are "
            f"matched relative to {root or 'the bucket'!r} (the prefix up to its last /), where every key "
            f"starts with {head!r}; a leading / anchors there. Hint: drop the leading / to match at any depth, "
            f"or write the pattern from {root or 'the bucket'!r} on",
        )


def hints(raw: Mapping[str, Any]) -> list[str]:
    """Patterns that look written against the whole key (they start with the prefix's own directories), which
    under rclone's rules only match keys repeating them: a word for the user, not a refusal (they can match)."""
    root = root_of(_prefix(raw))
    out = []
    for name in ("include", "exclude"):
        for pattern in patterns(raw, name):
            if root and pattern.lstrip("/").startswith(root):
                out.append(
                    f"--{name} {pattern!r} starts with the prefix's {root!r}, but patterns are matched relative "
                    f"to it: {pattern.lstrip('/')[len(root) :]!r} (or {'/' + pattern.lstrip('/')[len(root) :]!r} "
                    "anchored there) is probably meant"
                )
    return out


def encoded_size(raw: Mapping[str, Any]) -> int:
    """Bytes the filter fields take in a flow state (JSON), so that a step holding them stays in bounds."""
    present = {name: raw.get(name) for name in FIELDS if raw.get(name) not in (None, "", [])}
    return len(json.dumps(present, ensure_ascii=False).encode("utf-8", "surrogatepass")) if present else 0
