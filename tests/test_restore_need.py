"""The one rule of "does this object need a restore?", as a table, and its callers agreeing with it."""
from __future__ import annotations

import pytest

from ossrestore.report import classify
from restore_core.restore_info import FROZEN, RestoreInfo, RestoreState, parse
from restore_core.restore_need import SKIP_REASONS, Need, verdict
from restore_core.restorer import Target
from restore_core.status_tally import Tally

RESTORED = parse('ongoing-request="false", expiry-date="Sun, 16 Apr 2017 08:12:33 GMT"')
RESTORING = parse('ongoing-request="true"')

# storage class, restore state, archive direct read -> need
RULE = [
    ("Standard", FROZEN, False, Need.NOT_ARCHIVED),
    ("IA", RESTORED, True, Need.NOT_ARCHIVED),
    ("Archive", FROZEN, True, Need.DIRECT_READ),
    ("Archive", RESTORING, True, Need.DIRECT_READ),
    ("Archive", RESTORED, True, Need.DIRECT_READ),
    ("ColdArchive", FROZEN, True, Need.RESTORE),  # direct read covers Archive only
    ("Archive", RESTORED, False, Need.ALREADY_RESTORED),
    ("DeepColdArchive", RESTORED, True, Need.ALREADY_RESTORED),
    ("Archive", RESTORING, False, Need.IN_PROGRESS),
    ("ColdArchive", RESTORING, True, Need.IN_PROGRESS),
    ("Archive", FROZEN, False, Need.RESTORE),
    ("DeepColdArchive", FROZEN, False, Need.RESTORE),
]


@pytest.mark.parametrize("storage_class, restore, direct_read, need", RULE)
def test_the_rule(storage_class: str, restore: RestoreInfo, direct_read: bool, need: Need):
    # GIVEN an object's class, restore state and the bucket's direct read WHEN judged THEN the table's need
    found = verdict(storage_class, restore, direct_read=direct_read)
    assert found.need is need
    assert found.request is (need is Need.RESTORE)
    assert found.skip_reason == (None if need is Need.RESTORE else need.value)
    assert found.readable is (need in (Need.NOT_ARCHIVED, Need.DIRECT_READ, Need.ALREADY_RESTORED))


def test_the_skip_reasons_are_the_handlers_output_names():
    assert SKIP_REASONS == ("notArchived", "alreadyRestored", "archiveDirectRead", "restoreInProgress")
    assert RESTORING.state is RestoreState.RESTORING and RESTORED.state is RestoreState.RESTORED


@pytest.mark.parametrize("storage_class, restore, direct_read, need", RULE)
def test_restore_status_and_the_report_follow_the_rule(storage_class, restore, direct_read, need):
    # GIVEN one object WHEN restoreStatus's tally and the command's report judge it
    tally = Tally(scan=False, direct_read=direct_read)
    settled = tally.add(Target("k", storage_class), (storage_class, restore))
    outcome, _, _ = classify(storage_class, restore, None, direct_read=direct_read)
    # THEN readable objects are settled and reported as needing nothing, in-progress ones are waited for,
    # and only the ones the rule says to restore are re-requested
    readable = verdict(storage_class, restore, direct_read=direct_read).readable
    assert settled is readable
    assert (outcome in ("skipped", "already_restored")) is readable
    assert (tally.frozen == [Target("k", storage_class)]) is (need is Need.RESTORE)
    assert (tally.restoring == 1) is (need is Need.IN_PROGRESS)
    assert (outcome == "in_progress") is (need is Need.IN_PROGRESS)
