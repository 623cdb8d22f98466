"""The per-key answers of a run live on disk (ossrestore.contacts), so the command's memory is flat in N."""
from __future__ import annotations

import tracemalloc

from ossrestore.contacts import ContactStore, KeyContact
from ossrestore.progress import RunTracker


def test_keys_iterate_in_the_order_oss_lists_them():
    # GIVEN keys whose UTF-8 byte order differs from a naive one (upper case, digits, non-ASCII)
    keys = ["b", "a/\u00e9", "a/z", "A", "a/0", "\u4e2d", "a/\U0001f600"]
    store = ContactStore()
    store.record((key, KeyContact(202)) for key in keys)
    # THEN they come back in OSS's listing order (UTF-8 bytes), which is Python's str order too
    assert list(store) == sorted(keys, key=lambda k: k.encode("utf-8")) == sorted(keys)
    assert len(store) == len(keys)


def test_lookup_of_a_page_larger_than_sqlites_parameter_limit_and_the_keys_it_never_saw():
    # GIVEN 2,500 keys answered, of which a listing page holds all but the last 3
    store = ContactStore()
    keys = [f"k{i:05d}" for i in range(2500)]
    store.record((key, KeyContact(202, at=float(i))) for i, key in enumerate(keys))
    # WHEN one lookup asks for 2,497 of them and a key never answered
    found = store.lookup([*keys[:-3], "never"], mark_seen=True)
    # THEN it finds every answered one, with its answer, and the rest are the unseen keys, in order
    assert len(found) == 2497 and found["k00007"] == KeyContact(202, "", 7.0) and "never" not in found
    assert [key for key, _ in store.unseen()] == keys[-3:]


def test_the_first_success_is_kept_and_a_later_success_replaces_a_failure():
    store = ContactStore()
    store.record([("a", KeyContact(202, at=1)), ("b", KeyContact(503, "Throttled", 1)), ("c", KeyContact(409, at=1))])
    store.record([("a", KeyContact(409, at=2)), ("b", KeyContact(202, at=2)), ("c", KeyContact(202, at=2))])
    assert (store["a"].at, store["b"], store["c"].status) == (1, KeyContact(202, "", 2), 202)
    assert store.get("missing") is None


def test_the_tracker_keeps_no_per_key_state_in_python_memory():
    # GIVEN a tracker, and the Python heap traced
    tracker = RunTracker()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        # WHEN restore results for 20,000 keys arrive, 100 at a time
        for batch in range(200):
            files = [f"data/{batch:03d}/{i:03d}" for i in range(100)]
            tracker.observe("restore", {"files": files}, {"requested": 100, "outcomes": {"202": list(range(100))}})
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
    finally:
        tracemalloc.stop()
    # THEN every key is remembered, but the Python heap grew by far less than a dict of them would take
    # (about 200 bytes a key: 4 MB); the answers are in SQLite's store
    assert tracker.snapshot().requested == 20_000 and len(tracker.contacts()) == 20_000
    assert grown < 500_000, grown
    tracker.close()
