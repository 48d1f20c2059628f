"""OnlineOrNot's objects in the common shape, checked against the field tables of the
reference (status-page-providers.md §1.6), on the objects of OnlineOrNot's OpenAPI examples.
"""

import copy
from typing import Any

import pytest

from vendors.onlineornot import normalise

PAGE = "onlineornot-a1b2c3d4"

STATUS_PAGE = {
    "id": "a1b2c3d4",
    "name": "My Example SaaS",
    "subdomain": "status",
    "custom_domain": "https://status.yourdomain.com",
    "status": "PARTIALLY_DEGRADED_SERVICE",
    "favicon_url": None,
    "logo_url": None,
    "dark_logo_url": None,
    "description": "Real-time status updates for My Example SaaS",
    "hide_from_search_engines": False,
    "has_password": False,
    "allowed_ips": None,
}
GROUP = {
    "id": "e5f6g7h8",
    "name": "Backend",
    "description": "Our APIs",
    "sort_order": 1,
    "created_at": "2021-02-01T00:00:00.000Z",
    "updated_at": "2021-02-02T00:00:00.000Z",
}
COMPONENT = {
    "id": "comp1234",
    "name": "Website",
    "status": "MAJOR_OUTAGE",
    "display_uptime": True,
    "display_metrics": True,
    "created_at": "2021-02-01T00:00:00.000Z",
    "updated_at": "2021-02-03T00:00:00.000Z",
    "group_id": "e5f6g7h8",
    "is_external_component": False,
}
INCIDENT: dict[str, Any] = {
    "id": "inc12345",
    "title": "API is inaccessible",
    "impact": "MAJOR_OUTAGE",
    "started": "2021-01-01T00:00:00.000Z",
    "ended": "2021-01-01T02:00:00.000Z",
    "created_at": "2021-01-01T00:00:05.000Z",
    "updated_at": "2021-01-01T02:00:05.000Z",
    "latest_update": {
        "id": "upd00003",
        "status": "RESOLVED",
        "date_happened": "2021-01-01T02:00:00.000Z",
    },
    "components": [{"id": "comp1234", "name": "Website"}],
    # Out of order on purpose: the API's order is not documented.
    "updates": [
        {
            "id": "upd00003",
            "incident_id": "inc12345",
            "status": "RESOLVED",
            "description": "Fixed.",
            "date_happened": "2021-01-01T02:00:00.000Z",
            "created_at": "2021-01-01T02:00:01.000Z",
            "updated_at": "2021-01-01T02:00:01.000Z",
            "components": [
                {
                    "id": "comp1234",
                    "name": "Website",
                    "old_status": "MAJOR_OUTAGE",
                    "new_status": "OPERATIONAL",
                }
            ],
        },
        {
            "id": "upd00001",
            "incident_id": "inc12345",
            "status": "INVESTIGATING",
            "description": "We are investigating reports of connectivity issues",
            "date_happened": "2021-01-01T00:00:00.000Z",
            "created_at": "2021-01-01T00:00:01.000Z",
            "updated_at": "2021-01-01T00:00:01.000Z",
            "components": [
                {
                    "id": "comp1234",
                    "name": "Website",
                    "old_status": "OPERATIONAL",
                    "new_status": "MAJOR_OUTAGE",
                }
            ],
        },
        {
            "id": "upd00002",
            "incident_id": "inc12345",
            "status": "UPDATE",
            "description": "Still on it.",
            "date_happened": "2021-01-01T01:00:00.000Z",
            "created_at": "2021-01-01T01:00:01.000Z",
            "updated_at": "2021-01-01T01:00:01.000Z",
        },
    ],
}


def test_a_status_page_maps_per_the_table() -> None:
    page = normalise.page(copy.deepcopy(STATUS_PAGE))

    assert page == {
        "id": PAGE,
        "name": "My Example SaaS",
        "subdomain": "status",
        "domain": "status.yourdomain.com",
        "url": "https://status.yourdomain.com",
        "page_description": "Real-time status updates for My Example SaaS",
        "hidden_from_search": False,
        "status_indicator": "minor",
        "status_description": "Partially Degraded Service",
        "provider": "onlineornot",
        "raw": STATUS_PAGE,
    }


