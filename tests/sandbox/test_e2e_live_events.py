"""End to end, live events: the real `ocean sail` (POLLING listener, OCEAN__BASE_URL set, no
webhookSecret so each vendor's token is derived) against the emulator, read as Statuspage and
as OnlineOrNot, and the Port stand-in.

At start the integration subscribes itself to every page of the emulator, as a Statuspage
subscriber per page and as one OnlineOrNot webhook; a change the emulator then announces by
webhook reaches Port within seconds; a forged webhook changes nothing; no token appears in
Ocean's output. One Ocean serves the module's tests, in file order.
"""

import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sandbox.ocean_process import Sandbox, ocean_environment, running, wait_until
from sandbox.port.server import PortStub
from sandbox.run_ocean import free_loopback_port
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DEFAULT_ONLINEORNOT_API_KEY,
    DataConfig,
    EmulatorConfig,
)
from sandbox.statuspage.model import ComponentStatus
from sandbox.statuspage.server import StatuspageEmulator

SAMPLE_PAGE = "8m2l51279rpl"
EMAIL = "statuspage-alerts@example.com"
LIVE_EVENT_DEADLINE_SECONDS = 10.0
START_DEADLINE_SECONDS = 90.0


@dataclass(frozen=True)
class LiveSandbox:
    statuspage: StatuspageEmulator
    port: PortStub
    ocean_url: str
    log_path: Path

    @property
    def route(self) -> str:
        return f"{self.ocean_url}/integration/webhook"

    def our_subscribers(self, page_id: str) -> list[tuple[str, str]]:
        return [
            (sid, url)
            for sid, url in self.statuspage.webhook_subscribers(page_id)
            if url.startswith(f"{self.route}?")
        ]

    def token(self) -> str:
        [(_, url)] = self.our_subscribers(SAMPLE_PAGE)
        [token] = parse_qs(urlsplit(url).query)["token"]
        return token

    def our_onlineornot_webhooks(self) -> list[dict[str, Any]]:
        route = f"{self.ocean_url}/integration/webhook/onlineornot?"
        return [
            webhook
            for webhook in self.statuspage.onlineornot_webhooks()
            if webhook["url"].startswith(route)
        ]

    def entity(self, blueprint: str, identifier: str) -> dict[str, Any] | None:
        matches = [
            e for e in self.port.entities(blueprint) if e["identifier"] == identifier
        ]
        return matches[0] if matches else None

    def ocean_output(self) -> str:
        return self.log_path.read_text()


def emulator() -> StatuspageEmulator:
    sizes = DataConfig(pages=2, groups=2, components=6, incidents=4, updates=2)
    return StatuspageEmulator(EmulatorConfig(data=sizes))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSandbox]:
    with emulator() as statuspage, PortStub() as port:
        sandbox = Sandbox(
            statuspage.base_url,
            port.base_url,
            DEFAULT_API_KEY,
            onlineornot_api_key=DEFAULT_ONLINEORNOT_API_KEY,
        )
        application_port = str(free_loopback_port())
        ocean_url = f"http://127.0.0.1:{application_port}"
        environment = ocean_environment(
            sandbox,
            listener={"type": "POLLING"},
            config={"WEBHOOK_SUBSCRIBER_EMAIL": EMAIL},
            extra={"APPLICATION__PORT": application_port, "OCEAN__BASE_URL": ocean_url},
        )
        log_path = tmp_path_factory.mktemp("ocean") / "ocean.log"
        with running(environment, log_path, START_DEADLINE_SECONDS) as ocean:
            assert ocean.url == ocean_url
            live = LiveSandbox(statuspage, port, ocean_url, log_path)
            with statuspage.reading() as state:
                pages = list(state.pages)
            assert wait_until(
                lambda: all(live.our_subscribers(p) for p in pages)
                and bool(live.our_onlineornot_webhooks())
                and _resync_finished(port, sandbox.identifier),
                START_DEADLINE_SECONDS,
            ), live.ocean_output()[-3000:]
            yield live


