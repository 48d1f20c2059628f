"""Each action through Ocean's real ExecutionManager, in this process, against the Port stand-in
and the emulator: a run started with Port's own route (its inputs rendered by the definition the
integration keeps in Port) is claimed, acked, written at the vendor, upserted into Port through
the shipped mapping and reported SUCCESS with a link; a vendor refusal, an identifier not in
the catalog, another vendor's component, a bad input and PingPong end FAILURE with a message
that says why and writes nothing; a run Port hands out twice writes once.

The catalog is filled first by a real resync of the emulator, read as Statuspage, OnlineOrNot,
PingPong and incident.io at once.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from port_ocean.context.ocean import ocean

from actions import EXECUTORS
from actions.definitions import keep_definitions
from sandbox.expected import pingpong_page_id
from sandbox.port.server import PortStub
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DEFAULT_INCIDENTIO_API_KEY,
    DEFAULT_ONLINEORNOT_API_KEY,
    DEFAULT_PINGPONG_API_KEY,
    DataConfig,
    EmulatorConfig,
)
from sandbox.statuspage.server import StatuspageEmulator
from tests.actions.support import (
    IDENTIFIER,
    actions_app,
    member_components,
    stop_actions_app,
)
from tests.webhook_processors.support import captured_logs

pytestmark = pytest.mark.asyncio(loop_scope="module")

PAGE = "8m2l51279rpl"
RUN_DEADLINE_SECONDS = 30.0


@dataclass
class Acting:
    vendor: StatuspageEmulator
    port: PortStub

    async def run(self, action: str, **inputs: Any) -> dict[str, Any]:
        """Starts a run of the action from Port and waits until it is reported."""
        run_id = self.port.execute_action(f"{IDENTIFIER}_{action}", inputs)
        return await self.finished(run_id)

    async def declare(self, name: str, page: str = PAGE, **more: Any) -> dict[str, Any]:
        """A declaration, with the inputs a test does not care about filled in."""
        inputs = {"page": page, "name": name, "status": "identified", "body": "b"}
        return await self.run("create_incident", **{**inputs, **more})

    async def schedule(
        self, name: str, page: str = PAGE, **more: Any
    ) -> dict[str, Any]:
        """A maintenance, with the inputs a test does not care about filled in."""
        inputs = {
            "page": page,
            "name": name,
            "body": "b",
            "scheduled_for": "2031-01-01T00:00:00Z",
            "scheduled_until": "2031-01-01T01:00:00Z",
        }
        return await self.run("schedule_maintenance", **{**inputs, **more})

    async def finished(self, run_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + RUN_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            run = self.port.action_run(run_id)
            if run["status"] in ("SUCCESS", "FAILURE"):
                return run
            await asyncio.sleep(0.1)
        raise AssertionError(
            f"run {run_id} was not reported: {self.port.action_run(run_id)}"
        )

    def entity(self, blueprint: str, identifier: str) -> dict[str, Any]:
        [entity] = [
            e for e in self.port.entities(blueprint) if e["identifier"] == identifier
        ]
        return entity

    def writes(self) -> list[str]:
        return [f"{e.method} {e.route}" for e in self.vendor.log if e.method != "GET"]

    def incidents_named(self, name: str) -> list[dict[str, Any]]:
        with self.vendor.reading() as state:
            return [
                page.render_incident(incident_id)
                for page in state.pages.values()
                for incident_id, record in page.incidents.items()
                if record.fields["name"] == name
            ]


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[StatuspageEmulator, PortStub]]:
    sizes = DataConfig(pages=2, groups=2, components=6, incidents=3, updates=2)
    with StatuspageEmulator(EmulatorConfig(data=sizes)) as vendor, PortStub() as port:
        yield vendor, port


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def acting(
    servers: tuple[StatuspageEmulator, PortStub],
) -> AsyncIterator[Acting]:
    vendor, port = servers
    config = {
        "statuspage_api_key": DEFAULT_API_KEY,
        "statuspage_host": vendor.base_url,
        "onlineornot_api_key": DEFAULT_ONLINEORNOT_API_KEY,
        "onlineornot_host": vendor.base_url,
        "pingpong_api_key": DEFAULT_PINGPONG_API_KEY,
        "pingpong_host": vendor.base_url,
        "incidentio_api_key": DEFAULT_INCIDENTIO_API_KEY,
        "incidentio_host": vendor.base_url,
    }
    app = await actions_app(port.base_url, config)
    try:
        assert await app.integration.sync_raw_all(trigger_type="machine")
        await keep_definitions(ocean.port_client, IDENTIFIER, EXECUTORS)
        await app.execution_manager.start_processing_action_runs()
        yield Acting(vendor, port)
    finally:
        await stop_actions_app(app)


@pytest.fixture(autouse=True)
def fresh_observations(acting: Acting) -> None:
    acting.vendor.reset_observations()
    acting.vendor.clear_faults()


async def test_the_integration_keeps_one_definition_per_action_in_port(
    acting: Acting,
) -> None:
    definitions = {d["identifier"]: d for d in acting.port.action_definitions()}

    assert sorted(definitions) == sorted(
        f"{IDENTIFIER}_{executor.ACTION_NAME}" for executor in EXECUTORS
    )
    for executor in EXECUTORS:
        definition = definitions[f"{IDENTIFIER}_{executor.ACTION_NAME}"]
        invocation = definition["invocationMethod"]
        inputs = definition["trigger"]["userInputs"]["properties"]
        assert invocation["installationId"] == IDENTIFIER
        assert invocation["integrationActionType"] == executor.ACTION_NAME
        assert set(invocation["integrationActionExecutionProperties"]) == set(inputs)

    await keep_definitions(ocean.port_client, IDENTIFIER, EXECUTORS)
    assert acting.port.action_definitions() == list(definitions.values())


async def test_an_incident_is_declared_updated_and_resolved_and_port_follows_at_once(
    acting: Acting,
) -> None:
    first, second = member_components(acting.vendor, PAGE)[:2]

    started = time.monotonic()
    declared = await acting.run(
        "create_incident",
        page=PAGE,
        name="Payments failing",
        status="investigating",
        body="Card payments fail for some customers.",
        impact="major",
        components={first: "partial_outage"},
        notify=False,
    )
    in_port_after = time.monotonic() - started
    [incident] = acting.incidents_named("Payments failing")
    assert declared["status"] == "SUCCESS", declared["logs"]
    assert declared["link"] == [incident["shortlink"]]
    assert incident["impact_override"] == "major"
    assert acting.entity("statuspageIncident", incident["id"])["properties"][
        "status"
    ] == ("investigating")
    assert acting.entity("statuspageComponent", first)["properties"]["status"] == (
        "partial_outage"
    )
    assert in_port_after < 10

    updated = await acting.run(
        "update_incident",
        incident=incident["id"],
        status="identified",
        body="A certificate expired.",
        components={second: "degraded_performance"},
    )
    resolved = await acting.run(
        "resolve_incident", incident=incident["id"], body="Renewed; all good."
    )

    assert updated["status"] == "SUCCESS", updated["logs"]
    assert resolved["status"] == "SUCCESS", resolved["logs"]
    entity = acting.entity("statuspageIncident", incident["id"])
    assert entity["properties"]["status"] == "resolved"
    assert set(entity["relations"]["components"]) == {first, second}
    updates = [
        e
        for e in acting.port.entities("statuspageIncidentUpdate")
        if e["relations"]["incident"] == incident["id"]
    ]
    assert {u["properties"]["body"] for u in updates} == {
        "Card payments fail for some customers.",
        "A certificate expired.",
        "Renewed; all good.",
    }


async def test_a_component_s_status_is_set_at_the_vendor_and_in_port(
    acting: Acting,
) -> None:
    component = member_components(acting.vendor, PAGE)[2]

    run = await acting.run(
        "set_component_status", component=component, status="major_outage"
    )

    assert run["status"] == "SUCCESS", run["logs"]
    assert acting.writes() == ["PATCH /v1/pages/{page_id}/components/{component_id}"]
    with acting.vendor.reading() as state:
        assert state.pages[PAGE].components[component]["status"] == "major_outage"
    entity = acting.entity("statuspageComponent", component)
    assert entity["properties"]["status"] == "major_outage"


async def test_a_maintenance_is_scheduled_with_its_window_and_components(
    acting: Acting,
) -> None:
    component = member_components(acting.vendor, PAGE)[3]

    run = await acting.run(
        "schedule_maintenance",
        page=PAGE,
        name="Database upgrade",
        body="Postgres 16.",
        scheduled_for="2031-05-01T02:00:00Z",
        scheduled_until="2031-05-01T04:00:00Z",
        components=[component],
    )

    assert run["status"] == "SUCCESS", run["logs"]
    [maintenance] = acting.incidents_named("Database upgrade")
    assert maintenance["status"] == "scheduled"
    entity = acting.entity("statuspageIncident", maintenance["id"])
    assert entity["properties"]["scheduled_for"] == "2031-05-01T02:00:00Z"
    assert entity["relations"]["components"] == [component]


async def test_onlineornot_acts_too_in_its_own_dialect(acting: Acting) -> None:
    page = f"onlineornot-{PAGE}"
    component = f"onlineornot-{member_components(acting.vendor, PAGE)[4]}"

    declared = await acting.run(
        "create_incident",
        page=page,
        name="Search slow",
        status="investigating",
        body="Searches time out.",
        components={component: "degraded_performance"},
    )

    assert declared["status"] == "SUCCESS", declared["logs"]
    [incident] = acting.incidents_named("Search slow")
    identifier = f"onlineornot-{incident['id']}"
    assert declared["link"][0].endswith(f"/incidents/{incident['id']}")
    assert acting.entity("statuspageIncident", identifier)["properties"][
        "provider"
    ] == ("onlineornot")
    assert acting.writes() == ["POST /v1/status_pages/{page_id}/incidents"]


async def test_incident_io_declares_updates_and_resolves_and_its_components_follow(
    acting: Acting,
) -> None:
    page = f"incidentio-{PAGE}"
    raw_component = member_components(acting.vendor, PAGE)[-1]
    component = f"{page}-{raw_component}"
    before = acting.entity("statuspageComponent", component)["properties"]["status"]

    declared = await acting.run(
        "create_incident",
        page=page,
        name="Login down",
        status="investigating",
        body="Nobody can sign in.",
        components={component: "major_outage"},
    )

    assert declared["status"] == "SUCCESS", declared["logs"]
    [incident] = acting.incidents_named("Login down")
    identifier = f"incidentio-{incident['id']}"
    assert declared["link"][0].endswith(f"/incidents/{incident['id']}")
    assert incident["metadata"]["incidentio"]["idempotency_key"]
    entity = acting.entity("statuspageIncident", identifier)
    assert entity["properties"]["provider"] == "incidentio"
    assert entity["relations"]["components"] == [component]
    # Its status follows from the incident, upserted with the run.
    assert acting.entity("statuspageComponent", component)["properties"]["status"] == (
        "major_outage"
    )

    updated = await acting.run(
        "update_incident",
        incident=identifier,
        status="monitoring",
        body="A fix is out.",
        components={component: "degraded_performance"},
    )
    resolved = await acting.run("resolve_incident", incident=identifier, body="Done.")

    assert updated["status"] == resolved["status"] == "SUCCESS", resolved["logs"]
    posted = [w for w in acting.writes() if w.startswith("POST /v2/")]
    assert posted == [
        "POST /v2/status_page_incidents",
        "POST /v2/status_page_incident_updates",
        "POST /v2/status_page_incident_updates",
    ]
    assert acting.entity("statuspageIncident", identifier)["properties"]["status"] == (
        "resolved"
    )
    # Resolved, the component is back to what it was before.
    assert acting.entity("statuspageComponent", component)["properties"]["status"] == (
        before
    )


async def test_incident_io_schedules_a_maintenance_once_per_run(
    acting: Acting,
) -> None:
    page = f"incidentio-{PAGE}"
    component = f"{page}-{member_components(acting.vendor, PAGE)[-1]}"

    first = await acting.schedule("Network work", page=page, components=[component])
    # Delivered again with no record of the first: the idempotency key finds it.
    acting.port.redeliver(first["id"], forget_record=True)
    again = await acting.finished(first["id"])

    assert first["status"] == again["status"] == "SUCCESS", again["logs"]
    [maintenance] = acting.incidents_named("Network work")
    assert maintenance["status"] == "scheduled"
    assert again["link"] == first["link"]
    entity = acting.entity("statuspageIncident", f"incidentio-{maintenance['id']}")
    assert entity["relations"]["components"] == [component]
    assert acting.writes().count("POST /v2/status_page_maintenances") == 2


@pytest.mark.parametrize(
    ("action", "inputs", "why"),
    [
        (
            "set_component_status",
            {"status": "major_outage"},
            "follows from the incidents and maintenances",
        ),
        (
            "create_incident",
            {"name": "n", "status": "investigating", "body": "b", "impact": "major"},
            "derives the impact",
        ),
        (
            "create_incident",
            {"name": "n", "status": "investigating", "body": "b"},
            "under maintenance only during a maintenance",
        ),
    ],
)
async def test_incident_io_refuses_what_it_cannot_write_and_sends_nothing(
    acting: Acting, action: str, inputs: dict[str, Any], why: str
) -> None:
    page = f"incidentio-{PAGE}"
    component = f"{page}-{member_components(acting.vendor, PAGE)[-1]}"
    if action == "set_component_status":
        inputs = {**inputs, "component": component}
    else:
        inputs = {**inputs, "page": page}
    if why.startswith("under"):
        inputs["components"] = {component: "under_maintenance"}

    run = await acting.run(action, **inputs)

    assert run["status"] == "FAILURE"
    assert "incident.io cannot" in str(run["logs"])
    assert why in str(run["logs"])
    assert acting.writes() == []


@pytest.mark.parametrize(
    ("action", "inputs"),
    [
        (
            "create_incident",
            {"page": "not-a-page", "name": "n", "status": "investigating", "body": "b"},
        ),
        (
            "update_incident",
            {"incident": "nope000", "status": "identified", "body": "b"},
        ),
        ("resolve_incident", {"incident": "nope000", "body": "b"}),
        ("set_component_status", {"component": "nope000", "status": "operational"}),
        (
            "schedule_maintenance",
            {
                "page": "not-a-page",
                "name": "n",
                "body": "b",
                "scheduled_for": "2031-01-01T00:00:00Z",
                "scheduled_until": "2031-01-01T01:00:00Z",
            },
        ),
    ],
)
async def test_an_identifier_not_in_the_catalog_fails_the_run_naming_it_and_asks_no_vendor(
    acting: Acting, action: str, inputs: dict[str, Any]
) -> None:
    run = await acting.run(action, **inputs)

    assert run["status"] == "FAILURE"
    message = " ".join(log["message"] for log in run["logs"])
    named = inputs.get("page") or inputs.get("incident") or inputs.get("component")
    assert f"{named!r} is not in the catalog" in message
    assert acting.vendor.log == []


async def test_a_component_of_another_vendor_or_page_fails_the_run_naming_it(
    acting: Acting,
) -> None:
    component = member_components(acting.vendor, PAGE)[0]
    with acting.vendor.reading() as state:
        other_page = next(p for p in state.pages if p != PAGE)
    elsewhere = member_components(acting.vendor, other_page)[0]

    other_vendor = await acting.declare(
        "n", components={f"onlineornot-{component}": "major_outage"}
    )
    other_page_run = await acting.declare("n", components={elsewhere: "major_outage"})

    assert other_vendor["status"] == other_page_run["status"] == "FAILURE"
    assert f"'onlineornot-{component}' is not Statuspage's" in str(other_vendor["logs"])
    assert f"{elsewhere!r} is on page {other_page!r}" in str(other_page_run["logs"])
    assert acting.vendor.log == []


async def test_a_bad_input_fails_the_run_saying_which_and_asks_nothing(
    acting: Acting,
) -> None:
    run = await acting.declare("n", status="on fire")

    assert run["status"] == "FAILURE"
    assert run["statusLabel"] == "Invalid input"
    assert "'status' must be one of investigating, identified, monitoring" in str(
        run["logs"]
    )
    assert acting.vendor.log == []


async def test_a_vendor_refusal_ends_the_run_with_its_message_and_never_a_key(
    acting: Acting,
) -> None:
    acting.vendor.inject_fault(
        "/v1/pages/*/incidents", "status", status=403, method="POST"
    )

    with captured_logs() as logs:
        forbidden = await acting.declare("Blocked")
    refused = await acting.schedule(
        "Backwards",
        scheduled_for="2031-01-01T02:00:00Z",
        scheduled_until="2031-01-01T02:00:00+00:00",
    )

    forbidden_text = str(forbidden["logs"])
    assert forbidden["status"] == "FAILURE"
    assert forbidden["statusLabel"] == "Vendor refused"
    assert "HTTP 403" in forbidden_text
    assert "role or permission" in forbidden_text
    assert "refused the API key" not in forbidden_text
    assert DEFAULT_API_KEY not in forbidden_text + "\n".join(logs)
    assert refused["status"] == "FAILURE"
    assert "'scheduled_until' must be after 'scheduled_for'" in str(refused["logs"])


@pytest.mark.parametrize(
    ("action", "inputs"),
    [
        ("create_incident", {"name": "n", "status": "investigating", "body": "b"}),
        (
            "schedule_maintenance",
            {
                "name": "n",
                "body": "b",
                "scheduled_for": "2031-01-01T00:00:00Z",
                "scheduled_until": "2031-01-01T01:00:00Z",
            },
        ),
    ],
)
async def test_pingpong_refuses_at_once_and_writes_nothing(
    acting: Acting, action: str, inputs: dict[str, Any]
) -> None:
    run = await acting.run(action, page=pingpong_page_id(acting.vendor), **inputs)

    assert run["status"] == "FAILURE"
    assert run["statusLabel"] == "Not supported"
    assert "PingPong cannot" in str(run["logs"])
    assert "unconfirmed" in str(run["logs"])
    assert acting.vendor.log == []


async def test_pingpong_refuses_to_set_a_component_s_status(acting: Acting) -> None:
    page = pingpong_page_id(acting.vendor)
    [component] = [
        e["identifier"]
        for e in acting.port.entities("statuspageComponent")
        if e["relations"].get("statuspage") == page
    ][:1]

    run = await acting.run(
        "set_component_status", component=component, status="operational"
    )

    assert run["status"] == "FAILURE"
    assert "PingPong cannot set a component's status" in str(run["logs"])
    assert acting.vendor.log == []


@pytest.mark.parametrize("forget_record", [False, True])
async def test_a_run_handed_out_twice_declares_one_incident(
    acting: Acting, forget_record: bool
) -> None:
    name = f"Delivered twice {forget_record}"
    first = await acting.declare(name)

    acting.port.redeliver(first["id"], forget_record=forget_record)
    second = await acting.finished(first["id"])

    assert first["status"] == second["status"] == "SUCCESS"
    [incident] = acting.incidents_named(name)
    assert second["link"] == [incident["shortlink"]]
    assert "earlier delivery of this run" in second["logs"][-1]["message"]
    assert acting.writes() == ["POST /v1/pages/{page_id}/incidents"]


async def test_an_onlineornot_run_handed_out_twice_finds_what_it_recorded(
    acting: Acting,
) -> None:
    maintenance = await acting.schedule("Twice scheduled", page=f"onlineornot-{PAGE}")

    acting.port.redeliver(maintenance["id"])
    again = await acting.finished(maintenance["id"])

    assert again["status"] == "SUCCESS", again["logs"]
    assert len(acting.incidents_named("Twice scheduled")) == 1
    assert acting.writes() == ["POST /v1/status_pages/{page_id}/scheduled_maintenance"]
    assert "earlier delivery of this run" in again["logs"][-1]["message"]


async def test_an_update_handed_out_twice_posts_one_update(acting: Acting) -> None:
    declared = await acting.declare("Updated twice")
    [incident] = acting.incidents_named("Updated twice")
    acting.vendor.reset_observations()
    first = await acting.run(
        "update_incident",
        incident=incident["id"],
        status="monitoring",
        body="Watching.",
    )

    acting.port.redeliver(first["id"])
    again = await acting.finished(first["id"])

    assert declared["status"] == first["status"] == again["status"] == "SUCCESS"
    assert acting.writes() == ["PATCH /v1/pages/{page_id}/incidents/{incident_id}"]
    [incident] = acting.incidents_named("Updated twice")
    assert [u["body"] for u in incident["incident_updates"]] == ["Watching.", "b"]


async def test_a_run_waits_while_its_vendor_key_is_rate_limited(acting: Acting) -> None:
    """A 420 on one run's write pauses the key's limiter (its reads' too); Ocean asks the
    rate-limit hooks before it takes the next run, and holds that one back meanwhile."""
    component = member_components(acting.vendor, PAGE)[5]
    acting.vendor.inject_fault(
        "/v1/pages/*/incidents", "status", status=420, method="POST", retry_after="3"
    )
    limited = acting.port.execute_action(
        f"{IDENTIFIER}_create_incident",
        {"page": PAGE, "name": "Limited", "status": "identified", "body": "b"},
    )
    deadline = time.monotonic() + RUN_DEADLINE_SECONDS
    while not any(e.status == 420 for e in acting.vendor.log):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)

    held_back = await acting.run(
        "set_component_status", component=component, status="operational"
    )
    first = await acting.finished(limited)

    assert first["status"] == held_back["status"] == "SUCCESS"
    assert any("rate limit" in log["message"] for log in held_back["logs"])
    assert len(acting.incidents_named("Limited")) == 1


async def test_writes_to_one_page_run_one_at_a_time_across_actions(
    acting: Acting,
) -> None:
    component = member_components(acting.vendor, PAGE)[1]
    acting.vendor.set_latency(0.4)
    try:
        declare = acting.port.execute_action(
            f"{IDENTIFIER}_create_incident",
            {
                "page": PAGE,
                "name": "One at a time",
                "status": "identified",
                "body": "b",
            },
        )
        change = acting.port.execute_action(
            f"{IDENTIFIER}_set_component_status",
            {"component": component, "status": "partial_outage"},
        )
        runs = [await acting.finished(declare), await acting.finished(change)]
    finally:
        acting.vendor.set_latency(0)

    assert [run["status"] for run in runs] == ["SUCCESS", "SUCCESS"]
    # The declaration reads (its name), then writes; the change only writes. One run's
    # requests all come before the other's, the second starting once the first's write
    # was answered (after the latency): never side by side.
    requests = sorted(acting.vendor.log, key=lambda entry: entry.timestamp)
    runs_in_order = [
        "change" if "components" in str(e.route) else "declare" for e in requests
    ]
    assert runs_in_order in (
        ["declare", "declare", "change"],
        ["change", "declare", "declare"],
    )
    first_ends = 0 if runs_in_order[0] == "change" else 1
    gap = requests[first_ends + 1].timestamp - requests[first_ends].timestamp
    assert gap >= 0.4
