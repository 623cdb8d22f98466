"""What a run does with each object it finds readable, when asked to make the restore permanent: convert
it in place to a readable class (`convertTo`), or copy it to another bucket or prefix (`copyTo`,
`copyClass`). The flow input's fields are checked here, together, and the size rules say which requests each
copy takes (the tally counts them, `restore_core.copier` sends them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from restore_core.errors import InvalidParameter
from restore_core.params import bucket_name

CONVERT = "convert"
COPY = "copy"
CLASSES = ("Standard", "IA")  # what a copy may be: readable classes (an archive copy would need a restore again)
# CopyObject copies objects "smaller than 1 GB" and larger ones take UploadPartCopy (OSS's UploadPartCopy page,
# https://www.alibabacloud.com/help/en/oss/developer-reference/uploadpartcopy): exactly 1 GiB takes the multipart
# copy too. Its parts: 100 KB to 5 GB each, at most 10,000. A part of 128 MiB is copied server-side in seconds;
# fewer, larger parts only where 10,000 would not cover the object.
COPY_OBJECT_MAX_BYTES = 1024**3 - 1
PART_BYTES = 128 * 1024 * 1024
MAX_PARTS = 10_000
MAX_PART_BYTES = 5 * 1024**3


@dataclass(frozen=True)
class Plan:
    """What the run does with each readable object: `mode` CONVERT (in place) or COPY (to `bucket`, its key
    re-rooted from the run's prefix `source_prefix` to `prefix`), as `storage_class`."""

    mode: str
    storage_class: str
    bucket: str
    prefix: str = ""
    source_prefix: str = ""

    def target_key(self, key: str) -> str:
        if self.mode == CONVERT:
            return key
        return self.prefix + (key[len(self.source_prefix) :] if key.startswith(self.source_prefix) else key)

    def url(self, key: str) -> str:
        return f"oss://{self.bucket}/{self.target_key(key)}"


def parse_target(url: str, field: str = "copyTo") -> tuple[str, str] | None:
    """`oss://BUCKET/` or `oss://BUCKET/PREFIX/` (the prefix ending in `/`), or "" (none): (bucket, prefix)."""
    if not url:
        return None
    allowed = "oss://BUCKET/ or oss://BUCKET/PREFIX/ (a bucket in the run's region, then a key prefix ending in /)"
    if not url.startswith("oss://"):
        raise InvalidParameter(field, allowed, url)
    bucket, _, prefix = url[len("oss://") :].partition("/")
    try:
        bucket_name({"bucketName": bucket})
    except InvalidParameter:
        raise InvalidParameter(field, allowed, url) from None
    if (prefix and not prefix.endswith("/")) or prefix.startswith("/") or len(prefix.encode("utf-8", "replace")) > 700:
        raise InvalidParameter(field, allowed + "; the prefix at most 700 bytes", url)
    return bucket, prefix


def plan_of(checked: Mapping[str, object]) -> Plan | None:
    """The plan a checked flow input asks for, or None (restore only)."""
    convert = str(checked.get("convertTo") or "")
    if convert:
        return Plan(CONVERT, convert, str(checked["bucketName"]))
    target = parse_target(str(checked.get("copyTo") or ""))
    if target is None:
        return None
    return Plan(COPY, str(checked.get("copyClass") or CLASSES[0]), target[0], target[1], str(checked.get("prefix", "")))


def check(checked: Mapping[str, object]) -> None:
    """The checks between fields: a copy needs a restore run of current objects, and must not land where the run
    lists (it would list its own copies)."""
    plan = plan_of(checked)
    if plan is None:
        return
    field = "convertTo" if plan.mode == CONVERT else "copyTo"
    if checked.get("convertTo") and checked.get("copyTo"):
        raise InvalidParameter(
            "copyTo", '"" with convertTo (a run converts in place or copies, not both)', checked["copyTo"]
        )
    if checked.get("action", "restore") != "restore":
        raise InvalidParameter(
            field, f'"" with action {checked.get("action")} (only a restore converts or copies)', checked[field]
        )
    if checked.get("allVersions"):
        raise InvalidParameter(
            field, '"" with allVersions (a copy of a noncurrent version would become the current one)', checked[field]
        )
    if plan.mode == COPY and plan.bucket == checked.get("bucketName") and not checked.get("manifest"):
        source = str(checked.get("prefix", ""))
        if plan.prefix.startswith(source) or source.startswith(plan.prefix):
            raise InvalidParameter(
                "copyTo",
                f"a prefix outside the run's prefix {source!r} in the same bucket (the run would list its own copies)",
                checked["copyTo"],
            )


def part_ranges(size: int) -> list[tuple[int, int]]:
    """The byte ranges (inclusive) of a multipart copy: PART_BYTES each, larger only where MAX_PARTS needs it."""
    part = max(PART_BYTES, -(-size // MAX_PARTS))
    if part > MAX_PART_BYTES:
        raise ValueError(f"{size} bytes is more than {MAX_PARTS} parts of {MAX_PART_BYTES} bytes")
    return [(start, min(start + part, size) - 1) for start in range(0, size, part)]


def copy_requests(size: int | None) -> int:
    """The requests one object's copy takes: a CopyObject up to COPY_OBJECT_MAX_BYTES, else HeadObject,
    ListMultipartUploads, InitiateMultipartUpload, one UploadPartCopy per part and CompleteMultipartUpload."""
    if size is None or size <= COPY_OBJECT_MAX_BYTES:
        return 1
    return 4 + len(part_ranges(size))