def _resync_finished(port: PortStub, identifier: str) -> bool:
    states = port.resync_states(identifier)
    return bool(states) and states[-1].get("status") == "completed"


def member_components(live: LiveSandbox) -> list[dict[str, Any]]:
    with live.statuspage.reading() as state:
        components = state.pages[SAMPLE_PAGE].components.values()
        return [dict(c) for c in components if not c["group"]]


def test_each_page_has_one_subscriber_of_ours_and_the_others_keep_theirs(
    live: LiveSandbox,
) -> None:
    with live.statuspage.reading() as state:
        pages = list(state.pages.values())
    for page in pages:
        webhooks = live.statuspage.webhook_subscribers(page.page_id)
        assert len(live.our_subscribers(page.page_id)) == 1
        # The emulator seeds one foreign webhook subscriber per page; it must stay.
        assert any(url.startswith("https://hooks.example.com/") for _, url in webhooks)
    token = live.token()
    assert len(token) >= 32
    assert DEFAULT_API_KEY not in token


def test_a_component_status_change_reaches_port_within_10_seconds(
    live: LiveSandbox,
) -> None:
    component = member_components(live)[0]
    new_status: ComponentStatus = (
        "major_outage" if component["status"] != "major_outage" else "operational"
    )
    before = live.entity("statuspageComponent", component["id"])
    assert before is not None
    assert before["properties"]["status"] == component["status"]

    live.statuspage.set_component_status(SAMPLE_PAGE, component["id"], new_status)
    sent = time.monotonic()
    deliveries = live.statuspage.broadcast_component(SAMPLE_PAGE, component["id"])

    assert [d.status_code for d in deliveries if d.url.startswith(live.route)] == [200]

    indicator, description = live.statuspage.page_status(SAMPLE_PAGE)

    def updated() -> bool:
        component_entity = live.entity("statuspageComponent", component["id"])
        page = live.entity("statuspage", SAMPLE_PAGE)
        return (
            component_entity is not None
            and component_entity["properties"]["status"] == new_status
            and page is not None
            and page["properties"]["status_indicator"] == indicator
            and page["properties"]["status_description"] == description
        )

    # The component and its page's new overall status, which the page API does not return.
    assert wait_until(updated, LIVE_EVENT_DEADLINE_SECONDS), live.ocean_output()[-3000:]
    assert time.monotonic() - sent < LIVE_EVENT_DEADLINE_SECONDS


def test_an_incident_update_lands_and_a_removed_incident_leaves(
    live: LiveSandbox,
) -> None:
    component_id = member_components(live)[1]["id"]
    incident = live.statuspage.add_incident(
        SAMPLE_PAGE, name="Live event test", component_ids=(component_id,)
    )
    updated = live.statuspage.add_incident_update(
        SAMPLE_PAGE, incident["id"], "identified", "Found it"
    )
    live.statuspage.broadcast_incident(SAMPLE_PAGE, incident["id"])
    update_ids = {u["id"] for u in updated["incident_updates"]}

    def landed() -> bool:
        entity = live.entity("statuspageIncident", incident["id"])
        updates = live.port.entity_identifiers("statuspageIncidentUpdate")
        return (
            entity is not None
            and entity["properties"]["status"] == "identified"
            and update_ids <= updates
        )

    assert wait_until(landed, LIVE_EVENT_DEADLINE_SECONDS), live.ocean_output()[-3000:]

    [(_, url)] = live.our_subscribers(SAMPLE_PAGE)
    last_known = live.statuspage.incident_webhook_payload(SAMPLE_PAGE, incident["id"])
    live.statuspage.remove_incident(SAMPLE_PAGE, incident["id"])
    live.statuspage.send_webhook(url, last_known)

    def gone() -> bool:
        updates = live.port.entity_identifiers("statuspageIncidentUpdate")
        return live.entity("statuspageIncident", incident["id"]) is None and not (
            update_ids & updates
        )

    assert wait_until(gone, LIVE_EVENT_DEADLINE_SECONDS), live.ocean_output()[-3000:]


