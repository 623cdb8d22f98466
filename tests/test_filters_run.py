"""Choosing what to restore, end to end: `oss-restore run` with filters and `--dry-run`, the real flows on the
engine, the real handlers, the real oss2 over HTTP to the emulator. What was restored is read back with an
independent listing and the emulator's own request counters, never from the run's report alone.

The keys are drawn per seed from parts chosen to be awkward (spaces, `+`, commas, non-ASCII, deep paths),
and the expected selection is computed from those parts, not with the glob matcher under test."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import oss2
import pytest
from rich.console import Console

from conftest import invoke, use_credentials
from ossemu import Emulator, RestoreLatency
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import MAIN_FLOW
from ossrestore.local_run import run_local
from ossrestore.prices import load as load_prices
from ossrestore.report import RunSummary
from ossrestore.summary_print import print_summary
from restore_core.client import Credentials

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "filter-test-ak", "filter-test-secret"
BUCKET = "filter-bucket"
ARCHIVE = ("Archive", "ColdArchive", "DeepColdArchive")
DAY = 86400.0


class ShiftedClock:
    """The wall clock moved by `offset` seconds: objects put while it is set look that much older.
    It is set back to 0 before any request, since the emulator checks request dates against it."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


@dataclass(frozen=True)
class Obj:
    key: str
    folder: str
    ext: str
    storage_class: str
    size: int
    old: bool


FOLDERS = ("logs/2023/", "logs/2024/", "logs/2023/deep/x/", "media/", "top-")
NAMES = ("a b", "ü+ñ", "c,d", "plain", "日本語", "%41")
EXTS = (".gz", ".tmp", ".log")
CLASSES = (*ARCHIVE, "Standard")
SIZES = (100, 1024, 5000)


def draw(seed: int, n: int) -> list[Obj]:
    rng = random.Random(seed)
    out: dict[str, Obj] = {}
    while len(out) < n:
        folder, name, ext = rng.choice(FOLDERS), rng.choice(NAMES), rng.choice(EXTS)
        key = f"{folder}{name}{rng.randrange(1000)}{ext}"
        out[key] = Obj(key, folder, ext, rng.choice(CLASSES), rng.choice(SIZES), rng.random() < 0.3)
    return sorted(out.values(), key=lambda o: o.key.encode())


@pytest.fixture
def clock():
    return ShiftedClock()


@pytest.fixture
def emu(clock):
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.3), clock=clock) as emu:
        emu.create_bucket(BUCKET)
        yield emu


@pytest.fixture
def creds_env(monkeypatch):
    use_credentials(monkeypatch, AK, SK)


def seed(emu: Emulator, clock: ShiftedClock, objects: list[Obj]) -> None:
    for obj in objects:
        clock.offset = -400 * DAY if obj.old else 0.0
        emu.put_object(BUCKET, obj.key, b"x" * obj.size, storage_class=obj.storage_class)
    clock.offset = 0.0


def listed(emu: Emulator) -> dict[str, oss2.models.SimplifiedObjectInfo]:
    bucket = oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET)
    return {o.key: o for o in oss2.ObjectIterator(bucket, max_keys=1000)}


def restored(info: oss2.models.SimplifiedObjectInfo) -> bool:
    return bool(info.restore_info) and 'ongoing-request="false"' in info.restore_info


# Each case: the flags, and the same selection computed from the parts (independently of the globs).
CASES = {
    "logs-not-tmp": (
        ["--include", "/logs/**", "--exclude", "*.tmp"],
        lambda o: o.folder.startswith("logs/") and o.ext != ".tmp",
        {".tmp": "filtered: exclude *.tmp"},
    ),
    "2023-top-level-cold-big-new": (
        [
            "--include",
            "/logs/2023/*",
            "--storage-class",
            "ColdArchive",
            "--storage-class",
            "Archive",
            "--min-size",
            "1K",
            "--modified-after",
            "2000-01-01T00:00:00Z",
            "--modified-before",
            "2999-01-01",
        ],
        lambda o: o.folder == "logs/2023/" and o.storage_class in ("ColdArchive", "Archive") and o.size >= 1024,
        {},
    ),
    "recent-small-no-media": (
        [
            "--exclude",
            "/media/**",
            "--exclude",
            "/top-*",
            "--max-size",
            "1K",
            "--modified-after",
            time.strftime("%Y-%m-%d", time.gmtime(time.time() - 30 * DAY)),
        ],
        lambda o: o.folder not in ("media/", "top-") and o.size <= 1024 and not o.old,
        {},
    ),
}


