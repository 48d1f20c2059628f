"""OnlineOrNot's webhooks on their own route: refused without OnlineOrNot's token, read as an
incident trigger, the incident upserted as the API has it, and deleted only when the API
confirms it gone."""

from typing import Any

import respx

from tests.support import ONLINEORNOT_HOST, FakeOnlineOrNot, onlineornot_error
from tests.webhook_processors.conftest import LiveFactory
from tests.webhook_processors.support import SECRET, by_blueprint
from vendors.onlineornot import OnlineOrNotVendor

PATH = OnlineOrNotVendor.webhook_path or ""
OON_KEY = "oon-token-of-the-live-event-tests"
PAGE = "a1b2c3d4"
INCIDENT = f"{PAGE}-i0"
DETAIL = f"{ONLINEORNOT_HOST}/v1/status_pages/{PAGE}/incidents/{INCIDENT}"


def event(
    kind: str = "status_page.incident.updated",
    page_id: str = PAGE,
    incident_id: str = INCIDENT,
) -> dict[str, Any]:
    """A delivery as OnlineOrNot's webhook reference shows it (api_version 2025-01-27)."""
    return {
        "api_version": "2025-01-27",
        "type": kind,
        "data": {
            "object": {
                "object": "status_page",
                "id": page_id,
                "name": "My Example SaaS",
                "subdomain": "status",
                "custom_domain": None,
                "incident": {
                    "id": incident_id,
                    "title": "An older title than the API has",
                    "impact": "major",
                    "started_at": "2026-01-01T10:00:00.000Z",
                    "url": f"https://status.example.com/incidents/{incident_id}",
                },
            }
        },
    }


def start_onlineornot(start_live: LiveFactory, **options: Any) -> Any:
    return start_live(
        onlineornot_api_key=OON_KEY, onlineornot_host=ONLINEORNOT_HOST, **options
    )


def serve(api: respx.MockRouter) -> FakeOnlineOrNot:
    account = FakeOnlineOrNot.generate(page_ids=(PAGE,), incidents=1, updates=3)
    account.serve(api)
    return account


async def test_an_incident_event_upserts_the_incident_and_its_updates_from_the_api(
    statuspage: respx.MockRouter, start_live: LiveFactory
) -> None:
    account = serve(statuspage)

    async with start_onlineornot(start_live) as live:
        response = await live.deliver(event(), webhook_path=PATH)

    assert response.status_code == 200
    assert [call.request.url for call in statuspage.calls] == [DETAIL]
    found = by_blueprint(live.upserted)
    assert found["statuspageIncident"] == [f"onlineornot-{INCIDENT}"]
    assert sorted(found["statuspageIncidentUpdate"]) == [
        f"onlineornot-{u['id']}" for u in account.incidents[PAGE][0]["updates"]
    ]
    [incident] = [e for e in live.upserted if e["blueprint"] == "statuspageIncident"]
    assert incident["title"] == f"Incident {INCIDENT}"
    assert incident["properties"]["provider"] == "onlineornot"
    assert incident["relations"]["statuspage"] == f"onlineornot-{PAGE}"
    assert live.deleted == []


async def test_an_incident_the_api_confirms_gone_is_deleted(
    statuspage: respx.MockRouter, start_live: LiveFactory
) -> None:
    # The page is there; the incident is not (any more).
    FakeOnlineOrNot.generate(page_ids=(PAGE,), incidents=0).serve(statuspage)
    in_port = [
        {"identifier": f"onlineornot-{INCIDENT}", "blueprint": "statuspageIncident"}
    ]

    async with start_onlineornot(start_live, port_entities=in_port) as live:
        await live.deliver(event("status_page.incident.resolved"), webhook_path=PATH)

    assert by_blueprint(live.deleted) == {
        "statuspageIncident": [f"onlineornot-{INCIDENT}"]
    }
    assert live.upserted == []
    # Asked twice, then the page was read to tell a gone incident from a gone page.
    paths = [call.request.url.path for call in statuspage.calls]
    assert paths == [
        f"/v1/status_pages/{PAGE}/incidents/{INCIDENT}",
        f"/v1/status_pages/{PAGE}/incidents/{INCIDENT}",
        f"/v1/status_pages/{PAGE}",
    ]


