"""Generated argument lists and `--input` files for `run`, `start` and `demo`, through click in-process.

The only outcomes allowed: exit 0 with a result that describes the input, or exit 2 with a one-line error
naming a flag; never a traceback, never another exception (CliRunner keeps it in `result.exception`).
`run` inputs that pass validation stop at the preflight listing against a loopback emulator that has no
bucket (the run itself is tested with a fixture bucket in a few examples); `start` talks to the loopback
Serverless Workflow API of test_cloud_commands.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies as gen
from conftest import use_credentials
from ossemu import Emulator, RestoreLatency
from ossrestore.cli import group
from test_cloud_commands import FakeFnf, fnf  # noqa: F401  (the loopback Serverless Workflow API)

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "prop-cli-ak", "prop-cli-secret"
# Invocations per CI run: run 300 + start 150 + demo 100, plus 3 complete runs and 2 complete demos = 555
# (the must-show asks for at least 500).
RUNS, STARTS, DEMOS = 300, 150, 100

FLOW_FLAGS = [
    "--endpoint",
    "--bucket",
    "--region",
    "--prefix",
    "--marker",
    "--max-keys",
    "--poll-interval",
    "--workers",
    "--group-size",
    "--days",
    "--tier",
    "--wait-per-batch",
    "--pipelined",
    "--rounds-per-execution",
    "--round-seconds",
    "--max-concurrent-invocations",
    "--input",
]
RUN_FLAGS = [*FLOW_FLAGS, "--report", "--quiet"]
START_FLAGS = [*FLOW_FLAGS, "--env", "--name", "--fnf-endpoint"]
DEMO_FLAGS = ["--objects", "--restore-latency", "--report", "--quiet"]


def argv(value: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    """A command-line word: what a shell passes (str; an undecodable byte arrives as a lone surrogate)."""
    return value.map(lambda v: v if isinstance(v, str) else json.dumps(v))


def numbers(lo: int, hi: int) -> st.SearchStrategy[str]:
    return argv(gen.integer_field(lo, hi))


def flow_options(endpoint: str, bucket: str) -> dict[str, st.SearchStrategy[list[str]]]:
    valued = {
        "--endpoint": argv(st.one_of(st.just(endpoint), gen.endpoints(endpoint, typed=False))),
        "--bucket": argv(st.one_of(st.just(bucket), gen.buckets(bucket))),
        "--region": argv(gen.regions),
        "--prefix": argv(gen.string_field),
        "--marker": argv(gen.string_field),
        "--max-keys": numbers(1, 1000),
        "--poll-interval": numbers(1, 172800),
        "--workers": numbers(1, 100),
        "--group-size": numbers(1, 1000),
        "--days": numbers(1, 365),
        "--tier": argv(gen.tiers),
        "--rounds-per-execution": numbers(1, 320),
        "--round-seconds": numbers(5, 600),
        "--max-concurrent-invocations": numbers(1, 1000),
    }
    options = {flag: _with_flag(flag, values) for flag, values in valued.items()}
    options["--wait-per-batch"] = st.sampled_from([["--wait-per-batch"], ["--pipelined"]])
    return options


def _with_flag(flag: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return values.map(lambda v: [flag, v])


def input_documents(endpoint: str, bucket: str) -> st.SearchStrategy[bytes]:
    """`--input` file contents: flow inputs with generated fields, or bytes that are no usable JSON object."""
    fields = {
        "endpoint": st.one_of(st.just(endpoint), gen.endpoints(endpoint)),
        "bucketName": gen.buckets(bucket),
        "region": gen.regions,
        "prefix": gen.string_field,
        "marker": gen.string_field,
        "maxKeys": gen.integer_field(1, 1000),
        "days": gen.integer_field(1, 365),
        "tier": gen.tiers,
        "waitPerBatch": gen.flags,
        "maxkeys": gen.integer_field(1, 1000),
    }
    docs = st.tuples(gen.optional(fields), st.booleans()).map(
        lambda d: json.dumps(d[0], ensure_ascii=d[1]).encode("utf-8", "surrogatepass")
    )
    return st.one_of(docs, docs, gen.raw_documents({"endpoint": endpoint, "bucketName": bucket}))


class Invocations:
    """Runs generated argument lists and checks each outcome; counts them."""

    def __init__(self, tmp_path: Path, flags: list[str]) -> None:
        self.tmp_path, self.flags = tmp_path, flags
        self.outcomes: Counter[int] = Counter()
        self._files = itertools.count()

    def input_option(self, documents: st.SearchStrategy[bytes]) -> st.SearchStrategy[list[str]]:
        """`--input` with a fresh file holding a generated document, or a path that is no readable file."""
        unreadable = st.sampled_from([str(self.tmp_path), str(self.tmp_path / "missing.json"), "in\x00put.json"])
        return st.one_of(documents.map(self._write), unreadable).map(lambda path: ["--input", path])

    def _write(self, content: bytes) -> str:
        path = self.tmp_path / f"input-{next(self._files)}.json"
        path.write_bytes(content)
        return str(path)

    def invoke(self, args: list[str]) -> Result:
        result = CliRunner(mix_stderr=False).invoke(group, args)
        output = result.stdout + result.stderr
        # THEN: no exception but click's own exit, no traceback...
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        assert "Traceback" not in output, (args, output)
        # ...and either success or exit 2 naming a flag of the command on stderr
        assert result.exit_code in (0, 2), (args, result.exit_code, output)
        if result.exit_code == 2:
            # click names what it could not place: "No such option: --x", "Got unexpected extra argument (x)"
            named = [*self.flags, "No such option: -", "Got unexpected extra argument"]
            assert any(flag in result.stderr for flag in named), (args, result.stderr)
            assert len(result.stderr.strip().splitlines()) <= 4, result.stderr  # one line (click adds usage)
        self.outcomes[result.exit_code] += 1
        return result


def run_property(
    strategy: st.SearchStrategy[Any], count: int, check: Callable[[Any], object], *, grow: bool = True
) -> None:
    seen = []

    @settings(max_examples=max(count, settings().max_examples) if grow else count)  # more with a profile that asks
    @given(strategy)
    def each(example: Any) -> None:
        seen.append(1)
        check(example)

    each()
    assert len(seen) >= count


def arguments(options: dict[str, st.SearchStrategy[list[str]]]) -> st.SearchStrategy[list[str]]:
    """Some of options, in any order, sometimes one given twice."""
    chosen = st.lists(st.sampled_from(sorted(options)), max_size=len(options)).flatmap(
        lambda names: st.tuples(*(options[n] for n in names)) if names else st.just(())
    )
    return chosen.flatmap(lambda parts: st.permutations(parts)).map(lambda parts: [w for p in parts for w in p])


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """A generated relative path lands in the test's folder, never in the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def bucketless_emulator():
    with Emulator(credentials={AK: SK}) as emu:
        yield emu