def test_a_forged_webhook_changes_nothing(live: LiveSandbox) -> None:
    component = member_components(live)[2]
    in_port = live.entity("statuspageComponent", component["id"])
    assert in_port is not None
    output_before = live.ocean_output()
    new_status: ComponentStatus = (
        "partial_outage" if component["status"] != "partial_outage" else "operational"
    )
    # Statuspage really has the new status: a webhook that got through would upsert it.
    live.statuspage.set_component_status(SAMPLE_PAGE, component["id"], new_status)
    payload = live.statuspage.component_webhook_payload(SAMPLE_PAGE, component["id"])
    fetched_before = _component_fetches(live, component["id"])

    for token in ("forged-token-value", live.token().upper(), None):
        params = {"token": token} if token else {}
        response = httpx.post(live.route, params=params, json=payload, timeout=10)
        assert response.status_code == 401

    def refused(reason: str) -> int:
        return live.ocean_output().count(reason) - output_before.count(reason)

    assert wait_until(
        lambda: refused("it carries no token") > 0, LIVE_EVENT_DEADLINE_SECONDS
    ), live.ocean_output()[-3000:]
    assert refused("its token is wrong") > 0
    assert live.entity("statuspageComponent", component["id"]) == in_port
    assert _component_fetches(live, component["id"]) == fetched_before


def test_a_webhook_about_an_object_port_never_held_costs_no_port_call(
    live: LiveSandbox,
) -> None:
    """Fault matrix: an incident created and deleted upstream between two resyncs."""
    incident = live.statuspage.add_incident(SAMPLE_PAGE, name="Gone before any sync")
    payload = live.statuspage.incident_webhook_payload(SAMPLE_PAGE, incident["id"])
    live.statuspage.remove_incident(SAMPLE_PAGE, incident["id"])
    # About the incident alone: a delivery carrying the page's status updates the page.
    payload["page"] = {"id": SAMPLE_PAGE}
    [(_, url)] = live.our_subscribers(SAMPLE_PAGE)
    port_calls_before = len(live.port.requests())

    live.statuspage.send_webhook(url, payload)

    assert wait_until(
        lambda: f"incident {incident['id']} of page {SAMPLE_PAGE} is gone, and this app "
        "never synced it" in live.ocean_output(),
        LIVE_EVENT_DEADLINE_SECONDS,
    ), live.ocean_output()[-3000:]
    # Whatever else Ocean asks Port meanwhile (its listener polls it), nothing about entities.
    entity_calls = [
        f"{r['method']} {r['path']}"
        for r in live.port.requests()[port_calls_before:]
        if "entities" in r["path"] or "statuspageIncident" in r["path"]
    ]
    assert entity_calls == []


def test_a_webhook_about_a_page_not_synced_costs_no_vendor_read(
    live: LiveSandbox,
) -> None:
    """Fault matrix: no page ids are set, and the delivery names a page the account lacks."""
    with live.statuspage.reading() as state:
        incident_id = next(iter(state.page(SAMPLE_PAGE).incidents))
    payload = live.statuspage.incident_webhook_payload(SAMPLE_PAGE, incident_id)
    payload["page"] = {**payload["page"], "id": "nosuchpage01"}
    [(_, url)] = live.our_subscribers(SAMPLE_PAGE)
    vendor_reads_before = len(live.statuspage.log)

    live.statuspage.send_webhook(url, payload)

    assert wait_until(
        lambda: "webhook of page nosuchpage01: the page is not among those Statuspage "
        "listed" in live.ocean_output(),
        LIVE_EVENT_DEADLINE_SECONDS,
    ), live.ocean_output()[-3000:]
    asked = [e.path for e in live.statuspage.log[vendor_reads_before:]]
    assert [path for path in asked if "nosuchpage01" in path] == []


