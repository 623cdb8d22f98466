"""What each action does with an object, as one table per action, and its callers agreeing with it."""

from __future__ import annotations

import pytest

from restore_core.decisions import ACTIONS, CLEAN, EXTEND, RESTORE, SKIP_REASONS, Outcome, Skip, decide
from restore_core.listing import ObjectInfo
from restore_core.report_lines import REREQUEST, dry_judge, judge
from restore_core.restore_info import FROZEN, RestoreInfo, RestoreState, parse

RESTORED = parse('ongoing-request="false", expiry-date="Sun, 16 Apr 2017 08:12:33 GMT"')
RESTORING = parse('ongoing-request="true"')
SKIP, REQUEST, READABLE, WAIT = Outcome.SKIP, Outcome.REQUEST, Outcome.READABLE, Outcome.WAIT

# action, storage class, restore state, archive direct read -> outcome, skip reason
TABLE = [
    (RESTORE, "Standard", FROZEN, False, SKIP, Skip.NOT_ARCHIVED),
    (RESTORE, "IA", RESTORED, True, SKIP, Skip.NOT_ARCHIVED),
    (RESTORE, "Archive", FROZEN, True, SKIP, Skip.DIRECT_READ),
    (RESTORE, "Archive", RESTORING, True, SKIP, Skip.DIRECT_READ),
    (RESTORE, "Archive", RESTORED, True, SKIP, Skip.DIRECT_READ),
    (RESTORE, "ColdArchive", FROZEN, True, REQUEST, None),  # direct read covers Archive only
    (RESTORE, "Archive", RESTORED, False, READABLE, None),
    (RESTORE, "DeepColdArchive", RESTORED, True, READABLE, None),
    (RESTORE, "Archive", RESTORING, False, WAIT, None),
    (RESTORE, "ColdArchive", RESTORING, True, WAIT, None),
    (RESTORE, "Archive", FROZEN, False, REQUEST, None),
    (RESTORE, "DeepColdArchive", FROZEN, False, REQUEST, None),
    (EXTEND, "Standard", RESTORED, False, SKIP, Skip.NOT_ARCHIVED),
    (EXTEND, "Archive", FROZEN, True, SKIP, Skip.NOT_RESTORED),  # direct read does not apply to extend
    (EXTEND, "ColdArchive", RESTORING, False, SKIP, Skip.IN_PROGRESS),
    (EXTEND, "Archive", RESTORED, True, REQUEST, None),
    (EXTEND, "DeepColdArchive", RESTORED, False, REQUEST, None),
    (CLEAN, "IA", RESTORED, False, SKIP, Skip.NOT_ARCHIVED),
    (CLEAN, "Archive", RESTORED, False, SKIP, Skip.NOT_CLEANABLE),
    (CLEAN, "Archive", FROZEN, False, SKIP, Skip.NOT_CLEANABLE),
    (CLEAN, "ColdArchive", FROZEN, False, SKIP, Skip.NOT_RESTORED),
    (CLEAN, "DeepColdArchive", RESTORING, False, SKIP, Skip.IN_PROGRESS),
    (CLEAN, "ColdArchive", RESTORED, True, REQUEST, None),
    (CLEAN, "DeepColdArchive", RESTORED, False, REQUEST, None),
]


@pytest.mark.parametrize("action, storage_class, restore, direct_read, outcome, skip", TABLE)
def test_the_table(action: str, storage_class: str, restore: RestoreInfo, direct_read: bool, outcome, skip):
    # GIVEN an object's class, restore state and the bucket's direct read WHEN an action decides on it
    found = decide(action, storage_class, restore, direct_read=direct_read)
    # THEN the table's outcome and reason, and a reason the action may give
    assert (found.outcome, found.skip) == (outcome, skip)
    assert found.request is (outcome is REQUEST)
    assert skip is None or skip in SKIP_REASONS[action]


def test_every_action_has_its_reasons_and_they_are_the_handlers_output_names():
    assert set(SKIP_REASONS) == set(ACTIONS)
    assert {s.value for s in Skip} == {
        "notArchived", "archiveDirectRead", "notRestored", "restoreInProgress", "notCleanable", "filtered", "atTarget"
    }  # fmt: skip
    assert RESTORING.state is RestoreState.RESTORING and RESTORED.state is RestoreState.RESTORED


@pytest.mark.parametrize("action, storage_class, restore, direct_read, outcome, skip", TABLE)
def test_the_confirm_scan_and_the_report_follow_the_table(action, storage_class, restore, direct_read, outcome, skip):
    # GIVEN one object, never asked about by this run, WHEN the confirm scan judges it (report_lines.judge)
    obj = ObjectInfo("k", storage_class, restore)
    found = judge(action, obj, None, direct_read=direct_read, days=1)
    # THEN left-alone objects are settled as skipped, restored ones already restored, running restores are
    # waited for (None), and only the frozen ones a restore requests are requested again
    if skip is not None:
        assert found is not None and found.outcome == "skipped"
    elif action == RESTORE:
        expected = {READABLE: "already_restored", WAIT: None, REQUEST: REREQUEST}[outcome]
        assert (found if expected in (None, REREQUEST) else found and found.outcome) == expected
    # AND a dry run says the same: what it would send exactly where the table requests
    dry = dry_judge(action, obj, direct_read=direct_read, days=1)
    assert dry.outcome.startswith("would_") is (outcome is REQUEST)
    assert (dry.outcome == "skipped") is (skip is not None)
