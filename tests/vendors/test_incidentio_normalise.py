"""incident.io's status-page objects in the common shape, on objects shaped as its public spec
has them (incident-io.md §4.2): placements per page, innermost containers, statuses derived
from impacts and maintenance, Statuspage's words, windows and times."""

from datetime import UTC, datetime
from typing import Any

import pytest

from vendors.incidentio import normalise
from vendors.incidentio.normalise import ComponentStatuses

PAGE = "incidentio-01PAGEA"
OTHER_PAGE = "incidentio-01PAGEB"
NOW = datetime(2025, 4, 17, 12, 0, tzinfo=UTC)
BEFORE = "2025-04-17T10:00:00.123Z"
LATER = "2025-04-17T11:00:00Z"
TOMORROW = "2025-04-18T12:00:00Z"

STATUS_PAGE = {
    "id": "01PAGEA",
    "name": "Acme",
    "description": "Acme's services",
    "public_url": "https://status.acme.example/",
}
STRUCTURE: list[dict[str, Any]] = [
    {"component": {"component_id": "web", "name": "Website", "display_uptime": True}},
    {
        "group": {
            "id": "apis",
            "name": "APIs",
            "components": [{"component_id": "rest", "name": "REST API"}],
        }
    },
    {
        "sub_page": {
            "id": "europe",
            "name": "Europe",
            "items": [
                {"component": {"component_id": "eu-api", "name": "EU API"}},
                {
                    "group": {
                        "id": "eu-data",
                        "name": "EU data",
                        "components": [
                            {
                                "component_id": "eu-db",
                                "name": "EU database",
                                "display_uptime": False,
                            }
                        ],
                    }
                },
                # Sub-pages hold components and groups only.
                {"sub_page": {"id": "nested", "name": "Nested", "items": []}},
            ],
        }
    },
    {"unknown": {"id": "x"}},
]


def impact(component: str, status: str, end_at: str | None = None) -> dict[str, Any]:
    return {
        "component_id": component,
        "component_status": status,
        "start_at": BEFORE,
        "end_at": end_at,
    }


def an_incident(
    status: str = "investigating", impacts: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "id": "01INC",
        "status_page_id": "01PAGEA",
        "name": "Checkout is down",
        "incident_status": status,
        "published_at": BEFORE,
        "component_impacts": impacts or [],
        "updates": [],
    }


def a_maintenance(status: str, end_at: str | None = TOMORROW) -> dict[str, Any]:
    return {
        "id": "01MNT",
        "status_page_id": "01PAGEA",
        "name": "Database upgrade",
        "maintenance_status": status,
        "published_at": BEFORE,
        "component_maintenance_periods": [
            {"component_id": "eu-db", "start_at": LATER, "end_at": end_at},
            {"component_id": "rest", "start_at": BEFORE, "end_at": end_at},
        ],
        "updates": [],
    }


def statuses(*events: dict[str, Any], page: str = PAGE) -> ComponentStatuses:
    derived = ComponentStatuses(NOW)
    derived.add(
        (
            normalise.maintenance(raw, page)
            if "maintenance_status" in raw
            else normalise.incident(raw, page)
        )
        for raw in events
    )
    return derived


def placed(derived: ComponentStatuses, page: str = PAGE) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in normalise.structure(STRUCTURE, page, derived)}


def test_a_status_page() -> None:
    page = normalise.page(STATUS_PAGE)

    assert page == {
        "id": PAGE,
        "name": "Acme",
        "page_description": "Acme's services",
        "url": "https://status.acme.example/",
        "domain": "status.acme.example",
        "provider": "incidentio",
        "raw": STATUS_PAGE,
    }


def test_groups_and_sub_pages_are_groups_and_a_component_sits_in_its_innermost_container() -> (
    None
):
    items = placed(statuses())

    groups = {i: item for i, item in items.items() if item["group"]}
    assert set(groups) == {
        "incidentio-apis",
        "incidentio-europe",
        "incidentio-eu-data",
    }
    assert {item["page_id"] for item in items.values()} == {PAGE}
    assert [(g["name"], g["position"]) for g in groups.values()] == [
        ("APIs", 2),
        ("Europe", 3),
        ("EU data", 2),
    ]
    group_of = {i: item["group_id"] for i, item in items.items() if not item["group"]}
    assert group_of == {
        f"{PAGE}-web": None,
        f"{PAGE}-rest": "incidentio-apis",
        f"{PAGE}-eu-api": "incidentio-europe",
        # In a group inside a sub-page: the group.
        f"{PAGE}-eu-db": "incidentio-eu-data",
    }
    web = items[f"{PAGE}-web"]
    assert (web["name"], web["position"], web["showcase"]) == ("Website", 1, True)
    assert web["raw"] == STRUCTURE[0]["component"]
    assert items[f"{PAGE}-eu-db"]["showcase"] is False