@pytest.mark.parametrize("seed_value", [11, 2026])
@pytest.mark.parametrize("case", list(CASES))
def test_exactly_the_selected_archive_objects_are_restored(emu, clock, creds_env, tmp_path, case, seed_value):
    # GIVEN objects of every class, size and age under awkward keys
    objects = draw(seed_value, 70)
    seed(emu, clock, objects)
    flags, chosen, reasons = CASES[case]
    report = tmp_path / "report.jsonl"
    # WHEN the run is asked for a part of them
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--poll-interval",
        "1",
        "--tier",
        "Expedited",
        "--report",
        str(report),
        "--quiet",
        *flags,
    )
    # THEN it exits 0 (left-out objects, frozen, do not make it wait or fail)
    assert result.exit_code == 0, result.output + result.stderr
    selected_archive = {o.key for o in objects if chosen(o) and o.storage_class in ARCHIVE}
    # AND exactly the selected archive objects were requested and are readable; every other one stays frozen
    assert emu.stats.get("RestoreObject") == len(selected_archive)
    now = listed(emu)
    assert len(now) == len(objects)
    for obj in objects:
        if obj.storage_class in ARCHIVE:
            assert restored(now[obj.key]) is (obj.key in selected_archive), obj
            assert obj.key in selected_archive or not now[obj.key].restore_info, obj
    # AND the report has one line per object, left-out ones skipped and saying which filter left them out
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [r["key"] for r in rows] == [o.key for o in objects]
    for obj, row in zip(objects, rows):
        if not chosen(obj):
            assert row["outcome"] == "skipped" and row["reason"].startswith("filtered: "), row
            if obj.ext in reasons and obj.folder.startswith("logs/"):
                assert row["reason"] == reasons[obj.ext], row
        elif obj.storage_class in ARCHIVE:
            assert row["outcome"] == "restored", row
        else:
            assert row["outcome"] == "skipped" and "needs no restore" in row["reason"], row
    # AND the summary opened with the estimate and ends with the actual counts beside it
    assert result.output.index("estimate (before any restore") < result.output.index("estimate and actual")


# Under --prefix logs/: the keys and which of them each pattern selects (rclone's rule, relative to the prefix).
UNDER_LOGS = {
    "logs/a.log": ("*.log", "/a.log"),
    "logs/2024/b.log": ("*.log",),
    "logs/2024/12/a.log": ("*.log",),
    "logs/a.log.gz": (),
    "logs/alog": (),
    "logs/b.txt": (),
    "other/a.log": (),
}


@pytest.mark.parametrize("pattern", ["*.log", "/a.log"])
def test_under_a_prefix_a_pattern_matches_relative_to_it(emu, clock, creds_env, tmp_path, pattern):
    # GIVEN .log objects at every depth under logs/, and others that only look alike
    for key in UNDER_LOGS:
        emu.put_object(BUCKET, key, b"x", storage_class="ColdArchive")
    report = tmp_path / "report.jsonl"
    # WHEN the prefix is restored with the pattern
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--prefix",
        "logs/",
        "--include",
        pattern,
        "--poll-interval",
        "1",
        "--tier",
        "Expedited",
        "--report",
        str(report),
        "--quiet",
    )
    # THEN exactly the keys rclone's rule selects are restored: *.log every .log at any depth below logs/,
    # /a.log only logs/a.log
    assert result.exit_code == 0, result.output + result.stderr
    expected = {key for key, selected_by in UNDER_LOGS.items() if pattern in selected_by}
    assert {key for key, info in listed(emu).items() if restored(info)} == expected
    assert emu.stats.get("RestoreObject") == len(expected)
    rows = {r["key"]: r for r in map(json.loads, report.read_text(encoding="utf-8").splitlines())}
    assert {k for k, r in rows.items() if r["outcome"] == "restored"} == expected
    assert set(rows) == {k for k in UNDER_LOGS if k.startswith("logs/")}


def test_a_pattern_that_can_match_nothing_under_the_prefix_exits_2_with_a_hint(emu, creds_env):
    result = invoke(
        "run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--prefix", "logs/2024-", "--include", "/2023/**"
    )
    assert result.exit_code == 2, result.output + result.stderr
    assert "--include[0]" in result.stderr and "can match no key under the prefix 'logs/2024-'" in result.stderr
    assert "Hint:" in result.stderr and emu.stats.get("ListObjects") == 0