def test_a_flood_about_one_component_costs_a_few_reads(live: LiveSandbox) -> None:
    component = member_components(live)[4]
    new_status: ComponentStatus = (
        "degraded_performance"
        if component["status"] != "degraded_performance"
        else "operational"
    )
    live.statuspage.set_component_status(SAMPLE_PAGE, component["id"], new_status)
    payload = live.statuspage.component_webhook_payload(SAMPLE_PAGE, component["id"])
    [(_, url)] = live.our_subscribers(SAMPLE_PAGE)
    fetched_before = _component_fetches(live, component["id"])

    flood_started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda _: httpx.post(url, json=payload, timeout=10), range(200))
        )
    flood_seconds = time.monotonic() - flood_started

    assert [a.status_code for a in answers] == [200] * 200
    assert wait_until(
        lambda: (live.entity("statuspageComponent", component["id"]) or {})
        .get("properties", {})
        .get("status")
        == new_status,
        LIVE_EVENT_DEADLINE_SECONDS,
    ), live.ocean_output()[-3000:]
    # Each delivery is answered by a read pending when it came, or by the next one, and an
    # object is read at most once a second: reads follow the flood's length in seconds, not
    # its size (the unbounded queue before made 28 reads of 200 deliveries; this makes ~6 on
    # an idle machine, where the flood lasts about 5 s).
    reads = _component_fetches(live, component["id"]) - fetched_before
    assert 1 <= reads <= math.ceil(flood_seconds) + 2, (reads, flood_seconds)
    assert reads < 28


def _component_fetches(live: LiveSandbox, component_id: str) -> int:
    path = f"/v1/pages/{SAMPLE_PAGE}/components/{component_id}"
    return sum(1 for entry in live.statuspage.log if entry.path == path)


def test_one_onlineornot_webhook_of_ours_covers_every_page_with_its_own_token(
    live: LiveSandbox,
) -> None:
    [webhook] = live.our_onlineornot_webhooks()
    with live.statuspage.reading() as state:
        pages = set(state.pages)
    [token] = parse_qs(urlsplit(webhook["url"]).query)["token"]

    assert {page["id"] for page in webhook["status_pages"]} == pages
    assert len(webhook["events"]) == 3
    assert token != live.token()
    assert DEFAULT_ONLINEORNOT_API_KEY not in token


def test_an_onlineornot_incident_event_reaches_port_within_10_seconds(
    live: LiveSandbox,
) -> None:
    incident = live.statuspage.add_incident(SAMPLE_PAGE, name="OnlineOrNot live test")
    updated = live.statuspage.add_incident_update(
        SAMPLE_PAGE, incident["id"], "monitoring", "Watching it"
    )
    identifier = f"onlineornot-{incident['id']}"
    update_ids = {f"onlineornot-{u['id']}" for u in updated["incident_updates"]}

    deliveries = live.statuspage.broadcast_onlineornot_incident(
        SAMPLE_PAGE, incident["id"], "status_page.incident.updated"
    )

    assert [d.status_code for d in deliveries] == [200]

    def landed() -> bool:
        entity = live.entity("statuspageIncident", identifier)
        updates = live.port.entity_identifiers("statuspageIncidentUpdate")
        return (
            entity is not None
            and entity["properties"]["status"] == "monitoring"
            and entity["properties"]["provider"] == "onlineornot"
            and entity["relations"]["statuspage"] == f"onlineornot-{SAMPLE_PAGE}"
            and update_ids <= updates
        )

    assert wait_until(landed, LIVE_EVENT_DEADLINE_SECONDS), live.ocean_output()[-3000:]
    # The Statuspage side of the same incident came by no webhook: it waits for a resync.
    assert live.entity("statuspageIncident", incident["id"]) is None


