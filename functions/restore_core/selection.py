"""Which listed objects a run takes on: include/exclude globs, storage classes, dates and sizes.

Parsed once (`parse_selection`) into a frozen `Selection`; `selects` answers per object with None (selected) or
the reason it was left out (`filtered: exclude *.tmp`). listArchiveFiles asks before anything is
requested, restoreStatus's confirm scan asks so that a left-out object never makes the run wait, and
the command's report asks so that a left-out object is reported `skipped` with that reason: all three
ask this module, so they cannot disagree.

Globs are rclone's (https://rclone.org/filtering/), matched against the whole key:
`*` any run of characters other than `/`, `**` any run including `/`, `?` one character other than
`/`, `[...]` one character of a class (`[!...]` or `[^...]` negated, `a-z` ranges), `{a,b}` one of the
alternatives, `\\c` the character c itself. rclone matches a pattern without a leading `/` against the
end of a path; here a pattern always spans the whole key (so `**.tmp` is every key ending in `.tmp`,
`*.tmp` only those at the top level), and a leading `/` is dropped, keys never start with one. Where
rclone's translation is loose the stricter reading is taken: a class never matches `/` (it stands for
one character of a path segment), an empty class, an unclosed `[` or `{`, nested `{` and a trailing `\\`
are refused rather than read literally.

Dates: an object is selected when modified at or after `modifiedAfter` and strictly before
`modifiedBefore` (a half-open range, so consecutive ranges never overlap). Sizes: `minSize` <= size <=
`maxSize`, both in bytes; the units K, M, G and T are powers of 1024, as rclone's size suffixes are.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from restore_core import classes, params
from restore_core.errors import InvalidParameter
from restore_core.params import parse_moment

MAX_PATTERNS = 100
# The patterns travel in the main flow's state next to a listing batch; the listing gives up this much
# of its output budget for them (`encoded_size`), so their total is bounded to leave the batch room.
MAX_PATTERN_BYTES = 4096
SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
MAX_SIZE = 1024**5  # 1 PiB: beyond any OSS object (48.8 TiB), so any real bound fits
_SIZE = re.compile(r"\s*([0-9]{1,16})\s*([KMGT]?)\s*", re.IGNORECASE)

GLOB_ALLOWED = (
    "rclone globs on the whole key: * (within one path segment), ** (across /), ?, [...] classes, {a,b} "
    "alternatives, \\ to escape"
)


class GlobError(ValueError):
    pass


def glob_regex(pattern: str) -> str:
    """The regular expression (for fullmatch) of one rclone glob; GlobError saying what is malformed."""
    out: list[str] = []
    i, n, in_braces = 0, len(pattern), False
    if pattern.startswith("/"):
        i = 1
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise GlobError("a trailing \\ escapes nothing")
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
            else:
                out.append("[^/]*")
                i += 1
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            regex, i = _class(pattern, i)
            out.append(regex)
            continue
        elif c == "{":
            if in_braces:
                raise GlobError("nested { } alternatives are not supported")
            in_braces = True
            out.append("(?:")
        elif c == "}":
            if not in_braces:
                raise GlobError("} without {")
            in_braces = False
            out.append(")")
        elif c == "," and in_braces:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    if in_braces:
        raise GlobError("{ without }")
    return "".join(out)


def _class(pattern: str, start: int) -> tuple[str, int]:
    """A [...] class from pattern[start] == '['; the regex and the index after its ']'."""
    i = start + 1
    negated = i < len(pattern) and pattern[i] in "!^"
    i += negated
    members: list[str] = []
    while i < len(pattern) and pattern[i] != "]":
        c = pattern[i]
        if c == "\\":
            if i + 1 >= len(pattern):
                raise GlobError("a trailing \\ escapes nothing")
            c = pattern[i + 1]
            i += 1
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            hi = pattern[i + 2]
            if hi == "\\" and i + 3 < len(pattern):
                hi, i = pattern[i + 3], i + 1
            if hi < c:
                raise GlobError(f"the range {c}-{hi} runs backwards")
            members.append(f"{re.escape(c)}-{re.escape(hi)}")
            i += 3
            continue
        members.append(re.escape(c))
        i += 1
    if i >= len(pattern):
        raise GlobError("[ without ]")
    if not members:
        raise GlobError("an empty [] class matches nothing")
    body = "".join(members)
    # One character of a segment: never '/', negated or not.
    return (f"[^/{body}]" if negated else f"(?!/)[{body}]"), i + 1


@dataclass(frozen=True)
class Glob:
    pattern: str
    regex: re.Pattern[str] = field(compare=False, repr=False)

    def matches(self, key: str) -> bool:
        return self.regex.fullmatch(key) is not None


def compile_glob(pattern: str, field_name: str) -> Glob:
    try:
        return Glob(pattern, re.compile(glob_regex(pattern), re.DOTALL))
    except (GlobError, re.error) as e:
        raise InvalidParameter(field_name, f"{GLOB_ALLOWED} ({e})", pattern) from None


@dataclass(frozen=True, kw_only=True)
class Selection:
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
        return self == EVERYTHING

    def selects(self, key: str, storage_class: str, size: int | None, modified: datetime | None) -> str | None:
        """None when the object is selected, else why not (`filtered: exclude *.tmp`).

        size or modified None (not known, e.g. an object read back by key): the filters on them are
        not applied, since only a listing carries them.
        """
        for glob in self.exclude:
            if glob.matches(key):
                return f"filtered: exclude {glob.pattern}"
        if self.include and not any(glob.matches(key) for glob in self.include):
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
        compile_glob(value, f"{name}[{i}]")
    if len(json.dumps(values, ensure_ascii=False).encode("utf-8", "surrogatepass")) > MAX_PATTERN_BYTES:
        raise InvalidParameter(name, f"patterns of at most {MAX_PATTERN_BYTES} bytes in all (as JSON)",
                               f"{len(values)} patterns")
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
        raise InvalidParameter("modifiedBefore", f"a time after modifiedAfter ({iso(after)})", raw.get("modifiedBefore"))
    if low is not None and high is not None and low > high:
        raise InvalidParameter("maxSize", f"at least minSize ({low})", raw.get("maxSize"))
    return Selection(
        include=tuple(compile_glob(p, "include") for p in patterns(raw, "include")),
        exclude=tuple(compile_glob(p, "exclude") for p in patterns(raw, "exclude")),
        storage_classes=tuple(storage_classes(raw, "storageClass")),
        modified_after=after, modified_before=before,
        min_size=low, max_size=high,
    )


def encoded_size(raw: Mapping[str, Any]) -> int:
    """Bytes the filter fields take in a flow state (JSON), so that a step holding them stays in bounds."""
    present = {name: raw.get(name) for name in FIELDS if raw.get(name) not in (None, "", [])}
    return len(json.dumps(present, ensure_ascii=False).encode("utf-8", "surrogatepass")) if present else 0

