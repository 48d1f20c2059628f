"""PingPong's objects in the common shape, against the mapping tables of the reference
(status-page-providers.md §2.5) and the samples of PingPong's API docs."""

from typing import Any

import pytest

from vendors.pingpong import normalise

PAGE = "pingpong-acme"
GROUP = {
    "id": "Qgc5CGxVJTMY8MCShAqcij",
    "project": "ACME",
    "name": "System",
    "created_at": "2020-02-07T18:35:09Z",
    "description": None,
}
# The docs' component sample.
COMPONENT = {
    "id": "GZ7tIAmLacSDW7sHe9Fskl",
    "project": "ACME",
    "name": "API",
    "group": GROUP,
    "created_at": "2020-02-07T14:22:03Z",
    "status": "Operational",
    "status_color": "green",
    "description": None,
    "showcased": True,
}
# The docs' incident sample (the one with updates).
INCIDENT = {
    "id": "LaPtdb2hXX3447YH7XYrt9",
    "project": "ACME",
    "title": "Database replica connection failure",
    "created_at": "2020-02-03T12:15:58Z",
    "status": "Verifying",
    "affected_components": [{**COMPONENT, "status": "Critical state"}],
    "reported_by": "Donald Duck",
    "occurred_at": "2020-03-18T09:02:24Z",
    "message": "<div><b>Summary</b><br>API can not connect to the database replica.</div>",
    "updates": [
        {
            "id": "LlPtdb4hXX3447YH7XYrt9",
            "created_at": "2020-03-18T09:02:39Z",
            "reported_by": "Huey",
            "status": "Investigating",
            "message": "<div>Our devs are looking into the issue.</div>",
        },
        {
            "id": "GkSMzCWZfLZzam9AK4oGKi",
            "created_at": "2020-03-18T09:02:56Z",
            "reported_by": "Dewey",
            "status": "Identified",
            "message": "<div>Our devs have found the issue and researching a solution.</div>",
        },
        {
            "id": "J7eS9zJpNbVrXb2FxVuUik",
            "created_at": "2020-03-18T09:03:31Z",
            "reported_by": "Louie",
            "status": "Verifying",
            "message": "<div>A fix has been deployed and our devs are verifying.</div>",
        },
    ],
}
# The docs' maintenance sample.
MAINTENANCE = {
    "id": "k9gVLLPoNgbPA72HQKvy2b",
    "project": "ACME",
    "name": "Database migration",
    "created_at": "2020-02-03T12:15:58Z",
    "status": "In progress",
    "affected_components": [{**COMPONENT, "status": "Maintenance mode"}],
    "reported_by": "Donald Duck",
    "scheduled_for": "2020-02-10T22:00:00Z",
    "ends_at": "2020-02-10T23:00:00Z",
    "message": "Upgrading version of <b>main database</b>.",
}


@pytest.mark.parametrize(
    ("pingpong", "statuspage"),
    [
        ("Operational", "operational"),
        ("Minor issues", "degraded_performance"),
        ("Major issues", "partial_outage"),
        ("Critical state", "major_outage"),
        ("Maintenance mode", "under_maintenance"),
        ("Unknown", None),
        ("Unavailable", None),
        # PingPong takes its words in any case; a misspelling (in its own docs) is
        # no word it documents.
        ("MAJOR ISSUES", "partial_outage"),
        ("Critial state", None),
        (None, None),
    ],
)
def test_component_statuses_map_as_the_reference_says(
    pingpong: Any, statuspage: str | None
) -> None:
    mapped = normalise.component({**COMPONENT, "status": pingpong}, PAGE)

    assert mapped["status"] == statuspage
    assert mapped["raw"]["status"] == pingpong


def test_a_component_keeps_its_fields_relates_to_its_group_and_keeps_raw() -> None:
    assert normalise.component(COMPONENT, PAGE) == {
        "id": "pingpong-GZ7tIAmLacSDW7sHe9Fskl",
        "page_id": PAGE,
        "group_id": "pingpong-Qgc5CGxVJTMY8MCShAqcij",
        "group": False,
        "name": "API",
        "description": None,
        "status": "operational",
        "showcase": True,
        "created_at": "2020-02-07T14:22:03Z",
        "provider": "pingpong",
        "raw": COMPONENT,
    }
    assert normalise.component({**COMPONENT, "group": None}, PAGE)["group_id"] is None