def test_the_token_never_reaches_ocean_s_output(live: LiveSandbox) -> None:
    component_id = member_components(live)[3]["id"]
    masked = "/integration/webhook?token=[REDACTED]"
    printed_before = live.ocean_output().count(masked)

    live.statuspage.broadcast_component(SAMPLE_PAGE, component_id)

    # uvicorn's access log prints each delivery, with the token masked.
    assert wait_until(
        lambda: live.ocean_output().count(masked) > printed_before,
        LIVE_EVENT_DEADLINE_SECONDS,
    )
    output = live.ocean_output()
    assert live.token() not in output
    [webhook] = live.our_onlineornot_webhooks()
    assert parse_qs(urlsplit(webhook["url"]).query)["token"][0] not in output
    assert DEFAULT_API_KEY not in output
    assert DEFAULT_ONLINEORNOT_API_KEY not in output


def test_a_restart_keeps_our_subscriber_and_a_new_address_replaces_it(
    tmp_path: Path,
) -> None:
    with emulator() as statuspage, PortStub() as port:
        sandbox = Sandbox(statuspage.base_url, port.base_url, DEFAULT_API_KEY)

        def start(run: int, application_port: str) -> list[tuple[str, str]]:
            ocean_url = f"http://127.0.0.1:{application_port}"
            environment = ocean_environment(
                sandbox,
                listener={"type": "WEBHOOKS_ONLY"},
                config={"WEBHOOK_SUBSCRIBER_EMAIL": EMAIL},
                extra={
                    "APPLICATION__PORT": application_port,
                    "OCEAN__BASE_URL": ocean_url,
                },
            )
            log_path = tmp_path / f"ocean-{run}.log"
            with running(environment, log_path, START_DEADLINE_SECONDS):
                assert wait_until(
                    lambda: "Statuspage webhooks for" in log_path.read_text(),
                    START_DEADLINE_SECONDS,
                ), log_path.read_text()[-3000:]
            return [
                (sid, url)
                for sid, url in statuspage.webhook_subscribers(SAMPLE_PAGE)
                if "/integration/webhook?" in url
            ]

        first_port = str(free_loopback_port())
        first = start(1, first_port)
        again = start(2, first_port)
        moved = start(3, str(free_loopback_port()))

    assert len(first) == 1
    assert again == first
    [(moved_id, moved_url)] = moved
    assert moved_id != first[0][0]
    assert not moved_url.startswith(f"http://127.0.0.1:{first_port}/")


def test_150_deliveries_of_a_megabyte_leave_the_process_s_memory_flat(
    tmp_path: Path,
) -> None:
    with emulator() as statuspage, PortStub() as port:
        sandbox = Sandbox(statuspage.base_url, port.base_url, DEFAULT_API_KEY)
        application_port = str(free_loopback_port())
        environment = ocean_environment(
            sandbox,
            listener={"type": "WEBHOOKS_ONLY"},
            config={"WEBHOOK_SECRET": "a-secret-for-the-memory-test"},
            extra={
                "APPLICATION__PORT": application_port,
                "OCEAN__BASE_URL": f"http://127.0.0.1:{application_port}",
            },
        )
        log_path = tmp_path / "ocean.log"
        with running(environment, log_path, START_DEADLINE_SECONDS) as ocean:
            route = (
                f"{ocean.url}/integration/webhook?token=a-secret-for-the-memory-test"
            )
            payload = statuspage.incident_webhook_payload(
                SAMPLE_PAGE, _an_incident(statuspage)
            )
            payload["incident"]["postmortem_body"] = "x" * 950_000
            before = ocean.resident_bytes()
            for n in range(150):
                # Each about a different incident, so none is coalesced away.
                payload["incident"]["id"] = f"flood{n:04d}"
                assert httpx.post(route, json=payload, timeout=30).status_code == 200
            grown = ocean.resident_bytes() - before

    # Before the gate reduced deliveries to triggers, this grew by about 395 MB.
    assert grown < 50 * 1024 * 1024, f"grew by {grown / 2**20:.0f} MiB"


def _an_incident(statuspage: StatuspageEmulator) -> str:
    with statuspage.reading() as state:
        return next(iter(state.pages[SAMPLE_PAGE].incidents))