def test_a_pattern_that_repeats_the_prefix_is_warned_about(emu, creds_env):
    emu.put_object(BUCKET, "logs/2023/a", b"x", storage_class="Archive")
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--prefix",
        "logs/",
        "--include",
        "logs/2023/**",
        "--dry-run",
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "warning: --include 'logs/2023/**' starts with the prefix's 'logs/'" in result.stderr


def shipped_prices() -> dict:
    return json.loads(resources.files("ossrestore").joinpath("data/prices.json").read_text(encoding="utf-8"))


def test_dry_run_requests_nothing_and_prices_each_class(emu, clock, creds_env, monkeypatch):
    # GIVEN objects of every class (some of them in a restore already, some readable)
    objects = draw(7, 120)
    seed(emu, clock, objects)
    bucket = oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET)
    cold = [o for o in objects if o.storage_class == "ColdArchive" and o.folder.startswith("logs/")]
    bucket.restore_object(cold[0].key)  # restoring or restored by the time it is listed: no request, no cost
    emu.stats.reset()
    # WHEN a dry run over the logs, one round per execution
    flags = [
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--include",
        "/logs/**",
        "--dry-run",
        "--max-keys",
        "10",
        "--rounds-per-execution",
        "1",
        "--days",
        "3",
        "--tier",
        "Bulk",
    ]
    result = invoke("run", *flags)
    # THEN it exits 0 having sent no RestoreObject at all, and everything stays as it was
    assert result.exit_code == 0, result.output + result.stderr + repr(result.exception)
    assert emu.stats.get("RestoreObject") == 0
    assert emu.stats.get("ListObjects") > 0
    assert {key for key, info in listed(emu).items() if info.restore_info} == {cold[0].key}
    # AND it printed per class the objects and the estimate's columns
    for cls in ARCHIVE:
        n = sum(1 for o in objects if o.storage_class == cls and o.folder.startswith("logs/"))
        if n:
            line = next(x for x in result.output.splitlines() if x.strip().strip("│┃ ").startswith(cls))
            assert f"{n:,}" in line, line
    assert "cost" in result.output and "time" in result.output
    # AND the estimate the summary carries counts exactly the selected objects, bytes and requests
    monkeypatch.setenv("NO_COLOR", "1")
    run = run_local(
        flow_input_from_options(
            **{
                f"flow_{k}": v
                for k, v in {
                    "endpoint": emu.endpoint,
                    "bucketName": BUCKET,
                    "include": ("/logs/**",),
                    "dryRun": True,
                    "maxKeys": 10,
                    "roundsPerExecution": 1,
                    "days": 3,
                    "tier": "Bulk",
                }.items()
            }
        ),
        credentials=Credentials(AK, SK),
        show_progress=False,
        prices=load_prices(),
    )
    last = [r.output for r in run.executions if r.flow_name == MAIN_FLOW][-1]
    assert last is not None and last["status"] == "dryRun"
    est = run.summary.estimate
    assert est is not None
    by_class = {row["storageClass"]: row for row in est["classes"]}
    for cls in ARCHIVE:
        mine = [o for o in objects if o.storage_class == cls and o.folder.startswith("logs/")]
        to_request = [o for o in mine if o.key != cold[0].key]
        assert by_class[cls]["objects"] == len(mine)
        assert by_class[cls]["bytes"] == sum(o.size for o in mine)
        assert by_class[cls]["requests"] == len(to_request)
        assert by_class[cls]["requestBytes"] == sum(o.size for o in to_request)
    cold_row = by_class["ColdArchive"]
    price = shipped_prices()["regions"]["cn-mainland"]["classes"]["ColdArchive"]
    gb = cold_row["requestBytes"] / 1024**3
    assert cold_row["tier"] == "Bulk" and cold_row["days"] == 3
    assert cold_row["cost"] == pytest.approx(
        gb * price["tiers"]["Bulk"]["retrievalPerGB"]["value"]
        + cold_row["requests"] / 10_000 * price["tiers"]["Bulk"]["requestsPer10000"]["value"]
        + gb * price["temporaryStoragePerGBMonth"]["value"] / 30 * 3,
        abs=1e-4,
    )
    assert by_class["DeepColdArchive"]["tier"] == "Standard"  # Deep Cold has no Bulk
    # Deep Cold's prices are unpriced in the shipped table: it says so, and the total is what the others cost
    assert by_class["DeepColdArchive"]["cost"] is None and by_class["DeepColdArchive"]["unpriced"]
    assert est["total"]["unpriced"] == ["DeepColdArchive"]
    assert est["total"]["cost"] == pytest.approx(by_class["Archive"]["cost"] + cold_row["cost"], abs=1e-4)
    assert est["total"]["seconds"] >= 48 * 3600
    assert emu.stats.get("RestoreObject") == 0
    console = Console(record=True, width=160)
    print_summary(run, console, dry_run=True)
    assert "unpriced: DeepColdArchive" in console.export_text()


