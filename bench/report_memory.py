"""`oss-restore report FILE --html OUT` at two sizes: time and peak RSS, to show memory does not grow with lines.

Writes a synthetic report per size (restored Archive lines with readableAt spread over a day, some
in progress, some failed with a few codes), then runs the command on it in a process of its own and
reads that process's peak RSS. Prints per size `seconds_N:` and `rss_mb_N:` (MiB), then `rss_ratio:`
(largest / smallest). Usage: `./bootstrap bench report_memory [--sizes 100000,1000000]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_RUN = """
import resource, sys
from click.testing import CliRunner
from ossrestore.cli import group
result = CliRunner(mix_stderr=False).invoke(group, ["report", sys.argv[1], "--html", sys.argv[2]])
assert result.exit_code == 0, result.output + result.stderr
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def write_report(path: Path, lines: int) -> None:
    start = 1_790_000_000
    with path.open("w", encoding="utf-8") as out:
        for i in range(lines):
            kind = i % 20
            outcome, code, readable = (
                ("restored", "", start + (i * 86400) // lines)
                if kind < 17
                else (("in_progress", "", None) if kind < 19 else ("failed", f"Code{i % 7}", None))
            )
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(readable)) if readable else None
            out.write(
                json.dumps(
                    {
                        "key": f"data/{i:09d}",
                        "storageClass": "Archive",
                        "outcome": outcome,
                        "code": code,
                        "reason": "",
                        "requestedAt": "2026-09-21T00:00:00Z",
                        "checkedAt": None,
                        "expiry": None,
                        "readableAt": stamp,
                    }
                )
                + "\n"
            )


def measure(report: Path, page: Path) -> tuple[float, float]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(report), str(page)], capture_output=True, text=True, check=True
    )
    return time.perf_counter() - began, int(done.stdout.strip().splitlines()[-1]) / 1024  # ru_maxrss is KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated line counts")
    sizes = sorted(int(n) for n in parser.parse_args().sizes.split(","))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            report = Path(tmp) / f"report-{n}.jsonl"
            write_report(report, n)
            seconds, rss = measure(report, Path(tmp) / f"report-{n}.html")
            report.unlink()
            figures[n] = rss
            print(f"seconds_{n}: {seconds:.1f}")
            print(f"rss_mb_{n}: {rss:.1f}")
    if len(sizes) > 1:
        print(f"rss_ratio: {figures[sizes[-1]] / figures[sizes[0]]:.2f}")


if __name__ == "__main__":
    main()