async def test_an_incident_whose_page_cannot_be_read_is_kept(
    statuspage: respx.MockRouter, start_live: LiveFactory
) -> None:
    statuspage.get(DETAIL).mock(return_value=onlineornot_error(404, "Not found"))
    statuspage.get(f"{ONLINEORNOT_HOST}/v1/status_pages/{PAGE}").mock(
        return_value=onlineornot_error(400, "Issue fetching data")
    )

    async with start_onlineornot(start_live) as live:
        await live.deliver(event(), webhook_path=PATH)

    assert live.deleted == []
    assert live.upserted == []


async def test_a_delivery_without_onlineornot_s_token_is_refused(
    statuspage: respx.MockRouter, start_live: LiveFactory, log_lines: list[str]
) -> None:
    serve(statuspage)

    async with start_onlineornot(start_live) as live:
        refused = [
            await live.deliver(event(), token=token, webhook_path=PATH)
            for token in ("forged-token-0123456789", None, SECRET.upper())
        ]

    assert [response.status_code for response in refused] == [401, 401, 401]
    assert statuspage.calls.call_count == 0
    assert live.upserted == []
    assert any("Refused a OnlineOrNot webhook" in line for line in log_lines)
    assert not any(SECRET in line or OON_KEY in line for line in log_lines)


async def test_without_a_secret_each_vendor_has_its_own_derived_token(
    statuspage: respx.MockRouter, start_live: LiveFactory, api_key: str
) -> None:
    from runtime import current_runtime

    serve(statuspage)

    async with start_onlineornot(start_live, webhook_secret=None) as live:
        runtime = current_runtime()
        statuspage_route, onlineornot_route = runtime.live_events.routes.values()
        statuspage_token = statuspage_route.token
        onlineornot_token = onlineornot_route.token
        crossed = await live.deliver(event(), token=statuspage_token, webhook_path=PATH)
        accepted = await live.deliver(
            event(), token=onlineornot_token, webhook_path=PATH
        )

    assert statuspage_token != onlineornot_token
    assert OON_KEY not in onlineornot_token
    assert api_key not in statuspage_token
    assert (crossed.status_code, accepted.status_code) == (401, 200)
    assert "statuspageIncident" in by_blueprint(live.upserted)


async def test_deliveries_that_are_no_status_page_incident_event_are_ignored(
    statuspage: respx.MockRouter, start_live: LiveFactory, log_lines: list[str]
) -> None:
    serve(statuspage)
    uptime = {"event": "uptime.down", "trigger": "x", "name": "API", "url": "y"}
    unsafe_id = event(incident_id="../../webhooks")

    async with start_onlineornot(start_live) as live:
        answers = [
            await live.deliver(payload, webhook_path=PATH)
            for payload in (uptime, unsafe_id, event(kind="status_page.deleted"))
        ]

    assert [a.json()["status"] for a in answers] == ["ignored"] * 3
    assert statuspage.calls.call_count == 0
    assert live.upserted == []
    assert any("not an OnlineOrNot id" in line for line in log_lines)


async def test_an_event_of_a_page_outside_the_selected_ones_is_ignored(
    statuspage: respx.MockRouter, start_live: LiveFactory, log_lines: list[str]
) -> None:
    serve(statuspage)

    async with start_onlineornot(
        start_live, onlineornot_status_page_ids="e5f6g7h8"
    ) as live:
        await live.deliver(event(), webhook_path=PATH)

    assert statuspage.calls.call_count == 0
    assert live.upserted == []
    assert any("onlineornotStatusPageIds" in line for line in log_lines)
