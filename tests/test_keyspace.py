"""Cursors between keys and points in the middle of a range: the strings the flows carry instead of keys."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from restore_core.keyspace import midpoint, position, separator

# Any valid key text (no surrogates), and a small alphabet that makes neighbours and edge characters likely.
ANY = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8)
EDGY = st.text(alphabet="ab/0\x00\x7f\x80\U0010ffff", max_size=6)
TEXT = st.one_of(ANY, EDGY)


@given(TEXT, TEXT)
def test_a_separator_lies_between_the_last_key_done_and_the_next(a, b):
    # GIVEN two different keys in listing order
    if a == b:
        return
    a, b = min(a, b), max(a, b)
    # WHEN the cursor between them is made
    c = separator(a, b)
    # THEN listing after it skips a and reads b, and it is valid UTF-8 no longer than a
    assert a <= c < b
    c.encode("utf-8")
    assert len(c) <= len(a)


def test_a_separator_is_as_short_as_the_keys_allow():
    # GIVEN keys that differ early, and keys that differ only in their last character
    assert separator("x/aaaa" + "z" * 900, "x/b" + "y" * 900) == "x/b"
    assert separator("data/000123", "data/000124") == "data/000123"
    assert separator("a", "ab") == "a"


@given(TEXT, TEXT)
def test_a_midpoint_lies_strictly_inside_the_range(a, b):
    if a == b:
        return
    lo, hi = min(a, b), max(a, b)
    p = midpoint(lo, hi)
    # THEN it is between them, or None only where no string is (hi is lo and one NUL)
    if p is None:
        assert hi == lo + "\x00"
    else:
        assert lo < p < hi
        p.encode("utf-8")


@given(EDGY, TEXT)
def test_an_open_range_has_a_midpoint_within_its_floor(floor, rest):
    p = midpoint(floor + rest, None, floor=floor)
    assert p is not None and floor + rest < p and p.startswith(floor)


def test_midpoints_of_names_land_in_the_middle_of_their_alphabet():
    # GIVEN counting names and an open end
    assert midpoint("data/000000", "data/999999") == "data/4"
    assert midpoint("data/000000", None, floor="data/") == "data/X"


def test_position_grows_with_the_cursor():
    lo, hi = "data/000000", "data/999999"
    steps = [position(f"data/{i:06d}", lo, hi) for i in range(0, 1_000_000, 100_000)]
    assert steps == sorted(steps) and steps[0] == 0.0 and 0.5 < position("data/500000", lo, hi) < 0.6