@pytest.fixture
def creds(monkeypatch):
    use_credentials(monkeypatch, AK, SK)


def test_run_takes_any_arguments_and_input_file_without_a_traceback(bucketless_emulator, creds, tmp_path):
    # GIVEN generated flags and --input files; valid ones reach an emulator that has no bucket
    emu = bucketless_emulator
    calls = Invocations(tmp_path, RUN_FLAGS)
    options = flow_options(emu.endpoint, "no-such-bucket")
    options["--input"] = calls.input_option(input_documents(emu.endpoint, "no-such-bucket"))
    options["--report"] = st.sampled_from(["r.jsonl", "missing/r.jsonl", ".", "r\x00.jsonl"]).map(
        lambda name: ["--report", str(tmp_path / name)]
    )
    options["--quiet"] = st.just(["--quiet"])

    # WHEN each is run THEN it ends in exit 2 naming a flag (no bucket to restore), never a traceback
    run_property(arguments(options), RUNS, lambda args: calls.invoke(["run", *args]))
    assert calls.outcomes[2] == sum(calls.outcomes.values()) >= RUNS, calls.outcomes


def test_start_takes_any_arguments_and_input_file_without_a_traceback(fnf: FakeFnf, tmp_path):  # noqa: F811  (the fixture imported above)
    # GIVEN generated flags for the dev stack in cn-hangzhou (endpoint and bucket as its config allows)
    calls = Invocations(tmp_path, START_FLAGS)
    bucket = "example-archive-dev"
    options = flow_options("https://oss-cn-hangzhou-internal.aliyuncs.com", bucket)
    options["--input"] = calls.input_option(input_documents("https://oss-cn-hangzhou.aliyuncs.com", bucket))
    options["--env"] = st.sampled_from(["dev", "prod", "nope", "\udcff"]).map(lambda env: ["--env", env])
    options["--region"] = st.sampled_from(["cn-hangzhou", "cn-hangzhou", "eu-central-1", "", "\ud800"]).map(
        lambda region: ["--region", region]
    )
    names = st.one_of(st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,127}", fullmatch=True), argv(gen.string_field))
    options["--name"] = names.map(lambda name: ["--name", name])
    fake = os.environ["OSS_RESTORE_FNF_ENDPOINT"]  # the loopback API; otherwise only endpoints it must refuse
    options["--fnf-endpoint"] = st.one_of(st.just(fake), gen.endpoints(fake, typed=False)).map(
        lambda e: ["--fnf-endpoint", e]
    )

    def check(args: list[str]) -> None:
        before = len(fnf.requests)
        result = calls.invoke(["start", *args])
        if result.exit_code == 0:  # THEN the execution started carries the bucket asked for
            (request,) = fnf.requests[before:]
            assert json.loads(request["Input"])["bucketName"] == bucket
            assert result.stdout.strip() == request["ExecutionName"]
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]{0,127}", request["ExecutionName"])
        else:  # THEN nothing was started
            assert len(fnf.requests) == before

    run_property(arguments(options).map(lambda args: ["--env", "dev", "--region", "cn-hangzhou", *args]), STARTS, check)
    assert calls.outcomes[0] and calls.outcomes[2], calls.outcomes


