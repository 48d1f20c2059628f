"""OnlineOrNot's webhooks on their own route: refused without OnlineOrNot's token, read as an
incident trigger, the incident upserted as the API has it, and deleted only when the API
confirms it gone."""

from contextlib import AbstractAsyncContextManager
from typing import Any

from sandbox.statuspage.server import StatuspageEmulator
from tests.conftest import Emulate
from tests.support import fail, pages_of, sent
from tests.webhook_processors.conftest import LiveFactory
from tests.webhook_processors.support import SECRET, LiveOcean, by_blueprint
from vendors.onlineornot import OnlineOrNotVendor

PATH = OnlineOrNotVendor.webhook_path or ""
OON_KEY = "oon-token-of-the-live-event-tests"


def event(
    page_id: str,
    incident_id: str,
    kind: str = "status_page.incident.updated",
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


class Served:
    """The emulator's one page, read as OnlineOrNot, and its newest incident."""

    def __init__(self, emulate: Emulate) -> None:
        self.emulator: StatuspageEmulator = emulate(OON_KEY, incidents=1, updates=3)
        [self.page] = pages_of(self.emulator)
        self.page_id = self.page.page_id
        self.incident_id = next(iter(self.page.incidents))
        self.detail = f"/v1/status_pages/{self.page_id}/incidents/{self.incident_id}"

    def event(self, kind: str = "status_page.incident.updated") -> dict[str, Any]:
        return event(self.page_id, self.incident_id, kind)

    def start(
        self, start_live: LiveFactory, **options: Any
    ) -> AbstractAsyncContextManager[LiveOcean]:
        return start_live(
            onlineornot_api_key=OON_KEY,
            onlineornot_host=self.emulator.base_url,
            **options,
        )


def paths(live: LiveOcean) -> list[str]:
    return [request.url.path for request in sent(live.harness)]


async def test_an_incident_event_upserts_the_incident_and_its_updates_from_the_api(
    emulate: Emulate, start_live: LiveFactory
) -> None:
    served = Served(emulate)
    incident_record = served.page.incidents[served.incident_id]

    async with served.start(start_live) as live:
        response = await live.deliver(served.event(), webhook_path=PATH)

    assert response.status_code == 200
    assert paths(live) == [served.detail]
    found = by_blueprint(live.upserted)
    assert found["statuspageIncident"] == [f"onlineornot-{served.incident_id}"]
    assert sorted(found["statuspageIncidentUpdate"]) == sorted(
        f"onlineornot-{u['id']}" for u in incident_record.fields["incident_updates"]
    )
    [incident] = [e for e in live.upserted if e["blueprint"] == "statuspageIncident"]
    assert incident["title"] == incident_record.fields["name"]
    assert incident["properties"]["provider"] == "onlineornot"
    assert incident["relations"]["statuspage"] == f"onlineornot-{served.page_id}"
    assert live.deleted == []


async def test_an_incident_the_api_confirms_gone_is_deleted(
    emulate: Emulate, start_live: LiveFactory
) -> None:
    served = Served(emulate)
    # The page is there; the incident is not (any more).
    served.emulator.remove_incident(served.page_id, served.incident_id)
    in_port = [
        {
            "identifier": f"onlineornot-{served.incident_id}",
            "blueprint": "statuspageIncident",
        }
    ]

    async with served.start(start_live, port_entities=in_port) as live:
        await live.deliver(
            served.event("status_page.incident.resolved"), webhook_path=PATH
        )

    assert by_blueprint(live.deleted) == {
        "statuspageIncident": [f"onlineornot-{served.incident_id}"]
    }
    assert live.upserted == []
    # Asked twice, then the page was read to tell a gone incident from a gone page.
    assert paths(live) == [
        served.detail,
        served.detail,
        f"/v1/status_pages/{served.page_id}",
    ]


async def test_an_incident_whose_page_cannot_be_read_is_kept(
    emulate: Emulate, start_live: LiveFactory
) -> None:
    served = Served(emulate)
    fail(served.emulator, served.detail, 404)
    fail(served.emulator, f"/v1/status_pages/{served.page_id}", 400)

    async with served.start(start_live) as live:
        await live.deliver(served.event(), webhook_path=PATH)

    assert live.deleted == []
    assert live.upserted == []


async def test_a_delivery_without_onlineornot_s_token_is_refused(
    emulate: Emulate, start_live: LiveFactory, log_lines: list[str]
) -> None:
    served = Served(emulate)

    async with served.start(start_live) as live:
        refused = [
            await live.deliver(served.event(), token=token, webhook_path=PATH)
            for token in ("forged-token-0123456789", None, SECRET.upper())
        ]

    assert [response.status_code for response in refused] == [401, 401, 401]
    assert paths(live) == []
    assert live.upserted == []
    assert any("Refused a OnlineOrNot webhook" in line for line in log_lines)
    assert not any(SECRET in line or OON_KEY in line for line in log_lines)


async def test_without_a_secret_each_vendor_has_its_own_derived_token(
    emulate: Emulate, start_live: LiveFactory, api_key: str
) -> None:
    from runtime import current_runtime

    served = Served(emulate)

    async with served.start(start_live, webhook_secret=None) as live:
        runtime = current_runtime()
        statuspage_route, onlineornot_route = runtime.live_events.routes.values()
        statuspage_token = statuspage_route.token
        onlineornot_token = onlineornot_route.token
        crossed = await live.deliver(
            served.event(), token=statuspage_token, webhook_path=PATH
        )
        accepted = await live.deliver(
            served.event(), token=onlineornot_token, webhook_path=PATH
        )

    assert statuspage_token != onlineornot_token
    assert OON_KEY not in onlineornot_token
    assert api_key not in statuspage_token
    assert (crossed.status_code, accepted.status_code) == (401, 200)
    assert "statuspageIncident" in by_blueprint(live.upserted)


async def test_deliveries_that_are_no_status_page_incident_event_are_ignored(
    emulate: Emulate, start_live: LiveFactory, log_lines: list[str]
) -> None:
    served = Served(emulate)
    uptime = {"event": "uptime.down", "trigger": "x", "name": "API", "url": "y"}
    unsafe_id = event(served.page_id, "../../webhooks")
    not_an_incident = served.event(kind="status_page.deleted")

    async with served.start(start_live) as live:
        answers = [
            await live.deliver(payload, webhook_path=PATH)
            for payload in (uptime, unsafe_id, not_an_incident)
        ]

    assert [a.json()["status"] for a in answers] == ["ignored"] * 3
    assert paths(live) == []
    assert live.upserted == []
    assert any("not an OnlineOrNot id" in line for line in log_lines)


async def test_an_event_of_a_page_outside_the_selected_ones_is_ignored(
    emulate: Emulate, start_live: LiveFactory, log_lines: list[str]
) -> None:
    served = Served(emulate)

    async with served.start(start_live, onlineornot_status_page_ids="e5f6g7h8") as live:
        await live.deliver(served.event(), webhook_path=PATH)

    assert paths(live) == []
    assert live.upserted == []
    assert any("onlineornotStatusPageIds" in line for line in log_lines)