def test_a_component_on_two_pages_is_one_entity_per_page_with_that_page_s_status() -> (
    None
):
    down_on_a = statuses(an_incident(impacts=[impact("web", "full_outage")]))

    on_a = placed(down_on_a)[f"{PAGE}-web"]
    on_b = placed(statuses(), OTHER_PAGE)[f"{OTHER_PAGE}-web"]

    assert (on_a["id"], on_a["page_id"], on_a["status"]) == (
        "incidentio-01PAGEA-web",
        PAGE,
        "major_outage",
    )
    assert (on_b["id"], on_b["page_id"], on_b["status"]) == (
        "incidentio-01PAGEB-web",
        OTHER_PAGE,
        "operational",
    )


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], "operational"),
        (
            [an_incident(impacts=[impact("rest", "degraded_performance")])],
            "degraded_performance",
        ),
        ([an_incident(impacts=[impact("rest", "partial_outage")])], "partial_outage"),
        ([an_incident(impacts=[impact("rest", "full_outage")])], "major_outage"),
        # The worst impact still open, of any incident.
        (
            [
                an_incident(impacts=[impact("rest", "partial_outage")]),
                an_incident(
                    "monitoring",
                    [
                        impact("rest", "full_outage", end_at=LATER),
                        impact("rest", "degraded_performance"),
                    ],
                ),
            ],
            "partial_outage",
        ),
        # An impact that ended, or one on a resolved incident, no longer counts.
        (
            [an_incident(impacts=[impact("rest", "full_outage", end_at=LATER)])],
            "operational",
        ),
        ([an_incident("resolved", [impact("rest", "full_outage")])], "operational"),
        # A maintenance in progress, while its period for the component is under way.
        ([a_maintenance("maintenance_in_progress")], "under_maintenance"),
        ([a_maintenance("maintenance_in_progress", end_at=None)], "under_maintenance"),
        ([a_maintenance("maintenance_in_progress", end_at=LATER)], "operational"),
        ([a_maintenance("maintenance_scheduled")], "operational"),
        ([a_maintenance("maintenance_complete")], "operational"),
        # An open impact outweighs a maintenance.
        (
            [
                a_maintenance("maintenance_in_progress"),
                an_incident(impacts=[impact("rest", "degraded_performance")]),
            ],
            "degraded_performance",
        ),
    ],
)
def test_a_component_s_status_is_derived_from_the_page_s_incidents_and_maintenance(
    events: list[dict[str, Any]], expected: str
) -> None:
    assert placed(statuses(*events))[f"{PAGE}-rest"]["status"] == expected


def test_a_maintenance_period_not_started_yet_does_not_count() -> None:
    # eu-db's period starts at LATER; NOW is after it, so move the clock back.
    derived = ComponentStatuses(datetime(2025, 4, 17, 10, 30, tzinfo=UTC))
    derived.add([normalise.maintenance(a_maintenance("maintenance_in_progress"), PAGE)])

    assert derived.of("rest") == "under_maintenance"
    assert derived.of("eu-db") == "operational"


