"""Live events under faults: one 404 deletes nothing, floods are coalesced into few reads and
never held in memory, the pending set is bounded, and an event costs one request."""

import asyncio
import copy
import json
from typing import Any

import httpx
import respx
from port_ocean.context.ocean import ocean

from live_events.pending import PendingTriggers
from runtime import current_runtime
from tests.conftest import Emulate
from tests.support import HOST, in_port, only_kinds, pages_of, sent
from tests.webhook_processors.conftest import LiveFactory
from tests.webhook_processors.support import (
    ROUTE,
    SECRET,
    WEBHOOK_PATH,
    LiveOcean,
    by_blueprint,
    component_notification,
    incident_notification,
    page_summary,
)

PAGE = "8m2l51279rpl"
COMPONENT = "y6ssccsqgy8s"
INCIDENT = "f5v3b6dr7k53"
PAGE_URL = f"{HOST}/v1/pages/{PAGE}"
COMPONENT_URL = f"{PAGE_URL}/components/{COMPONENT}"
INCIDENT_URL = f"{PAGE_URL}/incidents/{INCIDENT}"
NOT_FOUND = httpx.Response(404, json={"error": "Not found"})


def component(docs_samples: dict[str, Any], status: str) -> dict[str, Any]:
    return {**copy.deepcopy(docs_samples["payloads"]["component"]), "status": status}


def component_event(docs_samples: dict[str, Any], status: str) -> dict[str, Any]:
    return component_notification(
        component(docs_samples, status), page_summary(PAGE), old_status="operational"
    )


def in_port_component() -> list[dict[str, str]]:
    return [{"identifier": COMPONENT, "blueprint": "statuspageComponent"}]


async def drained(live: LiveOcean) -> None:
    queue = ocean.app.webhook_manager._event_queues[WEBHOOK_PATH]
    await asyncio.wait_for(queue.teardown(), 30)


async def post(live: LiveOcean, payload: Any) -> httpx.Response:
    return await live.http.post(ROUTE, params={"token": SECRET}, json=payload)


async def test_one_404_then_the_object_again_deletes_nothing_and_upserts_it(
    statuspage: respx.MockRouter, start_live: LiveFactory, docs_samples: dict[str, Any]
) -> None:
    statuspage.get(PAGE_URL).respond(json=docs_samples["payloads"]["page"])
    fetch = statuspage.get(COMPONENT_URL).mock(
        side_effect=[
            NOT_FOUND,
            httpx.Response(200, json=component(docs_samples, "major_outage")),
        ]
    )

    async with start_live(port_entities=in_port_component()) as live:
        await live.deliver(component_event(docs_samples, "major_outage"))

    assert fetch.call_count == 2
    assert live.deleted == []
    [upserted] = [e for e in live.upserted if e["blueprint"] == "statuspageComponent"]
    assert upserted["properties"]["status"] == "major_outage"


async def test_404s_while_the_page_cannot_be_read_delete_nothing(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
    log_lines: list[str],
) -> None:
    statuspage.get(PAGE_URL).mock(return_value=NOT_FOUND)
    statuspage.get(COMPONENT_URL).mock(return_value=NOT_FOUND)

    async with start_live(
        mapping=only_kinds(shipped_mapping, "component"),
        port_entities=in_port_component(),
    ) as live:
        await live.deliver(component_event(docs_samples, "operational"))

    assert live.deleted == []
    assert live.upserted == []
    assert any(
        "answered 404 but its page could not be read" in line
        and "left as they are until the next resync" in line
        for line in log_lines
    )


async def test_an_incident_whose_read_is_refused_is_left_to_the_next_resync(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
    log_lines: list[str],
) -> None:
    statuspage.get(INCIDENT_URL).respond(403, json={"error": "not yours"})
    incident = docs_samples["payloads"]["incident"]
    in_port = [{"identifier": INCIDENT, "blueprint": "statuspageIncident"}]

    async with start_live(
        mapping=only_kinds(shipped_mapping, "incident", "incident_update"),
        port_entities=in_port,
    ) as live:
        await live.deliver(incident_notification(incident, page_summary(PAGE)))

    assert live.deleted == []
    assert live.upserted == []
    assert any("it could not be read" in line for line in log_lines)


