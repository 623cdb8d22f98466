"""Splitting the listing into shards by probing it: balanced pieces for any shape of key, each worth a shard."""

from __future__ import annotations

import random
import string

import pytest

from restore_core.scope import KEYS, Scope
from restore_core.shards import START
from restore_core.splitting import KeyProbe, bisect, common_base, split_points

BUCKET = "test-bucket"


def shaped_keys(shape: str, n: int) -> list[str]:
    rng = random.Random(n)
    if shape == "random":
        return [
            "data/" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(40)) for _ in range(n)
        ]
    if shape == "hex":
        return [f"data/{rng.getrandbits(128):032x}" for _ in range(n)]
    if shape == "counting":
        return [f"data/obj-{i:09d}.bin" for i in range(n)]
    if shape == "dated":
        return [f"data/logs/{2020 + i % 5}/{1 + i % 12:02d}/{1 + i % 28:02d}/part-{i:06d}.gz" for i in range(n)]
    raise ValueError(shape)


def pieces(keys: list[str], points: list[str]) -> list[int]:
    bounds = [*points, None]
    sizes, lo = [], ""
    for hi in bounds:
        sizes.append(sum(1 for k in keys if k > lo and (hi is None or k <= hi)))
        lo = hi or lo
    return sizes


@pytest.mark.parametrize("shape", ["random", "hex", "counting", "dated"])
def test_the_scope_splits_into_balanced_pieces_whatever_the_names(emulator, bucket, shape):
    # GIVEN 4,000 keys of one shape under a prefix
    keys = shaped_keys(shape, 4000)
    for key in keys:
        emulator.put_object(BUCKET, key, b"", storage_class="Archive")
    scope = Scope(kind=KEYS, prefix="data/", base="data/")
    probe = KeyProbe(bucket, scope, limiter=None)
    # WHEN split into 8 pieces of at least 100 keys
    points = split_points(probe, scope, START, None, 8, min_keys=100)
    # THEN the pieces cover every key once, each holds its minimum, and none holds more than a third
    sizes = pieces(sorted(keys), points)
    assert points == sorted(points) and sum(sizes) == len(keys)
    assert len(sizes) >= 4 and min(sizes) >= 100 and max(sizes) <= len(keys) // 3, sizes
    # AND probing cost a few listings per piece, not a listing of everything
    assert probe.requests <= 12 * len(sizes)


@pytest.mark.parametrize("shape", ["random", "hex"])
def test_hashed_names_split_in_halves_of_their_alphabet_not_of_the_code_points(emulator, bucket, shape):
    # GIVEN 4,000 hashed names (hex digits, whose code points cluster in 0-9 and a-f, or letters and digits)
    keys = shaped_keys(shape, 4000)
    for key in keys:
        emulator.put_object(BUCKET, key, b"", storage_class="Archive")
    scope = Scope(kind=KEYS, prefix="data/", base="data/")
    probe = KeyProbe(bucket, scope, limiter=None)
    # WHEN split in two
    points = split_points(probe, scope, START, None, 2, min_keys=100)
    # THEN each half holds 40-60% of the keys (the middle of 0-f's code points would give 62/38)
    sizes = pieces(sorted(keys), points)
    assert len(sizes) == 2 and all(0.4 <= n / len(keys) <= 0.6 for n in sizes), sizes


def test_a_range_too_small_for_two_shards_is_not_split(emulator, bucket):
    for i in range(150):
        emulator.put_object(BUCKET, f"data/{i:04d}", b"", storage_class="Archive")
    scope = Scope(kind=KEYS, prefix="data/", base="data/")
    assert bisect(KeyProbe(bucket, scope, limiter=None), scope, START, None, min_keys=100) is None


def test_a_split_point_leaves_the_minimum_on_each_side_of_a_cluster(emulator, bucket):
    # GIVEN 3,000 keys under one name and one far away
    for i in range(3000):
        emulator.put_object(BUCKET, f"data/a/{i:05d}", b"", storage_class="Archive")
    emulator.put_object(BUCKET, "data/zzz", b"", storage_class="Archive")
    scope = Scope(kind=KEYS, prefix="data/", base="data/")
    point = bisect(KeyProbe(bucket, scope, limiter=None), scope, START, None, min_keys=100)
    # THEN the point splits the cluster, not the empty space after it
    assert point is not None and "data/a/00100" <= point < "data/a/02900"


def test_the_common_base_is_what_every_key_shares(emulator, bucket):
    for i in range(50):
        emulator.put_object(BUCKET, f"data/2024/01/{i:03d}.log", b"", storage_class="Archive")
    scope = Scope(kind=KEYS, prefix="data/")
    assert common_base(KeyProbe(bucket, scope, limiter=None), scope) == "data/2024/01/0"
    emulator.put_object(BUCKET, "data/2025/x", b"", storage_class="Archive")
    assert common_base(KeyProbe(bucket, scope, limiter=None), scope) == "data/202"
