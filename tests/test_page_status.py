"""The rule deriving a page's status from its components and unresolved incidents, which the
Statuspage emulator follows too, and which status a page keeps when a resync and a webhook
both bring one."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.kinds import Family
from runtime import current_runtime
from sandbox.statuspage.config import DataConfig
from sandbox.statuspage.data import generate
from sync.catalog import KnownPages, SyncedObjects
from sync.page_status import PageStatus, StatusDerivation, StatusSource
from tests.support import ocean_context

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def component(status: str, group: bool = False, **fields: Any) -> dict[str, Any]:
    return {"id": f"c-{status}", "status": status, "group": group, **fields}


def incident(status: str, impact: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"i-{status}-{impact}", "status": status, "impact": impact, **fields}


def derive(
    components: list[dict[str, Any]], incidents: list[dict[str, Any]] | None = None
) -> tuple[str, str]:
    derivation = StatusDerivation()
    derivation.add_components(components)
    derivation.add_incidents(incidents or [])
    status = derivation.result(NOW)
    assert status.source is StatusSource.DERIVED
    return status.indicator, status.description


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], ("none", "All Systems Operational")),
        (["operational", "operational"], ("none", "All Systems Operational")),
        (
            ["operational", "under_maintenance"],
            ("maintenance", "Service Under Maintenance"),
        ),
        (
            ["under_maintenance", "degraded_performance"],
            ("minor", "Partially Degraded Service"),
        ),
        (
            ["degraded_performance", "partial_outage"],
            ("major", "Partial System Outage"),
        ),
        (["partial_outage", "major_outage"], ("critical", "Major System Outage")),
    ],
)
def test_components_weigh_by_their_worst_status(
    statuses: list[str], expected: tuple[str, str]
) -> None:
    assert derive([component(status) for status in statuses]) == expected


def test_a_group_s_own_entry_does_not_count_twice() -> None:
    assert derive([component("major_outage", group=True)]) == (
        "none",
        "All Systems Operational",
    )


@pytest.mark.parametrize(
    ("incidents", "expected"),
    [
        ([incident("investigating", "minor")], ("minor", "Minor Service Outage")),
        ([incident("identified", "major")], ("major", "Partial System Outage")),
        ([incident("monitoring", "critical")], ("critical", "Major System Outage")),
        # Resolved, finished or not yet started, they weigh nothing.
        ([incident("resolved", "critical")], ("none", "All Systems Operational")),
        ([incident("postmortem", "critical")], ("none", "All Systems Operational")),
        ([incident("completed", "maintenance")], ("none", "All Systems Operational")),
        ([incident("scheduled", "maintenance")], ("none", "All Systems Operational")),
        # A maintenance under way weighs at least maintenance, whatever its impact says.
        (
            [incident("in_progress", "none")],
            ("maintenance", "Service Under Maintenance"),
        ),
        (
            [incident("verifying", "maintenance")],
            ("maintenance", "Service Under Maintenance"),
        ),
        (
            [incident("in_progress", "none"), incident("investigating", "minor")],
            ("minor", "Minor Service Outage"),
        ),
        ([incident("investigating", "nonsense")], ("none", "All Systems Operational")),
    ],
)
def test_unresolved_incidents_weigh_by_their_impact(
    incidents: list[dict[str, Any]], expected: tuple[str, str]
) -> None:
    assert derive([component("operational")], incidents) == expected


def test_the_heaviest_of_components_and_incidents_wins() -> None:
    assert derive(
        [component("degraded_performance")], [incident("investigating", "critical")]
    ) == ("critical", "Major System Outage")
    assert derive(
        [component("major_outage")], [incident("investigating", "minor")]
    ) == ("critical", "Major System Outage")
    # A minor incident beside a degraded component reads as Statuspage writes it.
    assert derive(
        [component("degraded_performance")], [incident("investigating", "minor")]
    ) == ("minor", "Partially Degraded Service")


def test_a_derived_status_is_dated_by_the_newest_change_it_reflects() -> None:
    derivation = StatusDerivation()
    derivation.add_components(
        [
            component("operational", updated_at="2024-06-07T01:12:00Z"),
            component("degraded_performance", updated_at="2025-01-02T03:04:05.000Z"),
        ]
    )
    derivation.add_incidents(
        [incident("resolved", "minor", updated_at="2024-12-31T00:00:00Z")]
    )

    assert derivation.result(NOW).observed_at == datetime(
        2025, 1, 2, 3, 4, 5, tzinfo=UTC
    )
    # Never later than now, and now when nothing says when it changed.
    future = NOW + timedelta(days=1)
    ahead = StatusDerivation()
    ahead.add_components([component("operational", updated_at=future.isoformat())])
    assert ahead.result(NOW).observed_at == NOW
    assert StatusDerivation().result(NOW).observed_at == NOW


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rule_agrees_with_the_emulator_on_every_generated_page(seed: int) -> None:
    state = generate(
        DataConfig(seed=seed, pages=12, groups=3, components=12, incidents=15)
    )
    statuses = set()
    for page in state.pages.values():
        derived = derive(list(page.components.values()), page.rendered_incidents())
        assert derived == (page.status_indicator, page.status_description)
        statuses.add(derived[0])
    # The data set is varied enough for the agreement to mean something.
    assert len(statuses) >= 3


def status(source: StatusSource, minutes: int, indicator: str = "minor") -> PageStatus:
    return PageStatus(indicator, indicator, source, NOW + timedelta(minutes=minutes))


def test_a_webhook_status_gives_way_only_to_a_resync_of_a_later_change() -> None:
    known = KnownPages(clock=lambda: NOW)
    known.note_status(
        "p1",
        {"status_indicator": "critical", "status_description": "Major System Outage"},
    )

    kept = known.keep("p1", status(StatusSource.PUBLIC_API, -5, "none"))
    assert (kept.source, kept.indicator) == (StatusSource.WEBHOOK, "critical")
    assert known.with_status({"id": "p1"})["status_source"] == "webhook"

    replaced = known.keep("p1", status(StatusSource.DERIVED, 5, "none"))
    assert (replaced.source, replaced.indicator) == (StatusSource.DERIVED, "none")


def test_a_resync_status_always_replaces_an_earlier_resync_s() -> None:
    known = KnownPages(clock=lambda: NOW)
    known.keep("p1", status(StatusSource.PUBLIC_API, 0, "major"))

    # Even dated earlier: an incident deleted since leaves only older changes to date by.
    known.keep("p1", status(StatusSource.DERIVED, -60, "none"))

    assert known.with_status({"id": "p1", "name": "P"}) == {
        "id": "p1",
        "name": "P",
        "status_indicator": "none",
        "status_description": "none",
        "status_source": "derived",
    }


def test_a_new_webhook_status_replaces_whatever_was_known() -> None:
    known = KnownPages(clock=lambda: NOW)
    known.keep("p1", status(StatusSource.PUBLIC_API, 30, "none"))

    known.note_status(
        "p1",
        {"status_indicator": "major", "status_description": "Partial System Outage"},
    )

    assert known.with_status({"id": "p1"})["status_indicator"] == "major"
    assert known.with_status({"id": "p2"}) == {"id": "p2"}


def test_a_page_is_known_not_synced_only_once_the_vendor_s_page_list_was_read() -> None:
    known = KnownPages()
    assert known.is_synced("statuspage", "p9")

    known.listed("statuspage", ["p1", "p2"])

    assert known.is_synced("statuspage", "p1")
    assert not known.is_synced("statuspage", "p9")
    assert known.is_synced("onlineornot", "p9")


def test_an_object_is_known_never_synced_only_after_a_whole_resync() -> None:
    synced = SyncedObjects()
    synced.synced("statuspage", Family.INCIDENT, ["i1"])
    assert not synced.never_synced("statuspage", Family.INCIDENT, "i9")

    synced.synced("statuspage", Family.INCIDENT, ["i2"], resync=True)
    synced.synced("statuspage", Family.INCIDENT, ["i3"])  # a live event, since

    assert [
        synced.never_synced("statuspage", Family.INCIDENT, i)
        for i in ("i1", "i2", "i3", "i9")
    ] == [False, False, False, True]
    assert not synced.never_synced("statuspage", Family.COMPONENT, "i9")


def test_objects_not_kept_are_never_known_as_never_synced() -> None:
    synced = SyncedObjects(kept=False)

    synced.synced("statuspage", Family.INCIDENT, ["i1"], resync=True)

    assert not synced.never_synced("statuspage", Family.INCIDENT, "i9")


@pytest.mark.parametrize(
    ("listener", "kept"), [("ONCE", False), ("POLLING", True), ("WEBHOOKS_ONLY", True)]
)
def test_an_app_keeps_synced_ids_only_under_a_listener_that_takes_live_events(
    listener: str, kept: bool
) -> None:
    with ocean_context(event_listener={"type": listener}):
        assert current_runtime().synced_objects.kept is kept