def test_a_page_without_a_custom_domain_is_at_its_hosted_address() -> None:
    page = normalise.page({**STATUS_PAGE, "custom_domain": None})

    assert (page["url"], page["domain"]) == ("https://status.onlineornot.com", None)


@pytest.mark.parametrize(
    ("status", "indicator"),
    [
        ("ALL_SYSTEMS_OPERATIONAL", "none"),
        ("PARTIALLY_DEGRADED_SERVICE", "minor"),
        ("MINOR_SERVICE_OUTAGE", "major"),
        ("MAJOR_SYSTEM_OUTAGE", "critical"),
        ("SERVICE_UNDER_MAINTENANCE", "maintenance"),
        ("SOMETHING_NEW", None),
    ],
)
def test_page_statuses_become_statuspage_indicators(
    status: str, indicator: str | None
) -> None:
    assert normalise.page({**STATUS_PAGE, "status": status})["status_indicator"] == (
        indicator
    )


def test_a_group_maps_per_the_table() -> None:
    assert normalise.component_group(GROUP, PAGE) == {
        "id": "onlineornot-e5f6g7h8",
        "page_id": PAGE,
        "name": "Backend",
        "description": "Our APIs",
        "position": 1,
        "created_at": "2021-02-01T00:00:00.000Z",
        "updated_at": "2021-02-02T00:00:00.000Z",
        "provider": "onlineornot",
        "raw": GROUP,
    }


def test_a_component_maps_per_the_table_with_its_group_from_group_id() -> None:
    assert normalise.component(COMPONENT, PAGE) == {
        "id": "onlineornot-comp1234",
        "page_id": PAGE,
        "group_id": "onlineornot-e5f6g7h8",
        "group": False,
        "name": "Website",
        "status": "major_outage",
        "showcase": True,
        "created_at": "2021-02-01T00:00:00.000Z",
        "updated_at": "2021-02-03T00:00:00.000Z",
        "provider": "onlineornot",
        "raw": COMPONENT,
    }


@pytest.mark.parametrize("group_id", [None, ""])
def test_an_ungrouped_component_has_no_group(group_id: Any) -> None:
    assert (
        normalise.component({**COMPONENT, "group_id": group_id}, PAGE)["group_id"]
        is None
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("OPERATIONAL", "operational"),
        ("DEGRADED_PERFORMANCE", "degraded_performance"),
        ("PARTIAL_OUTAGE", "partial_outage"),
        ("MAJOR_OUTAGE", "major_outage"),
        ("MAINTENANCE", "under_maintenance"),
        ("NO_IMPACT", "operational"),
        (None, None),
        ("SOMETHING_NEW", None),
    ],
)
def test_component_statuses_become_statuspage_s_five(
    status: str | None, expected: str | None
) -> None:
    component = normalise.component({**COMPONENT, "status": status}, PAGE)

    assert component["status"] == expected
    assert component["raw"]["status"] == status


def test_an_incident_maps_per_the_table() -> None:
    incident = normalise.incident(copy.deepcopy(INCIDENT), PAGE)
    updates = incident.pop("incident_updates")

    assert incident == {
        "id": "onlineornot-inc12345",
        "page_id": PAGE,
        "name": "API is inaccessible",
        "status": "resolved",
        "impact": "critical",
        "created_at": "2021-01-01T00:00:05.000Z",
        "updated_at": "2021-01-01T02:00:05.000Z",
        "started_at": "2021-01-01T00:00:00.000Z",
        "resolved_at": "2021-01-01T02:00:00.000Z",
        "scheduled_for": None,
        "scheduled_until": None,
        "components": [
            {"id": "onlineornot-comp1234", "name": "Website", "status": "operational"}
        ],
        "provider": "onlineornot",
        "raw": INCIDENT,
    }
    # Newest first, as Statuspage lists them; an UPDATE keeps the status before it.
    assert [(u["id"], u["status"]) for u in updates] == [
        ("onlineornot-upd00003", "resolved"),
        ("onlineornot-upd00002", "investigating"),
        ("onlineornot-upd00001", "investigating"),
    ]


