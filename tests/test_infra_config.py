"""The deployment matrix: the shipped file and the errors a bad entry gets."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.config import LocalStateBackend, OssStateBackend, load_matrix, select
from infra.errors import ConfigError, UnknownStackError

GOOD = {
    "name_prefix": "ossr-test", "regions": ["cn-hangzhou"], "runtime": "python3.12", "memory_mb": 256,
    "timeout_s": 600, "log_retention_days": 7, "buckets": ["some-bucket"], "backend": {"type": "local"},
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


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("runtime", "python3.9", "environments.test.runtime: got 'python3.9'; allowed: python3.10, python3.12"),
    ("memory_mb", 100, "environments.test.memory_mb: got 100; allowed: an integer from 128 to 32768"),
    ("memory_mb", 200, "allowed: a multiple of 64 from 128 to 32768"),
    ("timeout_s", 0, "environments.test.timeout_s: got 0; allowed: an integer from 1 to 86400"),
    ("log_retention_days", 4000, "log_retention_days: got 4000; allowed: an integer from 1 to 3650"),
    ("buckets", ["*"], "environments.test.buckets[0]: got '*'"),
    ("buckets", [], "environments.test.buckets: must be a non-empty list"),
    ("name_prefix", "Bad_Prefix", "environments.test.name_prefix: got 'Bad_Prefix'"),
    ("regions", ["cn hangzhou"], "environments.test.regions[0]"),
    ("backend", {"type": "s3"}, "environments.test.backend.type: got 's3'; allowed: local, oss"),
    ("backend", {"type": "oss", "region": "cn-hangzhou"}, "environments.test.backend.bucket: got None"),
])
def test_bad_values_name_the_field_and_the_allowed_range(tmp_path: Path, field: str, value: object, expected: str) -> None:
    # GIVEN a configuration with one bad value
    path = _write(tmp_path, **{field: value})
    # WHEN it is loaded THEN the error names the field and what is allowed
    with pytest.raises(ConfigError) as info:
        load_matrix(path)
    assert expected in str(info.value)


def test_select_rejects_unknown_environment_and_region() -> None:
    matrix = load_matrix()
    with pytest.raises(UnknownStackError, match="unknown environment 'qa'.*dev, prod"):
        select(matrix, env="qa")
    with pytest.raises(UnknownStackError, match="unknown region 'us-east-1' for environment 'prod'.*cn-hangzhou"):
        select(matrix, env="prod", region="us-east-1")
    assert [c.region for c in select(matrix, env="prod")] == ["cn-hangzhou", "cn-shanghai"]
