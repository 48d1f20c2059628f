"""Incident notifications: the incident and its updates are upserted as the API has them,
and deleted when the API says the incident is gone."""

import copy
from typing import Any

import httpx
import respx

from tests.support import HOST, only_kinds
from tests.webhook_processors.conftest import LiveFactory
from tests.webhook_processors.support import (
    LiveOcean,
    by_blueprint,
    incident_notification,
    page_summary,
)

PAGE = "8m2l51279rpl"
INCIDENT = "f5v3b6dr7k53"
INCIDENT_URL = f"{HOST}/v1/pages/{PAGE}/incidents/{INCIDENT}"


def api_incident(docs_samples: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(docs_samples["payloads"]["incident"])


def serve_page(statuspage: respx.MockRouter, docs_samples: dict[str, Any]) -> None:
    statuspage.get(f"{HOST}/v1/pages/{PAGE}").respond(
        json=docs_samples["payloads"]["page"]
    )


async def test_an_incident_and_its_updates_are_upserted_as_the_api_has_them(
    statuspage: respx.MockRouter, live: LiveOcean, docs_samples: dict[str, Any]
) -> None:
    serve_page(statuspage, docs_samples)
    incident = api_incident(docs_samples)
    # The notification is older than what the API answers: the API wins.
    notified = copy.deepcopy(incident)
    notified["status"] = "investigating"
    notified["incident_updates"] = notified["incident_updates"][-1:]
    fetch = statuspage.get(INCIDENT_URL).respond(json=incident)

    await live.deliver(incident_notification(notified, page_summary(PAGE)))

    assert fetch.call_count == 1
    entities = {(e["blueprint"], e["identifier"]): e for e in live.upserted}
    upserted_incident = entities[("statuspageIncident", INCIDENT)]
    assert upserted_incident["properties"]["status"] == "resolved"
    assert upserted_incident["relations"]["statuspage"] == PAGE
    updates = [e for (bp, _), e in entities.items() if bp == "statuspageIncidentUpdate"]
    assert {u["identifier"] for u in updates} == {
        u["id"] for u in incident["incident_updates"]
    }
    assert {u["relations"]["incident"] for u in updates} == {INCIDENT}
    assert live.deleted == []


async def test_incident_updates_are_enriched_like_the_resync_enriches_them(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    incident = api_incident(docs_samples)
    statuspage.get(INCIDENT_URL).respond(json=incident)
    updates_only = only_kinds(shipped_mapping, "incident_update")
    properties = updates_only["resources"][0]["port"]["entity"]["mappings"][
        "properties"
    ]
    properties["page"] = ".page_id"

    async with start_live(mapping=updates_only) as live:
        await live.deliver(incident_notification(incident, page_summary(PAGE)))

    assert len(live.upserted) == 3
    assert {e["properties"]["page"] for e in live.upserted} == {PAGE}
    assert {e["relations"]["incident"] for e in live.upserted} == {INCIDENT}


async def test_an_incident_the_api_no_longer_has_is_deleted_with_its_updates(
    statuspage: respx.MockRouter, start_live: LiveFactory, docs_samples: dict[str, Any]
) -> None:
    serve_page(statuspage, docs_samples)
    statuspage.get(INCIDENT_URL).respond(404, json={"error": "Not found"})
    incident = api_incident(docs_samples)
    update_ids = [u["id"] for u in incident["incident_updates"]]
    in_port = [{"identifier": INCIDENT, "blueprint": "statuspageIncident"}] + [
        {"identifier": u, "blueprint": "statuspageIncidentUpdate"} for u in update_ids
    ]
    # Statuspage's incident notifications carry no component list; deleting must not need it.
    notified = copy.deepcopy(incident)
    del notified["components"]

    async with start_live(port_entities=in_port) as live:
        await live.deliver(incident_notification(notified, page_summary(PAGE)))

    assert by_blueprint(live.deleted) == {
        "statuspageIncident": [INCIDENT],
        "statuspageIncidentUpdate": update_ids,
    }
    assert by_blueprint(live.upserted) == {"statuspage": [PAGE]}


async def test_a_failing_api_changes_nothing_of_the_incident(
    statuspage: respx.MockRouter, live: LiveOcean, docs_samples: dict[str, Any]
) -> None:
    serve_page(statuspage, docs_samples)
    statuspage.get(INCIDENT_URL).respond(400, json={"error": "refused"})
    incident = api_incident(docs_samples)

    await live.deliver(incident_notification(incident, page_summary(PAGE)))

    assert by_blueprint(live.upserted) == {"statuspage": [PAGE]}
    assert live.deleted == []


async def test_an_incident_of_a_page_outside_statuspage_ids_is_ignored(
    statuspage: respx.MockRouter, start_live: LiveFactory, docs_samples: dict[str, Any]
) -> None:
    serve_page(statuspage, docs_samples)
    incident = api_incident(docs_samples)
    statuspage.get(INCIDENT_URL).respond(json=incident)

    async with start_live(statuspage_ids="another-page") as live:
        await live.deliver(incident_notification(incident, page_summary(PAGE)))

    assert statuspage.calls.call_count == 0
    assert live.upserted == []
    assert live.deleted == []


async def test_an_incident_of_a_selected_page_is_processed(
    statuspage: respx.MockRouter, start_live: LiveFactory, docs_samples: dict[str, Any]
) -> None:
    serve_page(statuspage, docs_samples)
    statuspage.get(INCIDENT_URL).mock(
        return_value=httpx.Response(200, json=api_incident(docs_samples))
    )

    async with start_live(statuspage_ids=f"another-page,{PAGE}") as live:
        await live.deliver(
            incident_notification(api_incident(docs_samples), page_summary(PAGE))
        )

    assert INCIDENT in by_blueprint(live.upserted)["statuspageIncident"]