def test_an_incident_update_maps_per_the_table() -> None:
    updates = normalise.incident(copy.deepcopy(INCIDENT), PAGE)["incident_updates"]
    first = updates[-1]

    assert first == {
        "id": "onlineornot-upd00001",
        "incident_id": "onlineornot-inc12345",
        "status": "investigating",
        "body": "We are investigating reports of connectivity issues",
        "display_at": "2021-01-01T00:00:00.000Z",
        "created_at": "2021-01-01T00:00:01.000Z",
        "updated_at": "2021-01-01T00:00:01.000Z",
        "affected_components": [
            {
                "code": "onlineornot-comp1234",
                "name": "Website",
                "old_status": "operational",
                "new_status": "major_outage",
            }
        ],
        "provider": "onlineornot",
        "raw": INCIDENT["updates"][1],
    }
    assert updates[1]["affected_components"] is None


@pytest.mark.parametrize(
    ("impact", "expected"),
    [
        ("MAJOR_OUTAGE", "critical"),
        ("PARTIAL_OUTAGE", "major"),
        ("DEGRADED_PERFORMANCE", "minor"),
        ("NO_IMPACT", "none"),
        ("MAINTENANCE", "maintenance"),
        (None, "none"),
    ],
)
def test_impacts_become_statuspage_impacts(impact: str | None, expected: str) -> None:
    assert (
        normalise.incident({**INCIDENT, "impact": impact}, PAGE)["impact"] == expected
    )


@pytest.mark.parametrize(
    ("statuses", "ended", "expected"),
    [
        (["INVESTIGATING", "IDENTIFIED"], None, "identified"),
        (["INVESTIGATING", "MONITORING", "UPDATE"], None, "monitoring"),
        (["SCHEDULED", "IN_PROGRESS", "VERIFYING"], None, "verifying"),
        (
            ["SCHEDULED", "IN_PROGRESS", "COMPLETED"],
            "2021-01-02T00:00:00Z",
            "completed",
        ),
        (["UPDATE"], None, "investigating"),
        (["UPDATE"], "2021-01-02T00:00:00Z", "resolved"),
        ([], None, "investigating"),
        ([], "2021-01-02T00:00:00Z", "resolved"),
    ],
)
def test_the_incident_status_is_its_latest_update_s(
    statuses: list[str], ended: str | None, expected: str
) -> None:
    raw = {
        **INCIDENT,
        "ended": ended,
        "latest_update": None,
        "updates": [
            {
                "id": f"u{n}",
                "status": status,
                "date_happened": f"2021-01-0{n + 1}T00:00:00Z",
            }
            for n, status in enumerate(statuses)
        ],
    }

    assert normalise.incident(raw, PAGE)["status"] == expected


def test_an_update_note_before_any_status_counts_as_investigating() -> None:
    raw = {**INCIDENT, "ended": None, "latest_update": None}
    raw["updates"] = [
        {"id": "u1", "status": "UPDATE", "date_happened": "2021-01-01T00:00:00Z"},
        {"id": "u2", "status": "IDENTIFIED", "date_happened": "2021-01-01T01:00:00Z"},
    ]

    updates = normalise.incident(raw, PAGE)["incident_updates"]

    assert [(u["id"], u["status"]) for u in updates] == [
        ("onlineornot-u2", "identified"),
        ("onlineornot-u1", "investigating"),
    ]


def test_without_updates_the_list_item_s_latest_update_gives_the_status() -> None:
    raw = {**INCIDENT, "updates": [], "ended": None}
    raw["latest_update"] = {"id": "x", "status": "MONITORING"}

    assert normalise.incident(raw, PAGE)["status"] == "monitoring"