async def test_a_flood_about_one_component_is_answered_by_one_or_two_reads(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    async def slow_component(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.2)
        return httpx.Response(200, json=component(docs_samples, "partial_outage"))

    fetch = statuspage.get(COMPONENT_URL).mock(side_effect=slow_component)

    async with start_live(mapping=only_kinds(shipped_mapping, "component")) as live:
        answers = await asyncio.gather(
            *(
                post(live, component_event(docs_samples, "partial_outage"))
                for _ in range(200)
            )
        )
        await drained(live)

    statuses = [answer.json()["status"] for answer in answers]
    assert all(answer.status_code == 200 for answer in answers)
    assert statuses.count("coalesced") >= 198
    assert 1 <= fetch.call_count <= 2
    assert {e["identifier"] for e in live.upserted} == {COMPONENT}


async def test_a_delivery_after_the_read_began_is_read_again(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    # Coalescing must not swallow a change made after the pending read started.
    fetch = statuspage.get(COMPONENT_URL).mock(
        side_effect=[
            httpx.Response(200, json=component(docs_samples, "major_outage")),
            httpx.Response(200, json=component(docs_samples, "operational")),
        ]
    )

    async with start_live(mapping=only_kinds(shipped_mapping, "component")) as live:
        await live.deliver(component_event(docs_samples, "major_outage"))
        await live.deliver(component_event(docs_samples, "operational"))

    assert fetch.call_count == 2
    assert live.upserted[-1]["properties"]["status"] == "operational"


async def test_a_full_pending_set_drops_new_objects_with_a_warning(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
    log_lines: list[str],
) -> None:
    stalled = asyncio.Event()

    async def stalled_component(request: httpx.Request) -> httpx.Response:
        await stalled.wait()
        found = component(docs_samples, "operational")
        return httpx.Response(
            200, json={**found, "id": request.url.path.split("/")[-1]}
        )

    statuspage.get(url__regex=rf"{PAGE_URL}/components/.*").mock(
        side_effect=stalled_component
    )
    events = []
    for n in range(3):
        event = component_event(docs_samples, "operational")
        event["component"]["id"] = f"component{n}"
        events.append(event)

    async with start_live(mapping=only_kinds(shipped_mapping, "component")) as live:
        # The bound is the runtime's to set; a small one keeps the test small.
        current_runtime().live_events.pending = PendingTriggers(limit=2)
        answers = [await post(live, event) for event in events]
        stalled.set()
        await drained(live)

    assert [a.json()["status"] for a in answers] == ["ok", "ok", "coalesced"]
    assert any(
        "dropped the Statuspage component component2 event" in line
        and "The next resync brings the change" in line
        for line in log_lines
    )
    assert {e["identifier"] for e in live.upserted} == {"component0", "component1"}


async def test_large_deliveries_are_queued_as_small_triggers(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    stalled = asyncio.Event()

    async def stalled_incident(request: httpx.Request) -> httpx.Response:
        await stalled.wait()
        found = docs_samples["payloads"]["incident"]
        return httpx.Response(
            200, json={**found, "id": request.url.path.split("/")[-1]}
        )

    statuspage.get(url__regex=rf"{PAGE_URL}/incidents/.*").mock(
        side_effect=stalled_incident
    )
    statuspage.get(PAGE_URL).respond(json=docs_samples["payloads"]["page"])
    incident = copy.deepcopy(docs_samples["payloads"]["incident"])
    incident["postmortem_body"] = "x" * 950_000

    async with start_live(
        mapping=only_kinds(shipped_mapping, "incident", "incident_update")
    ) as live:
        for n in range(150):
            incident["id"] = f"incident{n:03d}"
            answer = await post(
                live, incident_notification(incident, page_summary(PAGE))
            )
            assert answer.status_code == 200
        queue = ocean.app.webhook_manager._event_queues[WEBHOOK_PATH]
        queued = list(queue._queue._queue)  # type: ignore[attr-defined]
        stalled.set()

    # 150 deliveries of 0.95 MB each, all waiting behind a stalled read: each is queued as
    # its trigger, a few hundred bytes. (The end-to-end tests measure the process's memory.)
    assert len(queued) == 149
    assert all(len(json.dumps(event.payload)) < 1_000 for event in queued)


async def test_after_a_resync_a_component_event_costs_one_request(
    emulate: Emulate, start_live: LiveFactory
) -> None:
    served = emulate(incidents=1, components=3)
    served.set_component_status(PAGE, COMPONENT, "major_outage")

    async with start_live(statuspage_host=served.base_url) as live:
        await live.harness.trigger_resync()
        before = len(sent(live.harness))
        await live.deliver(served.component_webhook_payload(PAGE, COMPONENT))

    assert [r.url.path for r in sent(live.harness)[before:]] == [
        f"/v1/pages/{PAGE}/components/{COMPONENT}"
    ]
    assert by_blueprint(live.upserted)["statuspage"][-1] == PAGE


async def test_a_webhook_during_a_resync_lands_and_deletes_nothing(
    emulate: Emulate, start_live: LiveFactory
) -> None:
    served = emulate(incidents=120, components=30)
    [page] = pages_of(served)
    member = next(c["id"] for c in page.components.values() if not c["group"])
    read = f"/v1/pages/{PAGE}/components/{member}"

    async with start_live(
        statuspage_host=served.base_url, port_entities=in_port(served)
    ) as live:
        resync = asyncio.create_task(live.harness.trigger_resync())
        served.set_component_status(PAGE, member, "major_outage")
        await live.deliver(served.component_webhook_payload(PAGE, member))
        result = await resync

    assert result.errors == []
    assert live.deleted == []
    assert read in [r.url.path for r in sent(live.harness)]
    statuses = [
        e["properties"]["status"] for e in live.upserted if e["identifier"] == member
    ]
    assert "major_outage" in statuses