def test_a_group_lists_its_members() -> None:
    group = normalise.component_group(GROUP, PAGE, ["pingpong-GZ7tIAmLacSDW7sHe9Fskl"])

    assert group == {
        "id": "pingpong-Qgc5CGxVJTMY8MCShAqcij",
        "page_id": PAGE,
        "name": "System",
        "description": None,
        "created_at": "2020-02-07T18:35:09Z",
        "components": ["pingpong-GZ7tIAmLacSDW7sHe9Fskl"],
        "provider": "pingpong",
        "raw": GROUP,
    }


def test_the_docs_incident_in_the_common_shape() -> None:
    incident = normalise.incident(INCIDENT, PAGE)

    assert incident["id"] == "pingpong-LaPtdb2hXX3447YH7XYrt9"
    assert incident["name"] == "Database replica connection failure"
    # Verifying: a fix is out and being checked.
    assert incident["status"] == "monitoring"
    # The worst affected component is in a critical state.
    assert incident["impact"] == "critical"
    assert incident["started_at"] == "2020-03-18T09:02:24Z"
    assert incident["created_at"] == "2020-02-03T12:15:58Z"
    assert incident["updated_at"] == "2020-03-18T09:03:31Z"
    assert incident["resolved_at"] is None
    assert incident["components"] == [
        {
            "id": "pingpong-GZ7tIAmLacSDW7sHe9Fskl",
            "name": "API",
            "status": "major_outage",
        }
    ]
    assert [u["status"] for u in incident["incident_updates"]] == [
        "monitoring",
        "identified",
        "investigating",
    ]
    assert incident["raw"] == INCIDENT
    assert incident["provider"] == "pingpong"


def test_an_update_in_the_common_shape() -> None:
    update = normalise.incident(INCIDENT, PAGE)["incident_updates"][-1]

    assert update == {
        "id": "pingpong-LlPtdb4hXX3447YH7XYrt9",
        "incident_id": "pingpong-LaPtdb2hXX3447YH7XYrt9",
        "status": "investigating",
        "body": "<div>Our devs are looking into the issue.</div>",
        "display_at": "2020-03-18T09:02:39Z",
        "created_at": "2020-03-18T09:02:39Z",
        "affected_components": None,
        "provider": "pingpong",
        "raw": INCIDENT["updates"][0],
    }


@pytest.mark.parametrize(
    ("pingpong", "statuspage"),
    [
        ("In progress", "investigating"),
        ("Investigating", "investigating"),
        ("Identified", "identified"),
        ("Verifying", "monitoring"),
        ("Resolved", "resolved"),
    ],
)
def test_incident_statuses_map_as_the_reference_says(
    pingpong: str, statuspage: str
) -> None:
    assert normalise.incident({**INCIDENT, "status": pingpong}, PAGE)["status"] == (
        statuspage
    )


def test_an_unknown_incident_status_falls_back_to_the_latest_update_s() -> None:
    incident = {**INCIDENT, "status": "Escalated"}

    assert normalise.incident(incident, PAGE)["status"] == "monitoring"
    bare = {**incident, "updates": []}
    assert normalise.incident(bare, PAGE)["status"] == "investigating"


@pytest.mark.parametrize(
    ("statuses", "impact"),
    [
        (["Operational", "Minor issues"], "minor"),
        (["Minor issues", "Major issues", "Operational"], "major"),
        (["Major issues", "Critical state"], "critical"),
        (["Operational", "Maintenance mode", "Unknown"], "none"),
        ([], "none"),
    ],
)
def test_impact_is_the_worst_affected_component(
    statuses: list[str], impact: str
) -> None:
    affected = [
        {**COMPONENT, "id": f"c{n}", "status": status}
        for n, status in enumerate(statuses)
    ]

    assert normalise.incident({**INCIDENT, "affected_components": affected}, PAGE)[
        "impact"
    ] == (impact)


def test_resolved_at_is_the_last_resolved_update_and_started_at_falls_back() -> None:
    resolved = {
        **INCIDENT,
        "status": "Resolved",
        "occurred_at": None,
        "updates": [
            *INCIDENT["updates"],
            {"id": "r1", "created_at": "2020-03-18T10:00:00Z", "status": "Resolved"},
            {"id": "n1", "created_at": "2020-03-18T10:30:00Z", "status": "Verifying"},
            {"id": "r2", "created_at": "2020-03-18T11:00:00Z", "status": "resolved"},
        ],
    }

    incident = normalise.incident(resolved, PAGE)

    assert incident["resolved_at"] == "2020-03-18T11:00:00Z"
    assert incident["started_at"] == "2020-02-03T12:15:58Z"
    assert incident["status"] == "resolved"


