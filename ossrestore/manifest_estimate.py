"""A manifest run's estimate from a sample of its entries, before the first request.

A bucket listing says each object's class, size and restore state; a manifest (`bucket,key[,versionId]`
lines, or an inventory) does not say all of it, and a dry run through the flows would HeadObject every
entry before the run could start (160,000 entries: minutes). So the estimate checks the manifest as the run
does, reads it once more (streamed: seconds), keeps a uniform sample of its distinct entries
(reservoir sampling, a fixed seed), asks HeadObject about the sample only, and scales what the sample
needs by the entries it stands for. The estimate says it was sampled and of how many; with a sample
smaller than the manifest every count is an estimate, rounded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ossrestore.estimate import estimate_for
from ossrestore.local_run import check_manifest
from ossrestore.prices import PriceTable
from restore_core import classes, heads, manifest_source
from restore_core.client import Credentials, make_bucket
from restore_core.copy_plan import plan_of
from restore_core.decisions import RESTORE, Skip, decide
from restore_core.direct_read import archive_direct_read
from restore_core.manifest import Cursor, Entry
from restore_core.tally import Tally, add, empty_tally

SAMPLE_ENTRIES = 1000
_PAGE = 10_000  # entries read a page at a time while sampling
_WORKERS = 32


def manifest_estimate(flow_input: Mapping[str, Any], *, credentials: Credentials, prices: PriceTable) -> dict[str, Any]:
    """The estimate (`ossrestore.estimate`'s plain form, with `sampled`: {entries, sample}) of a manifest run."""
    region = flow_input.get("region") or None
    bucket = make_bucket(
        endpoint=str(flow_input["endpoint"]),
        bucket_name=str(flow_input["bucketName"]),
        credentials=credentials,
        region=str(region) if region else None,
    )
    # The run's own check first: a malformed line is refused (exit 2, naming it) before anything is sampled.
    check_manifest(bucket, str(flow_input["manifest"]))
    manifest = manifest_source.Manifest(
        bucket, str(flow_input["manifest"]), chunk_bytes=manifest_source.SCAN_CHUNK_BYTES
    )
    rng = random.Random(0)
    sample: list[Entry] = []
    seen = 0
    cursor: Cursor | None = Cursor()
    while cursor is not None:
        entries, cursor = manifest.page(cursor, _PAGE)
        for entry in entries:
            seen += 1
            if len(sample) < SAMPLE_ENTRIES:
                sample.append(entry)
            elif (slot := rng.randrange(seen)) < SAMPLE_ENTRIES:
                sample[slot] = entry
    direct = archive_direct_read(bucket).enabled
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        found = list(pool.map(lambda e: heads.head_sized(bucket, e.key, e.version_id), sample))
    copying = plan_of(flow_input) is not None
    tally = _scaled(found, factor=seen / len(sample) if sample else 0.0, direct_read=direct, copying=copying)
    est = estimate_for(flow_input, tally, prices).as_dict()
    est["sampled"] = {"entries": seen, "sample": len(sample)}
    return est


def _scaled(found: list[Any], *, factor: float, direct_read: bool, copying: bool) -> Tally:
    sampled, now = empty_tally(), time.time()
    for head in found:
        if head is None or not classes.is_archive(head[0]):
            continue  # gone, or needs no restore: nothing to pay for
        storage_class, restore, size = head.storage_class, head.restore, head.size
        decision = decide(RESTORE, storage_class, restore, direct_read=direct_read)
        add(
            sampled,
            storage_class,
            size,
            request=decision.request,
            direct_read=decision.skip is Skip.DIRECT_READ,
            copy_since=(head.modified, now) if copying else None,
        )
    return {cls: {name: round(n * factor) for name, n in counts.items()} for cls, counts in sampled.items()}
