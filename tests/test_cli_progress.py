"""What a run learns from the handlers' results, and how the final listing turns it into outcomes."""
from __future__ import annotations

from ossrestore.progress import RunTracker, group_keys
from ossrestore.report import classify
from restore_core import keypack
from restore_core.restore_info import parse

READABLE = parse('ongoing-request="false", expiry-date="Fri, 27 Nov 2026 10:00:00 GMT"')
RESTORING = parse('ongoing-request="true"')
FROZEN = parse(None)


def tracker_at(t: float = 100.0) -> RunTracker:
    return RunTracker(clock=lambda: t)


def test_restore_outcomes_are_mapped_back_to_keys_in_class_order():
    # GIVEN a group as listArchiveFiles makes it, and the restore handler's result for it
    files = {"ColdArchive": ["c"], "Archive": ["a1", "a2"]}
    result = {"requested": 1, "alreadyRestored": 1, "inProgress": 1, "outcomes": {"202": [0], "200": [1], "409": [2]},
              "skippedKeys": [{"key": "gone", "status": 404, "code": "NoSuchKey"}]}
    tracker = tracker_at()
    # WHEN observed
    tracker.observe("restore", {"files": files}, result)
    contacts = tracker.contacts()
    # THEN indices follow Archive, ColdArchive, DeepColdArchive order, and skipped keys keep their code
    assert group_keys(files) == ["a1", "a2", "c"]
    assert {k: c.status for k, c in contacts.items()} == {"a1": 202, "a2": 200, "c": 409, "gone": 404}
    assert contacts["gone"].code == "NoSuchKey"
    assert tracker.snapshot().requested == 1


def test_a_retried_invocation_does_not_turn_a_request_into_in_progress():
    tracker = tracker_at()
    tracker.observe("restore", {"files": ["k"]}, {"outcomes": {"202": [0]}})
    tracker.observe("restore", {"files": ["k"]}, {"outcomes": {"409": [0]}})
    assert tracker.contacts()["k"].status == 202


def test_objects_the_confirm_phase_requested_again_are_restored_not_already_restored():
    # GIVEN an object whose restore expired during the run and that the confirm scan requested again
    tracker = tracker_at()
    tracker.observe("restoreStatus", {}, {"status": "running", "rerequested": 1, "restoring": 1,
                                          "rerequestedKeys": [{"key": "x", "status": 202}], "confirmed": 0})
    # WHEN the final listing finds it readable
    outcome = classify("Archive", READABLE, tracker.contacts().get("x"))
    # THEN this run paid for it: restored
    assert outcome[0] == "restored"
    assert classify("Archive", READABLE, None)[0] == "already_restored"


def test_a_200_for_a_listed_key_means_it_became_readable_during_the_run():
    # GIVEN a group whose first attempt raised after requesting (no result seen) and whose retry got 200
    tracker = tracker_at()
    tracker.observe("restore", {"files": {"Archive": ["k"]}}, {"alreadyRestored": 1, "outcomes": {"200": [0]}})
    # THEN the key was listed as not readable, so the run restored it rather than finding it restored
    assert classify("Archive", READABLE, tracker.contacts()["k"])[0] == "restored"


def test_classification_of_every_final_state():
    tracker = tracker_at()
    tracker.observe("restore", {"files": ["denied"]}, {"failedKeys": [{"key": "denied", "status": 403, "code": "AccessDenied"}]})
    denied = tracker.contacts()["denied"]
    assert classify("Standard", FROZEN, None)[0] == "skipped"
    assert classify("DeepColdArchive", RESTORING, None)[0] == "in_progress"
    assert classify("ColdArchive", FROZEN, denied)[:2] == ("failed", "AccessDenied")
    assert classify("Archive", FROZEN, None, direct_read=True)[0] == "skipped"
    assert classify("ColdArchive", FROZEN, None, direct_read=True)[0] == "failed"


def test_adjustments_are_reported_once_each():
    tracker = tracker_at()
    adjustment = {"storageClass": "Archive", "field": "days", "from": 30, "to": 7}
    for _ in range(3):
        tracker.observe("restore", {"files": []}, {"adjustments": [adjustment]})
    assert tracker.adjustments() == ["Archive: days 30 -> 7"]


def test_a_restore_the_listing_found_running_is_this_runs_to_confirm():
    # GIVEN a listing call that found one restore already running (an interrupted run had asked for it)
    tracker = tracker_at()
    listing = {"listedCount": 3, "archiveFilesCount": 1, "inProgressKeys": ["running"],
               "skipped": {"notArchived": 1, "alreadyRestored": 0, "archiveDirectRead": 0, "restoreInProgress": 1}}
    # WHEN observed
    tracker.observe("listArchiveFiles", {}, listing)
    c = tracker.snapshot()
    # THEN it counts as an archive object in progress, and once readable it was restored during this run,
    # not before it; still running, it is in progress
    assert (c.archive, c.in_progress, c.requested) == (2, 1, 0)
    contact = tracker.contacts()["running"]
    assert classify("ColdArchive", READABLE, contact)[0] == "restored"
    assert classify("ColdArchive", RESTORING, contact)[0] == "in_progress"


def test_outcomes_of_a_packed_group_are_mapped_back_to_its_keys():
    # GIVEN a group whose keys listArchiveFiles packed, and the restore handler's result for it
    files = {"Archive": keypack.pack(["logs/0001", "logs/0002"]), "ColdArchive": keypack.pack(["logs/0003"])}
    tracker = tracker_at()
    # WHEN observed THEN each outcome lands on the key the handler indexed
    tracker.observe("restore", {"files": files}, {"requested": 3, "outcomes": {"202": [0, 2], "200": [1]}})
    assert {k: c.status for k, c in tracker.contacts().items()} == {"logs/0001": 202, "logs/0002": 200, "logs/0003": 202}