def test_a_scheduled_maintenance_gives_its_window() -> None:
    raw = {
        **INCIDENT,
        "impact": "MAINTENANCE",
        "scheduled_maintenance": {
            "id": "sm1b2c3d4",
            "start_date": "2021-03-01T22:00:00.000Z",
            "duration_minutes": 90,
            "notify_subscribers_at_start": True,
            "notify_subscribers_at_end": True,
        },
    }

    incident = normalise.incident(raw, PAGE)

    assert (incident["scheduled_for"], incident["scheduled_until"]) == (
        "2021-03-01T22:00:00.000Z",
        "2021-03-01T23:30:00.000Z",
    )
    assert incident["impact"] == "maintenance"


def test_every_identifier_and_relation_carries_the_vendor_prefix() -> None:
    incident = normalise.incident(copy.deepcopy(INCIDENT), PAGE)
    component = normalise.component(COMPONENT, PAGE)
    related = [
        incident["id"],
        incident["page_id"],
        *(c["id"] for c in incident["components"]),
        *(u["id"] for u in incident["incident_updates"]),
        *(u["incident_id"] for u in incident["incident_updates"]),
        *(
            a["code"]
            for u in incident["incident_updates"]
            for a in u["affected_components"] or []
        ),
        component["id"],
        component["group_id"],
    ]

    assert all(identifier.startswith("onlineornot-") for identifier in related)


# Every value of OnlineOrNot's enums, per its OpenAPI spec.
PAGE_STATUSES = [
    "ALL_SYSTEMS_OPERATIONAL",
    "PARTIALLY_DEGRADED_SERVICE",
    "MINOR_SERVICE_OUTAGE",
    "MAJOR_SYSTEM_OUTAGE",
    "SERVICE_UNDER_MAINTENANCE",
]
COMPONENT_STATUSES = [
    "OPERATIONAL",
    "DEGRADED_PERFORMANCE",
    "PARTIAL_OUTAGE",
    "MAJOR_OUTAGE",
    "MAINTENANCE",
    "NO_IMPACT",
]
IMPACTS = ["MAJOR_OUTAGE", "PARTIAL_OUTAGE", "DEGRADED_PERFORMANCE", "NO_IMPACT", None]
UPDATE_STATUSES = [
    "INVESTIGATING",
    "IDENTIFIED",
    "MONITORING",
    "RESOLVED",
    "UPDATE",
    "SCHEDULED",
    "IN_PROGRESS",
    "VERIFYING",
    "COMPLETED",
]


def enum_of(
    blueprints: dict[str, dict[str, Any]], blueprint: str, prop: str
) -> set[str]:
    return set(blueprints[blueprint]["schema"]["properties"][prop]["enum"])


def test_every_value_onlineornot_can_send_maps_into_the_blueprints_enums(
    shipped_blueprints: dict[str, dict[str, Any]],
) -> None:
    # Port refuses an entity whose enum property holds a value its blueprint lacks.
    indicators = {
        normalise.page({**STATUS_PAGE, "status": s})["status_indicator"]
        for s in PAGE_STATUSES
    }
    component_statuses = {
        normalise.component({**COMPONENT, "status": s}, PAGE)["status"]
        for s in COMPONENT_STATUSES
    }
    impacts = {
        normalise.incident({**INCIDENT, "impact": i}, PAGE)["impact"]
        for i in [*IMPACTS, "MAINTENANCE"]
    }
    update_statuses = {
        update["status"]
        for s in UPDATE_STATUSES
        for update in normalise.incident(
            {**INCIDENT, "updates": [{"id": "u1", "status": s}]}, PAGE
        )["incident_updates"]
    }

    assert indicators <= enum_of(shipped_blueprints, "statuspage", "status_indicator")
    assert component_statuses <= enum_of(
        shipped_blueprints, "statuspageComponent", "status"
    )
    assert impacts <= enum_of(shipped_blueprints, "statuspageIncident", "impact")
    assert update_statuses <= enum_of(
        shipped_blueprints, "statuspageIncidentUpdate", "status"
    )
    assert update_statuses <= enum_of(
        shipped_blueprints, "statuspageIncident", "status"
    )