def test_demo_refuses_any_bad_arguments_without_a_traceback(tmp_path):
    # GIVEN argument lists with at least one value demo must refuse (a valid demo seeds and restores for real)
    calls = Invocations(tmp_path, DEMO_FLAGS)
    bad = st.one_of(
        argv(gen.integer_field(10, 200_000))
        .filter(lambda v: not _within(int, v, 10, 200_000))
        .map(lambda v: ["--objects", v]),
        argv(st.one_of(st.floats(), gen.string_field))
        .filter(lambda v: not _within(float, v, 0, 3600))
        .map(lambda v: ["--restore-latency", v]),
        # (no bad --report: a later valid one would replace it, as the last of a repeated option counts)
        st.sampled_from([["--nope"], ["--restore-latency", "nan"]]),
    )
    fine = st.one_of(st.just(["--quiet"]), st.just(["--report", str(tmp_path / "d.jsonl")]))
    words = st.lists(st.one_of(bad, fine), max_size=3).flatmap(st.permutations)
    # An option without its value only last: anywhere else it takes the next flag as its value (a valid demo).
    unfinished = st.sampled_from([["--report"], ["--objects"], ["--restore-latency"]])
    args = st.one_of(
        st.tuples(bad, words).flatmap(lambda parts: st.permutations([parts[0], *parts[1]])),
        st.tuples(words, unfinished).map(lambda parts: [*parts[0], parts[1]]),
    ).map(lambda parts: [w for p in parts for w in p])
    # WHEN each is given to demo THEN it exits 2 naming an option, before anything starts
    run_property(args, DEMOS, lambda a: calls.invoke(["demo", *a]))
    assert calls.outcomes[2] == sum(calls.outcomes.values()) >= DEMOS, calls.outcomes


def _within(kind: Callable[[str], float], value: str, lo: float, hi: float) -> bool:
    """Whether click would take value as in range (Python's int() and float(), as click converts; int()
    refuses past 4,300 digits, as it does for click)."""
    try:
        return lo <= kind(value) <= hi
    except ValueError:
        return False


OBJECTS = {
    "a/1": "Archive",
    "a/ 2": "ColdArchive",
    "a/%+": "Standard",
    "日本/語": "DeepColdArchive",
    "e/😀": "Archive",
    "f/\x01ctl": "ColdArchive",
}


def test_a_valid_run_reports_exactly_the_objects_in_its_scope(creds, tmp_path):
    # GIVEN a small bucket of awkward keys (each run starts worker processes: a few examples only)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.1)) as emu:
        emu.create_bucket("prop-run")
        for key, cls in OBJECTS.items():
            emu.put_object("prop-run", key, b"x", storage_class=cls)
        calls = Invocations(tmp_path, RUN_FLAGS)
        scopes = st.tuples(
            st.sampled_from(["", "a/", "日本/", "e/", "zz"]),
            st.sampled_from(["", "a/1", "e"]),
            st.integers(1, 4),
            st.integers(1, 3),
        )

        def check(scope: tuple[str, str, int, int]) -> None:
            prefix, marker, max_keys, group_size = scope
            report = tmp_path / "report.jsonl"
            # WHEN a generated valid scope is restored
            result = calls.invoke(
                [
                    "run",
                    "--endpoint",
                    emu.endpoint,
                    "--bucket",
                    "prop-run",
                    "--prefix",
                    prefix,
                    "--marker",
                    marker,
                    "--max-keys",
                    str(max_keys),
                    "--group-size",
                    str(group_size),
                    "--poll-interval",
                    "1",
                    "--quiet",
                    "--report",
                    str(report),
                ]
            )
            # THEN it succeeds and reports every object under the prefix after the marker, and no other
            assert result.exit_code == 0, result.stderr
            reported = {json.loads(line)["key"] for line in report.read_text(encoding="utf-8").splitlines()}
            assert reported == {k for k in OBJECTS if k.startswith(prefix) and k > marker}

        run_property(scopes, 3, check, grow=False)


def test_a_valid_demo_reports_every_object_it_seeded(tmp_path):
    # GIVEN generated valid demo arguments (each starts an emulator and worker processes: two examples)
    calls = Invocations(tmp_path, DEMO_FLAGS)
    demos = st.tuples(st.integers(10, 40), st.sampled_from(["0", "0.1", "1e-2"]))

    def check(demo: tuple[int, str]) -> None:
        objects, latency = demo
        report = tmp_path / "demo.jsonl"
        # WHEN run
        result = calls.invoke(
            ["demo", "--objects", str(objects), "--restore-latency", latency, "--quiet", "--report", str(report)]
        )
        # THEN it succeeds with one report line per seeded object
        assert result.exit_code == 0, result.stderr
        assert len(report.read_text(encoding="utf-8").splitlines()) == objects

    run_property(demos, 2, check, grow=False)
