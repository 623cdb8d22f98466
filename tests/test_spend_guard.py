"""The spend guard end to end: `run` shows its estimate (from a dry run of the same input through the real flows)
before the first request, refuses a run above `--max-cost` before any restore, and asks once on a terminal.
The terminal is a real pseudo-terminal driving `python -m ossrestore`; the requests are the emulator's counts."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
from click.testing import Result

from conftest import run_command, use_credentials
from ossemu import Emulator, RestoreLatency

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "guard-test-ak", "guard-test-secret-0123456789"
BUCKET = "guard-bucket"


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.2)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"ColdArchive": 7, "Archive": 3, "Standard": 2}, prefix="g/")
        yield emu


@pytest.fixture
def dear_prices(tmp_path) -> Path:
    """Cold Archive requests at 1 CNY each: the 7 of this bucket cost 7.00 and a little."""
    table = json.loads(resources.files("ossrestore").joinpath("data/prices.json").read_text(encoding="utf-8"))
    table["regions"]["cn-mainland"]["classes"]["ColdArchive"]["tiers"]["Standard"]["requestsPer10000"]["value"] = 10000
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(table), encoding="utf-8")
    return path


def run(emu: Emulator, *args: str) -> Result:
    return run_command("run", emu, BUCKET, *args)


def test_max_cost_below_the_estimate_exits_2_naming_it_and_sends_no_restore(emu, dear_prices):
    result = run(emu, "--max-cost", "5", "--price-table", str(dear_prices))
    assert result.exit_code == 2, result.output + result.stderr
    assert "--max-cost: the estimate is 7.00 CNY, above the 5.00 CNY allowed; nothing was requested" in result.stderr
    assert "estimate (before any restore; cost in CNY)" in result.output
    assert emu.stats.get("RestoreObject") == 0


def test_max_cost_above_the_estimate_runs_and_the_estimate_comes_first(emu, dear_prices):
    result = run(emu, "--max-cost", "7.5", "--price-table", str(dear_prices))
    assert result.exit_code == 0, result.output + result.stderr
    assert emu.stats.get("RestoreObject") == 10
    out = result.output
    assert out.count("estimate (before any restore") == 1
    assert (
        out.index("estimate (before any restore")
        < out.index("result (checked by listing)")
        < out.index("estimate and actual")
    )


def test_a_dry_run_refuses_above_max_cost_exactly_as_the_real_run_does(emu, dear_prices):
    dry = run(emu, "--max-cost", "5", "--price-table", str(dear_prices), "--dry-run")
    real = run(emu, "--max-cost", "5", "--price-table", str(dear_prices))
    assert (dry.exit_code, real.exit_code) == (2, 2)
    assert dry.stderr.splitlines()[-1] == real.stderr.splitlines()[-1]
    assert emu.stats.get("RestoreObject") == 0


def test_max_cost_with_a_class_of_unknown_price_is_refused(emu):
    emu.seed(BUCKET, counts={"DeepColdArchive": 2}, prefix="d/")
    result = run(emu, "--max-cost", "1000")
    assert result.exit_code == 2 and "--max-cost: the estimate's cost is unknown" in result.stderr
    assert emu.stats.get("RestoreObject") == 0


@pytest.mark.parametrize("amount", ["-1", "nan", "cheap"])
def test_a_bad_max_cost_is_refused_before_anything_runs(emu, amount):
    result = run(emu, "--max-cost", amount)
    assert result.exit_code == 2 and "--max-cost" in result.stderr
    assert emu.stats.get("ListObjects") == 0


def test_summary_json_dash_writes_the_json_to_stdout_and_nothing_else(emu, tmp_path):
    result = run(emu, "--summary-json", "-")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["bucket"] == BUCKET and summary["exitCode"] == 0 and summary["counts"]["restored"] == 10
    assert "estimate (before any restore" in result.stderr and "result (checked by listing)" in result.stderr
    assert not Path(tmp_path, "-").exists() and not Path("-").exists()


# --- on a terminal ------------------------------------------------------------------------------------------


def on_a_terminal(args: list[str], answer: str | None, *, cwd: Path) -> tuple[int, str]:
    """`python -m ossrestore ARGS` with a pseudo-terminal as stdin, stdout and stderr; `answer` typed at the
    question (None: expect none). Returns the exit code and everything the terminal showed."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ossrestore", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=cwd,
        close_fds=True,
    )
    os.close(follower)
    shown, asked, deadline = b"", False, time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the follower side closed: the command ended
                break
            if not chunk:
                break
            shown += chunk
        if not asked and b"[y/N]" in shown:
            asked = True
            assert answer is not None, shown.decode(errors="replace")
            os.write(leader, answer.encode() + b"\n")
        if process.poll() is not None and not ready:
            break
    process.wait(timeout=30)
    os.close(leader)
    return process.returncode, shown.decode(errors="replace")


def terminal_args(emu: Emulator, *more: str) -> list[str]:
    return ["run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--poll-interval", "1", "--quiet", *more]


def test_on_a_terminal_a_run_that_costs_money_is_asked_about_once_and_no_stops_it(emu, tmp_path):
    code, shown = on_a_terminal(terminal_args(emu), "n", cwd=tmp_path)
    assert code == 1, shown
    assert shown.count("[y/N]") == 1 and "Send 10 restore requests, for about" in shown
    assert shown.index("estimate (before any restore") < shown.index("[y/N]")
    assert "not confirmed: nothing was requested" in shown
    assert emu.stats.get("RestoreObject") == 0


def test_on_a_terminal_yes_runs_it(emu, tmp_path):
    code, shown = on_a_terminal(terminal_args(emu), "y", cwd=tmp_path)
    assert code == 0, shown
    assert emu.stats.get("RestoreObject") == 10


def test_yes_flag_and_the_demo_never_ask(emu, tmp_path):
    code, shown = on_a_terminal(terminal_args(emu, "--yes"), None, cwd=tmp_path)
    assert code == 0 and "[y/N]" not in shown, shown
    code, shown = on_a_terminal(["demo", "--objects", "60", "--restore-latency", "0.2", "--quiet"], None, cwd=tmp_path)
    assert code == 0 and "[y/N]" not in shown, shown
    assert shown.index("estimate (before any restore") < shown.index("result (checked by listing)")