def test_a_price_table_overrides_the_shipped_one(emu, clock, creds_env, tmp_path):
    objects = [Obj(f"d/{i}", "d/", "", "DeepColdArchive", 1024**3 // 4, False) for i in range(4)]
    seed(emu, clock, objects)
    table = shipped_prices()
    deep = table["regions"]["cn-mainland"]["classes"]["DeepColdArchive"]
    deep["tiers"]["Standard"] = {
        "retrievalPerGB": {"value": 1.5, "source": "a quote"},
        "requestsPer10000": {"value": 10000, "source": "a quote"},
    }
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(table), encoding="utf-8")
    result = invoke(
        "run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--dry-run", "--days", "2", "--price-table", str(path)
    )
    assert result.exit_code == 0, result.output + result.stderr
    # 1 GB x 1.5 + 4 requests x 1 + 1 GB x 0.12 / 30 x 2 = 5.508
    assert "cost in CNY" in result.output and "5.51" in result.output
    assert emu.stats.get("RestoreObject") == 0


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--include", "logs/[2023"], "--include[0]"),
        (["--exclude", "ok", "--exclude", "a{b"], "--exclude[1]"),
        (["--storage-class", "Standard"], "--storage-class[0]"),
        (["--modified-after", "last tuesday"], "--modified-after"),
        (["--modified-after", "2024-02-01", "--modified-before", "2024-01-01"], "--modified-before"),
        (["--min-size", "3Q"], "--min-size"),
        (["--min-size", "2K", "--max-size", "1K"], "--max-size"),
    ],
)
def test_bad_filters_exit_2_naming_the_flag_before_any_request(emu, creds_env, flags, named):
    result = invoke("run", "--endpoint", emu.endpoint, "--bucket", BUCKET, *flags)
    assert result.exit_code == 2, result.output + result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert emu.stats.get("ListObjects") == 0


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (
            lambda t: t["regions"]["cn-mainland"]["classes"]["ColdArchive"]["tiers"]["Bulk"]["retrievalPerGB"].update(
                value="cheap"
            ),
            "regions.cn-mainland.classes.ColdArchive.tiers.Bulk.retrievalPerGB.value",
        ),
        (
            lambda t: t["regions"]["cn-mainland"]["classes"]["Archive"]["temporaryStoragePerGBMonth"].update(value=-1),
            "regions.cn-mainland.classes.Archive.temporaryStoragePerGBMonth.value",
        ),
        # verified only for a figure read on OSS's pricing page: a community answer is a source, not a verification
        (
            lambda t: t["regions"]["cn-mainland"]["classes"]["ColdArchive"]["tiers"]["Bulk"]["requestsPer10000"].update(
                verified=True
            ),
            "regions.cn-mainland.classes.ColdArchive.tiers.Bulk.requestsPer10000.verified",
        ),
        (
            lambda t: t["regions"]["cn-mainland"]["classes"]["Archive"]["tiers"]["none"].update(retrievalPerGB=0.06),
            "regions.cn-mainland.classes.Archive.tiers.none.retrievalPerGB",
        ),
        (
            lambda t: t["regions"].update(intl={**t["regions"]["cn-mainland"], "currency": "USD"}),
            "regions.intl.appliesTo",
        ),
        (
            lambda t: t["regions"]["cn-mainland"]["classes"]["DeepColdArchive"]["tiers"].update(Bulk={}),
            "regions.cn-mainland.classes.DeepColdArchive.tiers.Bulk",
        ),
        (lambda t: t["regions"]["cn-mainland"].update(retrieved="last year"), "regions.cn-mainland.retrieved"),
        (lambda t: t.update(default="mars"), "default"),
        (
            lambda t: t["regions"]["cn-mainland"]["classes"].pop("ColdArchive"),
            "regions.cn-mainland.classes.ColdArchive",
        ),
    ],
)
def test_a_bad_price_table_exits_2_naming_the_field(emu, creds_env, tmp_path, edit, named):
    table = shipped_prices()
    edit(table)
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(table), encoding="utf-8")
    result = invoke("run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--dry-run", "--price-table", str(path))
    assert result.exit_code == 2, result.output + result.stderr
    assert f"--price-table: {named}:" in result.stderr
    assert emu.stats.get("ListObjects") == 0


