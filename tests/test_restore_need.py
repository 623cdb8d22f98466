"""The one rule of "does this object need a restore?", as a table, and its callers agreeing with it."""

from __future__ import annotations

import pytest

from restore_core.listing import ObjectInfo
from restore_core.report_lines import REREQUEST, judge
from restore_core.restore_info import FROZEN, RestoreInfo, RestoreState, parse
from restore_core.restore_need import SKIP_REASONS, Need, verdict

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
def test_the_confirm_scan_and_the_report_follow_the_rule(storage_class, restore, direct_read, need):
    # GIVEN one object, never asked about by this run, WHEN the confirm scan judges it (report_lines.judge)
    found = judge("restore", ObjectInfo("k", storage_class, restore), None, direct_read=direct_read, days=1)
    # THEN readable objects are settled (skipped, or already restored), in-progress ones are waited for (None),
    # and only the ones the rule says to restore are requested again
    readable = verdict(storage_class, restore, direct_read=direct_read).readable
    assert (
        found is not None and found is not REREQUEST and found.outcome in ("skipped", "already_restored")
    ) is readable
    assert (found is REREQUEST) is (need is Need.RESTORE)
    assert (found is None) is (need is Need.IN_PROGRESS)
