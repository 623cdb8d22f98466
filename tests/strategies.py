"""Generated input for the property tests: each field valid, or broken in the ways bad input has broken it.

Endpoints are either the loopback emulator's (valid) or invalid by construction, so a generated input that
passes validation never waits on a host that does not answer. Strings reach the edges that matter: lone
surrogates, control characters, 1,023 and 1,024 UTF-8 bytes, digit strings past Python's conversion limit.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

HUGE_DIGITS = "9" * 5000  # past Python's 4,300-digit integer conversion limit
SURROGATES = ["\ud800", "a\udcff", "\udfff/x"]

# Every character, lone surrogates included (hypothesis leaves them out unless asked).
any_char = st.characters(exclude_categories=())
awkward_text = st.one_of(
    st.text(any_char, max_size=20),
    st.sampled_from([*SURROGATES, "", " ", "%", "+", "a b", "\x00", "\n", "日本語/", "😀", "/lead", "\\lead"]),
    st.integers(1015, 1030).map(lambda n: "k" * n),
    st.integers(338, 345).map(lambda n: "語" * n),  # 3 bytes each: both sides of 1,023 bytes
)
not_a_string = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.just([]), st.just({}), st.just(1.5))
string_field = st.one_of(awkward_text, not_a_string)


def endpoints(valid: str, *, typed: bool = True) -> st.SearchStrategy[Any]:
    """The emulator's endpoint, or one that validation must refuse (never another host to look up).

    `typed=False` leaves out JSON's other types, which on a command line would read as host names
    (`null`, `true`)."""
    host_port = valid.split("://", 1)[1]
    host = host_port.rsplit(":", 1)[0]
    bad_ports = st.one_of(st.integers(65536, 10**6), st.sampled_from([0, 99999]), st.just(HUGE_DIGITS))
    return st.one_of(
        st.just(valid),
        st.just(valid + "/"),
        bad_ports.map(lambda port: f"http://{host}:{port}"),
        st.sampled_from(
            [
                "ftp://" + host_port,
                "http://",
                "http://a..b",
                "http://-a",
                "http://a_b",
                "",
                valid + "\n",
                "http://" + host + ":",
                "http://" + "a" * 64 + ".com",
                "HTTP://" + host_port,
            ]
        ),
        st.text(any_char, max_size=10).map(lambda t: f"http://{t}_{host_port}"),  # '_' is never in a host
        *([not_a_string] if typed else []),
    )


def buckets(existing: str) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.just(existing),
        st.just("no-such-bucket"),
        st.sampled_from(["", "ab", "A-b", "a" * 64, "b\n"]),
        st.text(any_char, max_size=8),
        not_a_string,
    )


def integer_field(lo: int, hi: int) -> st.SearchStrategy[Any]:
    """In range, out of range, as digit strings (including 5,000 digits), floats, booleans, junk."""
    return st.one_of(
        st.integers(lo, hi),
        st.integers(lo - 3, hi + 3),
        st.integers(lo, hi).map(str),
        st.sampled_from([HUGE_DIGITS, "-1", " 7 ", "1e3", "0x10", "", "١٢"]),
        st.integers(min_value=10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.none(),
        awkward_text,
    )


tiers = st.one_of(st.sampled_from(["Expedited", "Standard", "Bulk", "standard", "Fast"]), string_field)
flags = st.one_of(st.sampled_from([True, False, "true", "false", "TRUE", "yes", 0, 1]), st.none())
regions = st.one_of(st.none(), st.just(""), st.just("cn-hangzhou"), st.just("CN HZ"), awkward_text)
classes = st.sampled_from(["Archive", "ColdArchive", "DeepColdArchive"])
keys = st.one_of(st.sampled_from(["a/1", "a/2", "b/1", "missing"]), awkward_text)
key_lists = st.one_of(st.lists(keys, max_size=6), st.just(["k"] * 1001), not_a_string)
groups = st.one_of(
    st.dictionaries(st.one_of(classes, st.sampled_from(["Standard", "\ud800"])), key_lists, max_size=3),
    key_lists,
)


def optional(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of fields, each with its strategy (absent fields take the defaults)."""
    return st.fixed_dictionaries({}, optional=fields)


def raw_documents(valid: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """Bytes that are not a usable JSON object: deep nesting, huge numbers, bad UTF-8, other types."""
    body = json.dumps(valid)[1:-1]
    # Just past the limit, and past Python's recursion limit (hypothesis alone would stay near the minimum).
    depths = st.one_of(st.integers(33, 40), st.sampled_from([1000, 5000, 100_000]))
    return st.one_of(
        depths.map(lambda n: b"[" * n + b"]" * n),
        depths.map(lambda n: (body + ', "x": ' + "[" * n + "]" * n).join("{}").encode()),
        st.sampled_from(["maxKeys", "days", "workers", "polls", "prefix"]).map(
            lambda f: (body + f', "{f}": {HUGE_DIGITS}').join("{}").encode()
        ),
        st.sampled_from(
            [
                b"",
                b"null",
                b"[]",
                b"42",
                b'"x"',
                b"{",
                b"\xff\xfe",
                b'{"prefix": "\xed\xa0\x80"}',
                b"\xef\xbb\xbf{}",
                b'{"a": NaN}',
            ]
        ),
        st.binary(max_size=40),
    )