def test_a_price_table_that_is_not_json_exits_2(emu, creds_env, tmp_path):
    path = tmp_path / "prices.json"
    path.write_bytes(b"{not json")
    result = invoke("run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--price-table", str(path))
    assert result.exit_code == 2 and "--price-table" in result.stderr
    result = invoke("run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--price-table", str(Path(tmp_path, "none")))
    assert result.exit_code == 2 and "--price-table" in result.stderr


def test_the_largest_filters_with_the_longest_keys_stay_inside_every_step_limit(emu, creds_env, tmp_path):
    # GIVEN keys of 1,000 bytes, and include and exclude patterns near their 4 KiB each
    keys = [f"{i:03d}" + "é" * 498 for i in range(45)]
    for i, key in enumerate(keys):
        emu.put_object(BUCKET, key, b"", storage_class=ARCHIVE[i % 3])
    fillers = [f"no-match-{i:02d}-" + "z" * 24 for i in range(100)]
    include = ["**", *fillers[:98]]
    while len(json.dumps(include, ensure_ascii=False)) > 4096:
        include.pop()
    exclude = [f"{i:03d}é*" for i in range(0, 45, 9)] + fillers[:90]
    while len(json.dumps(exclude, ensure_ascii=False)) > 4096:
        exclude.pop()
    flags = [x for p in include for x in ("--include", p)] + [x for p in exclude for x in ("--exclude", p)]
    report = tmp_path / "report.jsonl"
    # WHEN the whole run goes through the flows, on an engine that enforces CloudFlow's 32 KiB per step
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--poll-interval",
        "1",
        "--tier",
        "Expedited",
        "--report",
        str(report),
        "--quiet",
        *flags,
    )
    # THEN no step outgrows its limit, and exactly the selected objects are restored
    assert result.exit_code == 0, result.output + result.stderr
    excluded = {keys[i] for i in range(0, 45, 9)}
    assert emu.stats.get("RestoreObject") == len(keys) - len(excluded)
    rows = {r["key"]: r for r in map(json.loads, report.read_text(encoding="utf-8").splitlines())}
    assert {k for k, r in rows.items() if r["outcome"] == "restored"} == set(keys) - excluded
    assert all(rows[k]["reason"].startswith("filtered: exclude ") for k in excluded)


def test_a_real_run_prices_what_it_actually_asked_for(emu, clock, creds_env, monkeypatch):
    # GIVEN Archive and Cold Archive objects (the classes the shipped table prices), one Cold Archive
    # object already restoring before the run
    objects = [o for o in draw(11, 60) if o.storage_class in ("Archive", "ColdArchive")]
    seed(emu, clock, objects)
    bucket = oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET)
    cold = next(o for o in objects if o.storage_class == "ColdArchive")
    bucket.restore_object(cold.key)
    # WHEN a real run restores them with the shipped prices
    flow_input = flow_input_from_options(
        flow_endpoint=emu.endpoint, flow_bucketName=BUCKET, flow_pollInterval=1, flow_tier="Standard", flow_days=2
    )
    run = run_local(flow_input, credentials=Credentials(AK, SK), show_progress=False, prices=load_prices())
    assert run.summary.exit_code == 0
    # THEN the actual side counts exactly the restores OSS accepted from this run, with their listed bytes
    est = run.summary.estimate
    assert est is not None
    asked = [o for o in objects if o.key != cold.key]
    actual = est["actual"]
    assert (actual["objects"], actual["requests"], actual["bytes"]) == (
        len(asked),
        len(asked),
        sum(o.size for o in asked),
    )
    # AND it is priced by the same formulas as the estimate: here, the estimate asked for the same objects
    assert actual["cost"] is not None and actual["cost"] == est["total"]["cost"] > 0
    # AND the printed summary shows both costs
    console = Console(record=True, width=160)
    print_summary(run, console)
    assert "cost est./actual" in console.export_text()


def test_a_dry_run_that_finds_restores_running_still_exits_0_and_one_that_failed_does_not():
    # GIVEN the summaries of two dry runs that found a restore in progress, one of which ended on an error
    found = {"dryRun": True, "byClass": {"ColdArchive": {"in_progress": 1, "would_restore": 2}}}
    # THEN the dry run asked for nothing and exits 0; the failed one exits 1; a real run with it running exits 1
    assert RunSummary.from_document(found).exit_code == 0
    assert RunSummary.from_document({**found, "error": "OSSAccessDenied"}).exit_code == 1
    assert RunSummary.from_document({**found, "dryRun": False}).exit_code == 1
