"""The one-line verdict a one-shot run exits with."""

from port_ocean.core.models import Entity
from port_ocean.exceptions.core import OceanAbortException

from sync.outcome import PortUpserts, SyncOutcome


def test_a_completed_sync_has_no_verdict() -> None:
    outcome = SyncOutcome()
    outcome.record_kind("component", [])
    outcome.record_sync(succeeded=True)

    assert outcome.verdict() is None


def test_no_sync_at_all_is_a_failure() -> None:
    assert SyncOutcome().verdict() == "no sync ran (see the log for what stopped it)"


def test_a_failed_kind_is_named_with_its_error_on_one_line() -> None:
    outcome = SyncOutcome()
    outcome.record_kind("incident", [RuntimeError("page p1:\n  HTTP 500")])
    outcome.record_sync(succeeded=False)

    assert outcome.verdict() == "RuntimeError: page p1: HTTP 500 [incident]"


def test_one_error_in_many_kinds_is_told_once_from_inside_ocean_s_groups() -> None:
    refused = PermissionError("the key was refused")
    outcome = SyncOutcome()
    for kind in ("statuspage", "component"):
        group = ExceptionGroup("resync failed", [ExceptionGroup("inner", [refused])])
        outcome.record_kind(kind, [group])
    outcome.record_sync(succeeded=False)

    assert outcome.verdict() == (
        "PermissionError: the key was refused [statuspage, component]"
    )


def test_a_failure_ocean_reports_without_a_kind_error_still_fails() -> None:
    outcome = SyncOutcome()
    outcome.record_sync(succeeded=False)

    assert outcome.verdict() == "Ocean reported the sync as failed (see the log)"


def test_a_crashed_sync_and_many_failures_are_summed_up() -> None:
    outcome = SyncOutcome()
    outcome.record_kind("component", [ValueError(str(n)) for n in range(4)])
    outcome.record_crash(TimeoutError())

    assert outcome.verdict() == (
        "ValueError: 0 [component]; ValueError: 1 [component]; "
        "ValueError: 2 [component]; and 2 more failure(s)"
    )


def test_the_error_inside_ocean_s_abort_wrapper_is_the_one_told() -> None:
    try:
        try:
            raise PermissionError("the key was refused")
        except PermissionError as refused:
            raise OceanAbortException("Failed to execute resync function") from refused
    except OceanAbortException as wrapped:
        outcome = SyncOutcome()
        outcome.record_kind("page", [ExceptionGroup("resync failed", [wrapped])])
        outcome.record_sync(succeeded=False)

    assert outcome.verdict() == "PermissionError: the key was refused [page]"


def test_upserts_port_did_not_take_fail_naming_port_the_blueprint_and_count() -> None:
    def entities(blueprint: str, count: int) -> list[Entity]:
        return [
            Entity.parse_obj({"identifier": f"e{n}", "blueprint": blueprint})
            for n in range(count)
        ]

    upserts = PortUpserts()
    upserts.count(
        entities("statuspageIncident", 20), entities("statuspageIncident", 20)
    )
    assert upserts.error() is None
    upserts.count(entities("statuspageIncidentUpdate", 40), [])
    upserts.count(
        entities("statuspageIncident", 20), entities("statuspageIncident", 15)
    )

    outcome = SyncOutcome()
    outcome.record_kind("incident", [error] if (error := upserts.error()) else [])
    outcome.record_sync(succeeded=False)

    assert outcome.verdict() == (
        "Port failed to upsert 5 of 40 statuspageIncident, 40 of 40 "
        "statuspageIncidentUpdate entities (its answers are in the log) [incident]"
    )