def test_updates_are_put_newest_first_whatever_order_they_come_in() -> None:
    shuffled = {**INCIDENT, "updates": [INCIDENT["updates"][i] for i in (2, 0, 1)]}

    ids = [u["id"] for u in normalise.incident(shuffled, PAGE)["incident_updates"]]

    assert ids == [
        "pingpong-J7eS9zJpNbVrXb2FxVuUik",
        "pingpong-GkSMzCWZfLZzam9AK4oGKi",
        "pingpong-LlPtdb4hXX3447YH7XYrt9",
    ]


@pytest.mark.parametrize(
    ("pingpong", "statuspage", "resolved_at"),
    [
        ("Upcoming", "scheduled", None),
        ("In progress", "in_progress", None),
        ("Complete", "completed", "2020-02-10T23:00:00Z"),
        ("Postponed", None, None),
    ],
)
def test_maintenance_is_an_incident_with_its_window(
    pingpong: str, statuspage: str | None, resolved_at: str | None
) -> None:
    maintenance = normalise.maintenance({**MAINTENANCE, "status": pingpong}, PAGE)

    assert maintenance["id"] == "pingpong-k9gVLLPoNgbPA72HQKvy2b"
    assert maintenance["name"] == "Database migration"
    assert maintenance["status"] == statuspage
    assert maintenance["impact"] == "maintenance"
    assert maintenance["scheduled_for"] == "2020-02-10T22:00:00Z"
    assert maintenance["scheduled_until"] == "2020-02-10T23:00:00Z"
    assert maintenance["resolved_at"] == resolved_at
    assert maintenance["incident_updates"] == []
    assert maintenance["components"] == [
        {
            "id": "pingpong-GZ7tIAmLacSDW7sHe9Fskl",
            "name": "API",
            "status": "under_maintenance",
        }
    ]


@pytest.mark.parametrize(
    ("phrase", "indicator"),
    [
        ("All systems operational", "none"),
        ("Some systems have issues", "minor"),
        ("All systems down", "critical"),
        ("Under maintenance", "maintenance"),
    ],
)
def test_the_page_status_maps_as_the_reference_says(
    phrase: str, indicator: str
) -> None:
    published = normalise.published_status({"status": phrase, "status_color": "x"})

    assert published is not None
    assert (published.indicator, published.description) == (indicator, phrase)


def test_a_page_status_phrase_pingpong_does_not_document_is_no_status() -> None:
    assert normalise.published_status({"status": "Mostly fine"}) is None
    assert normalise.published_status({}) is None


def test_the_page_is_the_project_with_its_url_from_live() -> None:
    live = {
        "project": "ACME",
        "url": "https://acme.pingpong.one",
        "incidents": [INCIDENT],
        "maintenance": [],
    }

    assert normalise.page(live, "acme") == {
        "id": "pingpong-acme",
        "name": "ACME",
        "url": "https://acme.pingpong.one",
        "domain": "acme.pingpong.one",
        "subdomain": "acme",
        "provider": "pingpong",
        "raw": {"project": "ACME", "url": "https://acme.pingpong.one"},
    }
    custom = normalise.page({**live, "url": "https://status.acme.com"}, "acme")
    assert (custom["domain"], custom["subdomain"]) == ("status.acme.com", None)


@pytest.mark.parametrize(
    ("project", "page_id"),
    [
        ("ACME", "acme"),
        ("  ACME Corp. (EU)  ", "acme-corp-eu"),
        ("Ctrlv Solutions", "ctrlv-solutions"),
    ],
)
def test_the_page_id_is_a_slug_of_the_project_name(project: str, page_id: str) -> None:
    assert normalise.page_id_of(project) == page_id


def test_a_name_with_nothing_to_slug_gets_a_stable_digest() -> None:
    first = normalise.page_id_of("株式会社")

    assert first == normalise.page_id_of("株式会社")
    assert first.startswith("project-")
    assert first != normalise.page_id_of("有限会社")
    with pytest.raises(ValueError, match="no project"):
        normalise.page_id_of("  ")
