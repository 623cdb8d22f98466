"""Seeding figures for the OSS emulator: seconds and resident MB for 100,000 and 1,000,000 objects.

Each size runs in a fresh child process so that memory figures do not include the previous run.
Also prints how long one 1,000-key ListObjectsV2 page takes to build from the middle of the bucket.
"""

from __future__ import annotations

import subprocess
import sys
import time

COUNTS = {"Archive": 0.70, "ColdArchive": 0.15, "DeepColdArchive": 0.05, "Standard": 0.07, "IA": 0.03}


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_one(total: int) -> None:
    from ossemu import Emulator
    from ossemu.listing import ListQuery, list_page

    emu = Emulator(credentials={"ak": "sk"})
    emu.create_bucket("bench")
    counts = {cls: int(total * share) for cls, share in COUNTS.items()}
    before = _rss_mb()
    t0 = time.perf_counter()
    added = emu.seed("bench", counts=counts, prefix="seed/", size=1024)
    seconds = time.perf_counter() - t0
    mb = _rss_mb() - before
    bucket = emu._store.bucket("bench")
    middle = bucket.keys[len(bucket.keys) // 2]
    t1 = time.perf_counter()
    page = list_page(bucket, ListQuery(prefix="seed/", after=middle, max_keys=1000))
    page_ms = (time.perf_counter() - t1) * 1000
    print(
        f"{added:>9,} objects: seed {seconds:6.2f} s, +{mb:7.1f} MB RSS ({mb * 1024 * 1024 / added:5.0f} B/object), "
        f"1,000-key page {page_ms:5.1f} ms ({len(page.entries)} keys)"
    )


def main() -> None:
    if len(sys.argv) > 1:
        run_one(int(sys.argv[1]))
        return
    for total in (100_000, 1_000_000):
        subprocess.run([sys.executable, __file__, str(total)], check=True)


if __name__ == "__main__":
    main()