def test_an_incident_in_statuspage_s_words() -> None:
    raw = {
        **an_incident(
            "resolved",
            [
                impact("web", "degraded_performance", end_at=LATER),
                {
                    **impact("rest", "partial_outage", end_at=LATER),
                    "start_at": "2025-04-17T09:00:00Z",
                },
                impact("web", "full_outage", end_at=LATER),
            ],
        ),
        "updates": [
            {
                "id": "u1",
                "status_page_incident_id": "01INC",
                "incident_status": "investigating",
                "message": "Looking",
                "published_at": "2025-04-17T10:00:01Z",
                "component_statuses": [
                    {"component_id": "web", "component_status": "full_outage"}
                ],
            },
            {
                "id": "u3",
                "status_page_incident_id": "01INC",
                "incident_status": "resolved",
                "message": "Fixed again",
                "published_at": "2025-04-17T10:50:00Z",
                "component_statuses": [],
            },
            {
                "id": "u2",
                "status_page_incident_id": "01INC",
                "incident_status": "resolved",
                "message": "Fixed",
                "published_at": "2025-04-17T10:20:00Z",
                "component_statuses": [
                    {"component_id": "web", "component_status": "operational"}
                ],
            },
        ],
    }

    incident = normalise.incident(raw, PAGE)

    assert {k: incident[k] for k in ("id", "page_id", "name", "status", "impact")} == {
        "id": "incidentio-01INC",
        "page_id": PAGE,
        "name": "Checkout is down",
        "status": "resolved",
        "impact": "critical",
    }
    assert incident["created_at"] == BEFORE
    assert incident["started_at"] == "2025-04-17T09:00:00Z"
    assert incident["updated_at"] == "2025-04-17T10:50:00Z"
    # The last update that resolved it.
    assert incident["resolved_at"] == "2025-04-17T10:50:00Z"
    # Once each, with its worst impact's status.
    assert incident["components"] == [
        {"id": f"{PAGE}-web", "status": "major_outage"},
        {"id": f"{PAGE}-rest", "status": "partial_outage"},
    ]
    updates = incident["incident_updates"]
    assert [u["id"] for u in updates] == [
        "incidentio-u3",
        "incidentio-u2",
        "incidentio-u1",
    ]
    first = updates[-1]
    assert {k: first[k] for k in ("incident_id", "status", "body", "display_at")} == {
        "incident_id": "incidentio-01INC",
        "status": "investigating",
        "body": "Looking",
        "display_at": "2025-04-17T10:00:01Z",
    }
    assert first["affected_components"] == [
        {"code": f"{PAGE}-web", "new_status": "major_outage"}
    ]
    assert updates[0]["affected_components"] is None
    assert incident["provider"] == first["provider"] == "incidentio"
    assert incident["raw"] is raw


def test_an_open_incident_has_no_resolved_at_and_no_impact_without_impacts() -> None:
    raw = {
        **an_incident("monitoring"),
        "updates": [
            {"id": "u1", "incident_status": "resolved", "published_at": BEFORE},
            {"id": "u2", "incident_status": "monitoring", "published_at": LATER},
        ],
    }

    incident = normalise.incident(raw, PAGE)

    assert (incident["status"], incident["resolved_at"]) == ("monitoring", None)
    assert (incident["impact"], incident["components"]) == ("none", [])
    assert incident["started_at"] == BEFORE


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("maintenance_scheduled", "scheduled"),
        ("maintenance_in_progress", "in_progress"),
        ("maintenance_complete", "completed"),
    ],
)
def test_a_maintenance_in_statuspage_s_words(status: str, expected: str) -> None:
    raw = {
        **a_maintenance(status),
        "updates": [
            {
                "id": "m1",
                "status_page_maintenance_id": "01MNT",
                "maintenance_status": status,
                "message": "Upgrading",
                "published_at": LATER,
                "component_statuses": [
                    {"component_id": "rest", "component_status": "under_maintenance"}
                ],
            }
        ],
    }

    maintenance = normalise.maintenance(raw, PAGE)

    assert (maintenance["status"], maintenance["impact"]) == (expected, "maintenance")
    assert (maintenance["scheduled_for"], maintenance["scheduled_until"]) == (
        BEFORE,
        TOMORROW,
    )
    assert maintenance["started_at"] == BEFORE
    assert [c["id"] for c in maintenance["components"]] == [
        f"{PAGE}-eu-db",
        f"{PAGE}-rest",
    ]
    assert maintenance["resolved_at"] == (LATER if expected == "completed" else None)
    (update,) = maintenance["incident_updates"]
    assert (update["status"], update["affected_components"]) == (
        expected,
        [{"code": f"{PAGE}-rest", "new_status": "under_maintenance"}],
    )


def test_a_maintenance_whose_period_has_no_end_has_no_window_end() -> None:
    maintenance = normalise.maintenance(
        a_maintenance("maintenance_in_progress", None), PAGE
    )

    assert (maintenance["scheduled_for"], maintenance["scheduled_until"]) == (
        BEFORE,
        None,
    )


def test_fields_of_the_wrong_shape_read_as_absent() -> None:
    raw = {
        "id": "01INC",
        "incident_status": "investigating",
        "component_impacts": [
            "not an object",
            {"component_status": "full_outage"},
            {"component_id": "web", "component_status": "on_fire", "start_at": BEFORE},
        ],
        "updates": {"not": "a list"},
    }

    incident = normalise.incident(raw, PAGE)
    derived = ComponentStatuses(NOW)
    derived.add([incident])

    assert incident["impact"] == "none"
    assert incident["components"] == [{"id": f"{PAGE}-web", "status": None}]
    assert incident["incident_updates"] == []
    assert derived.of("web") == "operational"
    assert normalise.structure({"not": "a list"}, PAGE, derived) == []
