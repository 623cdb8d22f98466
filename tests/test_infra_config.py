"""The deployment matrix: the shipped file and the errors a bad entry gets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from infra.config import CopyTarget, LocalStateBackend, OssStateBackend, load_matrix, select
from infra.errors import DeploymentConfigError, UnknownStackError
from restore_core import params
from restore_core.errors import InvalidParameter

GOOD = {
    "name_prefix": "ossr-test",
    "regions": ["cn-hangzhou"],
    "runtime": "python3.10",
    "memory_mb": 256,
    "timeout_s": 600,
    "log_retention_days": 7,
    "buckets": ["some-bucket"],
    "backend": {"type": "local"},
    "log_project_suffix": "t1",
    "report": {"bucket": "some-bucket"},
}


def _write(tmp_path: Path, **overrides: object) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(yaml.safe_dump({"environments": {"test": {**GOOD, **overrides}}}))
    return path


def test_shipped_matrix_has_two_environments_and_one_in_two_regions() -> None:
    # GIVEN the shipped configuration WHEN it is loaded
    matrix = load_matrix()
    # THEN it declares at least two environments, one of them in at least two regions, with unique stack ids
    by_env: dict[str, set[str]] = {}
    for cfg in matrix:
        by_env.setdefault(cfg.env, set()).add(cfg.region)
    assert len(by_env) >= 2
    assert max(len(regions) for regions in by_env.values()) >= 2
    assert len({c.stack_id for c in matrix}) == len(matrix)
    assert any(isinstance(c.backend, OssStateBackend) for c in matrix)
    assert any(isinstance(c.backend, LocalStateBackend) for c in matrix)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "runtime",
            "python3.9",
            "environments.test.runtime: got 'python3.9'; allowed: python3.10 (of the runtimes "
            "FC 2.0 offers, python3.10, python3.9, python3, those the handlers support",
        ),
        # FC 2.0 (alicloud_fc_function) does not offer python3.12, although FC 3.0 does
        ("runtime", "python3.12", "environments.test.runtime: got 'python3.12'; allowed: python3.10 "),
        ("log_project_suffix", "Bad_Suffix", "environments.test.log_project_suffix: got 'Bad_Suffix'; allowed: 1-16"),
        ("log_project_suffix", "x" * 17, "environments.test.log_project_suffix: got 'xxxxxxxxxxxxxxxxx'"),
        ("log_project_suffix", None, "environments.test.log_project_suffix: required when account_id is not set"),
        (
            "backend",
            {"type": "oss", "bucket": "state-bucket", "region": "cn-hangzhou", "prefix": "/states/"},
            "environments.test.backend.prefix: got '/states/'; allowed: '/'-separated segments",
        ),
        ("memory_mb", 100, "environments.test.memory_mb: got 100; allowed: an integer from 128 to 3072"),
        ("memory_mb", 200, "allowed: a multiple of 64 from 128 to 3072"),
        ("timeout_s", 0, "environments.test.timeout_s: got 0; allowed: an integer from 1 to 86400"),
        ("log_retention_days", 4000, "log_retention_days: got 4000; allowed: an integer from 1 to 3650"),
        ("buckets", ["*"], "environments.test.buckets[0]: got '*'"),
        ("buckets", [], "environments.test.buckets: must be a non-empty list"),
        ("name_prefix", "Bad_Prefix", "environments.test.name_prefix: got 'Bad_Prefix'"),
        ("regions", ["cn hangzhou"], "environments.test.regions[0]"),
        ("backend", {"type": "s3"}, "environments.test.backend.type: got 's3'; allowed: local, oss"),
        ("backend", {"type": "oss", "region": "cn-hangzhou"}, "environments.test.backend.bucket: got None"),
        ("report", None, "environments.test.report: must be a mapping"),
        ("report", {"bucket": "Bad_Bucket"}, "environments.test.report.bucket: got 'Bad_Bucket'"),
        (
            "report",
            {"bucket": "b-1", "prefix": "no-slash"},
            "environments.test.report.prefix: got 'no-slash'; allowed: '/'-separated segments",
        ),
        (
            "convert",
            "yes please",
            "environments.test.convert: got 'yes please'; allowed: true or false (default false)",
        ),
        ("convert", 1, "environments.test.convert: got 1; allowed: true or false"),
        ("copy_targets", "oss://copies/", "environments.test.copy_targets: must be a list of oss://BUCKET/ or "),
        (
            "copy_targets",
            ["oss://copies/restored"],
            "environments.test.copy_targets[0]: got 'oss://copies/restored'; allowed: oss://BUCKET/ or "
            "oss://BUCKET/PREFIX/: an OSS bucket name (3-63 lowercase letters, digits and '-'), then no prefix or "
            "'/'-separated segments of letters, digits, '.', '_' and '-' ending with '/' (at most 700 bytes; "
            "no '*' or '?', which RAM reads as wildcards)",
        ),
        ("copy_targets", ["oss://copies/a/", "copies/b/"], "environments.test.copy_targets[1]: got 'copies/b/'"),
        ("copy_targets", ["oss://Copies/"], "environments.test.copy_targets[0]: got 'oss://Copies/'"),
        ("copy_targets", ["oss://copies/*/"], "environments.test.copy_targets[0]: got 'oss://copies/*/'"),
        ("copy_targets", ["oss://copies/a?/"], "environments.test.copy_targets[0]: got 'oss://copies/a?/'"),
        ("copy_targets", ["oss://copies//"], "environments.test.copy_targets[0]: got 'oss://copies//'"),
        ("copy_targets", ["oss://copies/" + "a/" * 351], "environments.test.copy_targets[0]: got 'oss://copies/a/a/"),
        ("copy_targets", [None], "environments.test.copy_targets[0]: got None"),
        ("copy_targets", ["oss://copies/a/", "oss://copies/a/"], "environments.test.copy_targets: lists a value twice"),
    ],
)
def test_bad_values_name_the_field_and_the_allowed_range(
    tmp_path: Path, field: str, value: object, expected: str
) -> None:
    # GIVEN a configuration with one bad value
    path = _write(tmp_path, **{field: value})
    # WHEN it is loaded THEN the error names the field and what is allowed
    with pytest.raises(DeploymentConfigError) as info:
        load_matrix(path)
    assert expected in str(info.value)


def test_memory_past_what_fc_elastic_instances_take_stops_synth_naming_field_and_range(tmp_path: Path) -> None:
    # GIVEN an environment asking for 4,096 MB, which the provider's schema allows but FC 2.0 elastic instances
    # (the only kind the stacks declare) do not
    path = _write(tmp_path, memory_mb=4096)
    # WHEN the stacks are synthesized from it
    from infra.app import synthesize

    with pytest.raises(DeploymentConfigError) as info:
        synthesize(outdir=tmp_path / "cdktf.out", config_path=path)
    # THEN synthesis stops before any stack is written, naming the field and the range
    assert (
        str(info.value)
        == "environments.yaml: environments.test.memory_mb: got 4096; allowed: an integer from 128 to 3072"
    )
    assert not (tmp_path / "cdktf.out").exists()
    # AND the largest size elastic instances take is accepted
    assert load_matrix(_write(tmp_path, memory_mb=3072))[0].memory_mb == 3072


def test_select_rejects_unknown_environment_and_region() -> None:
    matrix = load_matrix()
    with pytest.raises(UnknownStackError, match=r"unknown environment 'qa'.*dev, prod"):
        select(matrix, env="qa")
    with pytest.raises(UnknownStackError, match=r"unknown region 'us-east-1' for environment 'prod'.*cn-hangzhou"):
        select(matrix, env="prod", region="us-east-1")
    assert [c.region for c in select(matrix, env="prod")] == ["cn-hangzhou", "cn-shanghai"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"log_project_suffix": "q7d2x9"}, "ossr-test-cn-hangzhou-logs-q7d2x9"),
        ({"log_project_suffix": None, "account_id": "1234567890123456"}, "ossr-test-cn-hangzhou-logs-1234567890123456"),
        ({"log_project_suffix": "team-a", "account_id": "1234567890123456"}, "ossr-test-cn-hangzhou-logs-team-a"),
    ],
)
def test_log_project_name_is_made_unique_by_the_suffix_or_else_the_account(
    tmp_path: Path, overrides: dict[str, object], expected: str
) -> None:
    # GIVEN a suffix, an account id, or both WHEN the configuration is loaded
    (cfg,) = load_matrix(_write(tmp_path, **overrides))
    # THEN the log project name ends with the suffix when there is one, else with the account id
    assert cfg.log_project == expected


def test_a_log_project_name_longer_than_log_service_allows_is_refused(tmp_path: Path) -> None:
    # GIVEN a long prefix, a long region id and a 20-digit account id: 24 + 1 + 21 + 5 + 1 + 20 = 72 characters
    path = _write(
        tmp_path,
        name_prefix="ossr-a-very-long-prefix1",
        regions=["cn-shanghai-finance-1"],
        log_project_suffix=None,
        account_id="12345678901234567890",
    )
    # WHEN it is loaded THEN the error names the field, the name, its length and the allowed form
    with pytest.raises(DeploymentConfigError) as info:
        load_matrix(path)
    assert (
        "environments.test.account_id: gives the log project name "
        "'ossr-a-very-long-prefix1-cn-shanghai-finance-1-logs-12345678901234567890' (72 characters) "
        "in cn-shanghai-finance-1; allowed: 3-63 lowercase letters"
    ) in str(info.value)


def test_shipped_matrix_log_projects_follow_log_service_name_rules() -> None:
    # GIVEN the shipped configuration WHEN its log project names are derived
    names = [cfg.log_project for cfg in load_matrix()]
    # THEN each is 3-63 of [a-z0-9-], starts and ends with a letter or digit, and is not the bare regional name
    for name, cfg in zip(names, load_matrix()):
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", name), name
        assert name != f"{cfg.name_prefix}-{cfg.region}-logs"
    assert len(set(names)) == len(names)


def test_the_report_location_defaults_to_a_prefix_of_the_named_bucket(tmp_path: Path) -> None:
    (cfg,) = load_matrix(_write(tmp_path))
    assert cfg.report_url == "oss://some-bucket/oss-restore/reports/"
    (cfg,) = load_matrix(_write(tmp_path, report={"bucket": "reports-1", "prefix": "team/runs/"}))
    assert cfg.report_url == "oss://reports-1/team/runs/"


@pytest.mark.parametrize("region", ["cn-hangzhou\n", "hangzhou", "1n-hangzhou", "cn-", "cn-" + "x" * 62])
def test_the_stacks_and_the_handlers_refuse_the_same_region_ids(tmp_path: Path, region: str) -> None:
    # GIVEN a region id the naming rule refuses (a trailing newline included)
    # WHEN the deployment matrix names it, and WHEN a run's input does
    with pytest.raises(DeploymentConfigError, match="regions"):
        load_matrix(_write(tmp_path, regions=[region]))
    # THEN both refuse it: one rule, in restore_core.params
    with pytest.raises(InvalidParameter, match="region"):
        params.region({"region": region})
    assert params.REGION_ID.fullmatch("cn-north-2-gov-1") and params.REGION_ID.fullmatch("ap-southeast-1")


def test_converting_and_copying_are_off_unless_configured(tmp_path: Path) -> None:
    # GIVEN an environment naming neither key WHEN it is loaded THEN it converts nothing and copies nowhere
    (cfg,) = load_matrix(_write(tmp_path))
    assert (cfg.convert, cfg.copy_targets) == (False, ())
    assert not cfg.may_copy_to("oss://some-bucket/")
    # GIVEN both keys WHEN loaded THEN each target is a bucket and a prefix, in the order given
    (cfg,) = load_matrix(
        _write(
            tmp_path, convert=True, copy_targets=["oss://copies-1/restored/2024/", "oss://copies-2/", "oss://copies-3"]
        )
    )
    assert cfg.convert is True
    assert cfg.copy_targets == (
        CopyTarget("copies-1", "restored/2024/"),
        CopyTarget("copies-2", ""),
        CopyTarget("copies-3", ""),
    )
    assert [t.url for t in cfg.copy_targets] == ["oss://copies-1/restored/2024/", "oss://copies-2/", "oss://copies-3/"]
    # AND a run's copyTo is one the stack may make at or below a target only
    assert cfg.may_copy_to("oss://copies-1/restored/2024/") and cfg.may_copy_to("oss://copies-1/restored/2024/x/")
    assert cfg.may_copy_to("oss://copies-2/any/where/")
    assert not cfg.may_copy_to("oss://copies-1/restored/") and not cfg.may_copy_to("oss://copies-1/other/")
    assert not cfg.may_copy_to("oss://copies-4/") and not cfg.may_copy_to("")
    (cfg,) = load_matrix(_write(tmp_path, convert=False, copy_targets=[]))
    assert (cfg.convert, cfg.copy_targets) == (False, ())


def test_the_shipped_matrix_converts_in_dev_and_copies_in_prod() -> None:
    by_env = {cfg.env: cfg for cfg in load_matrix()}
    assert by_env["dev"].convert and not by_env["dev"].copy_targets
    assert not by_env["prod"].convert and by_env["prod"].copy_targets
