"""The selection (restore_core/selection.py): rclone globs on the whole key, classes, dates and sizes.

The glob matcher is checked against an independent backtracking matcher over generated patterns and
keys, and by hand on the cases rclone's documentation spells out."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restore_core.errors import InvalidParameter
from restore_core.selection import EVERYTHING, compile_glob, encoded_size, parse_selection

# --- an independent matcher for *, ** and ? (no classes), by backtracking over tokens ----------------


def _tokens(pattern: str) -> list[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append("**")
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return out


def reference_match(pattern: str, key: str) -> bool:
    tokens = _tokens(pattern)

    @cache
    def match(t: int, k: int) -> bool:
        if t == len(tokens):
            return k == len(key)
        token = tokens[t]
        if token == "**":
            return any(match(t + 1, j) for j in range(k, len(key) + 1))
        if token == "*":
            j = k
            while True:
                if match(t + 1, j):
                    return True
                if j == len(key) or key[j] == "/":
                    return False
                j += 1
        if k == len(key):
            return False
        if token == "?":
            return key[k] != "/" and match(t + 1, k + 1)
        return key[k] == token and match(t + 1, k + 1)

    return match(0, 0)


keys = st.text(alphabet="ab/.\n", max_size=10)
patterns = st.lists(st.sampled_from(["a", "b", "/", ".", "*", "**", "?"]), max_size=8).map("".join)


@given(pattern=patterns, key=keys)
def test_globs_match_exactly_as_an_independent_matcher_does(pattern, key):
    # GIVEN a generated pattern of literals, *, ** and ? WHEN both matchers judge a generated key THEN they agree
    # (a leading / is dropped: keys never start with one)
    expected = reference_match(pattern[1:] if pattern.startswith("/") else pattern, key)
    assert compile_glob(pattern, "include").matches(key) == expected


@given(key=st.text(min_size=1, max_size=30))
def test_an_escaped_key_matches_itself_and_nothing_longer(key):
    # GIVEN any key, every character escaped WHEN matched THEN it matches itself only
    glob = compile_glob("".join("\\" + c for c in key), "include")
    assert glob.matches(key)
    assert not glob.matches(key + "x")


@given(head=st.text(alphabet="ab", min_size=1, max_size=5), tail=st.text(alphabet="ab", min_size=1, max_size=5))
def test_a_single_star_or_a_class_never_crosses_a_slash(head, tail):
    key = f"{head}/{tail}"
    assert not compile_glob("*", "include").matches(key)
    assert not compile_glob(f"{head}[!a]{tail}", "include").matches(key)
    assert not compile_glob(f"{head}[/]{tail}", "include").matches(key)
    assert compile_glob("**", "include").matches(key)
    assert compile_glob(f"{head}/*", "include").matches(key)


@pytest.mark.parametrize(("pattern", "key", "matches"), [
    ("logs/2023/*", "logs/2023/a.gz", True),
    ("logs/2023/*", "logs/2023/x/a.gz", False),
    ("logs/**", "logs/2023/x/a.gz", True),
    ("**.tmp", "a/b/c.tmp", True),
    ("*.tmp", "a/b/c.tmp", False),
    ("/top/*", "top/file", True),
    ("file?.txt", "file1.txt", True),
    ("file?.txt", "file10.txt", False),
    ("[a-c]*", "beta", True),
    ("[!a-c]*", "beta", False),
    ("[^a-c]*", "delta", True),
    ("*.{jpg,png}", "x.png", True),
    ("*.{jpg,png}", "x.gif", False),
    ("a\\*b", "a*b", True),
    ("a\\*b", "axb", False),
    ("日本/**", "日本/語 +,x", True),
    ("**", "line\nbreak", True),
])
def test_rclone_cases(pattern, key, matches):
    assert compile_glob(pattern, "include").matches(key) is matches


@pytest.mark.parametrize("pattern", ["[abc", "a{b,c", "a}b", "{a,{b}}", "x\\", "[]", "[z-a]"])
def test_a_malformed_glob_is_refused_naming_the_field(pattern):
    with pytest.raises(InvalidParameter) as e:
        parse_selection({"exclude": ["ok/*", pattern]})
    assert e.value.field == "exclude[1]"
    assert "rclone globs" in str(e.value)


def test_exclude_wins_and_each_reason_names_its_filter():
    now = datetime(2024, 6, 1, tzinfo=UTC)
    chosen = parse_selection({
        "include": ["logs/**"], "exclude": ["**.tmp"], "storageClass": ["ColdArchive"],
        "modifiedAfter": "2024-01-01", "modifiedBefore": "2024-07-01T00:00:00+08:00", "minSize": "1K", "maxSize": "2M",
    })
    assert chosen.selects("logs/a.gz", "ColdArchive", 2048, now) is None
    assert chosen.selects("logs/a.tmp", "ColdArchive", 2048, now) == "filtered: exclude **.tmp"
    assert (chosen.selects("media/a.gz", "ColdArchive", 2048, now) or "").startswith("filtered: include")
    assert chosen.selects("logs/a.gz", "Archive", 2048, now) == "filtered: storage-class ColdArchive"
    assert chosen.selects("logs/a.gz", "ColdArchive", 2048, now - timedelta(days=365)) == \
        "filtered: modified-after 2024-01-01T00:00:00Z"
    # the upper bound is exclusive and read in its own offset: 2024-06-30T16:00:00Z
    assert chosen.selects("logs/a.gz", "ColdArchive", 2048, datetime(2024, 6, 30, 16, tzinfo=UTC)) == \
        "filtered: modified-before 2024-06-30T16:00:00Z"
    assert chosen.selects("logs/a.gz", "ColdArchive", 1023, now) == "filtered: min-size 1024"
    assert chosen.selects("logs/a.gz", "ColdArchive", 2 * 1024**2 + 1, now) == "filtered: max-size 2097152"
    assert chosen.selects("logs/a.gz", "ColdArchive", 2 * 1024**2, now) is None


def test_no_filter_selects_everything():
    assert parse_selection({}) == EVERYTHING and EVERYTHING.everything
    assert EVERYTHING.selects("any/key", "Standard", 0, None) is None


@pytest.mark.parametrize(("raw", "field"), [
    ({"storageClass": ["Standard"]}, "storageClass[0]"),
    ({"storageClass": "archive"}, "storageClass[0]"),
    ({"modifiedAfter": "yesterday"}, "modifiedAfter"),
    ({"modifiedAfter": "2024-13-01"}, "modifiedAfter"),
    ({"modifiedAfter": "2024-02-01", "modifiedBefore": "2024-01-01"}, "modifiedBefore"),
    ({"minSize": "10X"}, "minSize"),
    ({"minSize": "1.5K"}, "minSize"),
    ({"maxSize": -1}, "maxSize"),
    ({"minSize": "2K", "maxSize": "1K"}, "maxSize"),
    ({"include": ["a"] * 101}, "include"),
    ({"include": [""]}, "include[0]"),
    ({"exclude": ["k" * 1024]}, "exclude[0]"),
    ({"include": ["x" * 1000] * 5}, "include"),
])
def test_bad_filters_are_refused_naming_the_field(raw, field):
    with pytest.raises(InvalidParameter) as e:
        parse_selection(raw)
    assert e.value.field == field


@given(n=st.integers(0, 10**6), unit=st.sampled_from(["", "K", "M", "G", "k", "m", "g"]))
def test_size_units_are_powers_of_1024(n, unit):
    expected = n * {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[unit.upper()]
    assert parse_selection({"minSize": f"{n}{unit}"}).min_size == expected


def test_the_filters_size_in_the_flow_state_is_bounded():
    # GIVEN the largest filters the checks let through WHEN their flow-state size is measured THEN it stays
    # within what the listing gives up of its output budget (a third each of three batch copies)
    raw = {"include": ["i" * 40] * 90, "exclude": ["e" * 40] * 90}
    parse_selection(raw)
    assert encoded_size(raw) <= 2 * 4096 + 100
