"""End to end, actions: the real `ocean sail` (through sail.py, the POLLING listener, actions on
with OCEAN__ACTIONS_PROCESSOR__ENABLED) against the emulator, read as Statuspage, OnlineOrNot and
PingPong, and the Port stand-in, whose tokens are machine tokens.

At start the integration puts its five action definitions in Port; runs started there are
claimed, written at the vendor and in Port within seconds, and reported; a refusal, an unknown
identifier and PingPong end FAILURE writing nothing; a run Port hands out twice writes once; no
key appears in Ocean's output. One Ocean serves the module's tests, in file order.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox.expected import pingpong_page_id
from sandbox.ocean_process import Sandbox, ocean_environment, running, wait_until
from sandbox.port.server import PortStub
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DEFAULT_ONLINEORNOT_API_KEY,
    DEFAULT_PINGPONG_API_KEY,
    DataConfig,
    EmulatorConfig,
)
from sandbox.statuspage.server import StatuspageEmulator

PAGE = "8m2l51279rpl"
ACTIONS = (
    "create_incident",
    "update_incident",
    "resolve_incident",
    "set_component_status",
    "schedule_maintenance",
)
START_DEADLINE_SECONDS = 90.0
RUN_DEADLINE_SECONDS = 30.0
KEYS = (DEFAULT_API_KEY, DEFAULT_ONLINEORNOT_API_KEY, DEFAULT_PINGPONG_API_KEY)


@dataclass(frozen=True)
class Acting:
    vendor: StatuspageEmulator
    port: PortStub
    identifier: str
    log_path: Path

    def run(self, action: str, **inputs: Any) -> dict[str, Any]:
        run_id = self.port.execute_action(f"{self.identifier}_{action}", inputs)
        return self.finished(run_id)

    def finished(self, run_id: str) -> dict[str, Any]:
        assert wait_until(
            lambda: self.port.action_run(run_id)["status"] != "IN_PROGRESS",
            RUN_DEADLINE_SECONDS,
        ), self.output()[-3000:]
        return self.port.action_run(run_id)

    def entity(self, blueprint: str, identifier: str) -> dict[str, Any]:
        [entity] = [
            e for e in self.port.entities(blueprint) if e["identifier"] == identifier
        ]
        return entity

    def incident_named(self, name: str) -> dict[str, Any]:
        with self.vendor.reading() as state:
            [incident] = [
                page.render_incident(incident_id)
                for page in state.pages.values()
                for incident_id, record in page.incidents.items()
                if record.fields["name"] == name
            ]
            return incident

    def writes(self) -> list[str]:
        return [f"{e.method} {e.route}" for e in self.vendor.log if e.method != "GET"]

    def output(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="module")
def acting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Acting]:
    sizes = DataConfig(pages=2, groups=2, components=5, incidents=3, updates=2)
    with StatuspageEmulator(EmulatorConfig(data=sizes)) as vendor, PortStub() as port:
        sandbox = Sandbox(
            vendor.base_url,
            port.base_url,
            DEFAULT_API_KEY,
            onlineornot_api_key=DEFAULT_ONLINEORNOT_API_KEY,
            pingpong_api_key=DEFAULT_PINGPONG_API_KEY,
        )
        environment = ocean_environment(
            sandbox,
            listener={"type": "POLLING"},
            extra={
                "OCEAN__ACTIONS_PROCESSOR__ENABLED": "true",
                "OCEAN__ACTIONS_PROCESSOR__POLL_CHECK_INTERVAL_SECONDS": "1",
            },
        )
        log_path = tmp_path_factory.mktemp("ocean") / "ocean.log"
        with running(environment, log_path, START_DEADLINE_SECONDS):
            acting = Acting(vendor, port, sandbox.identifier, log_path)
            assert wait_until(
                lambda: len(port.action_definitions()) == len(ACTIONS)
                and _resync_finished(port, sandbox.identifier),
                START_DEADLINE_SECONDS,
            ), acting.output()[-3000:]
            yield acting


@pytest.fixture(autouse=True)
def fresh_observations(acting: Acting) -> None:
    acting.vendor.reset_observations()
    acting.vendor.clear_faults()


def _resync_finished(port: PortStub, identifier: str) -> bool:
    states = port.resync_states(identifier)
    return bool(states) and states[-1].get("status") == "completed"


def member_components(acting: Acting, page_id: str) -> list[str]:
    with acting.vendor.reading() as state:
        components = state.pages[page_id].components.values()
        return [c["id"] for c in components if not c["group"]]


def test_the_integration_puts_its_actions_in_port_at_start(acting: Acting) -> None:
    definitions = {d["identifier"]: d for d in acting.port.action_definitions()}

    assert set(definitions) == {f"{acting.identifier}_{a}" for a in ACTIONS}
    for action in ACTIONS:
        invocation = definitions[f"{acting.identifier}_{action}"]["invocationMethod"]
        assert invocation["type"] == "INTEGRATION_ACTION"
        assert invocation["installationId"] == acting.identifier
        assert invocation["integrationActionType"] == action


def test_declare_update_resolve_and_set_a_component_land_at_the_vendor_and_in_port(
    acting: Acting,
) -> None:
    first, second = member_components(acting, PAGE)[:2]

    started = time.monotonic()
    declared = acting.run(
        "create_incident",
        page=PAGE,
        name="Login errors",
        status="investigating",
        body="Some logins fail.",
        components={first: "major_outage"},
    )
    seconds_to_port = time.monotonic() - started
    incident = acting.incident_named("Login errors")
    updated = acting.run(
        "update_incident",
        incident=incident["id"],
        status="monitoring",
        body="A fix is out.",
        components={first: "degraded_performance"},
    )
    resolved = acting.run("resolve_incident", incident=incident["id"], body="Fixed.")
    changed = acting.run(
        "set_component_status", component=second, status="partial_outage"
    )

    assert [r["status"] for r in (declared, updated, resolved, changed)] == [
        "SUCCESS"
    ] * 4, [r["logs"] for r in (declared, updated, resolved, changed)]
    assert declared["link"] == [incident["shortlink"]]
    assert seconds_to_port < 10
    assert acting.incident_named("Login errors")["status"] == "resolved"
    in_port = acting.entity("statuspageIncident", incident["id"])
    assert in_port["properties"]["status"] == "resolved"
    assert acting.entity("statuspageComponent", first)["properties"]["status"] == (
        "degraded_performance"
    )
    assert acting.entity("statuspageComponent", second)["properties"]["status"] == (
        "partial_outage"
    )


def test_a_maintenance_is_scheduled_and_a_second_delivery_schedules_none(
    acting: Acting,
) -> None:
    scheduled = acting.run(
        "schedule_maintenance",
        page=f"onlineornot-{PAGE}",
        name="Router swap",
        body="Brief blips.",
        scheduled_for="2031-03-01T01:00:00Z",
        scheduled_until="2031-03-01T02:30:00Z",
    )
    acting.port.redeliver(scheduled["id"])
    again = acting.finished(scheduled["id"])

    maintenance = acting.incident_named("Router swap")
    assert scheduled["status"] == again["status"] == "SUCCESS", again["logs"]
    assert "earlier delivery" in again["logs"][-1]["message"]
    assert acting.writes() == ["POST /v1/status_pages/{page_id}/scheduled_maintenance"]
    identifier = f"onlineornot-{maintenance['id']}"
    assert acting.entity("statuspageIncident", identifier)["properties"]["status"] == (
        "scheduled"
    )


def test_refusals_unknown_identifiers_and_pingpong_fail_and_write_nothing(
    acting: Acting,
) -> None:
    acting.vendor.inject_fault(
        "/v1/pages/*/incidents", "status", status=422, method="POST"
    )
    base = {"name": "n", "status": "investigating", "body": "b"}

    refused = acting.run("create_incident", page=PAGE, **base)
    unknown = acting.run("create_incident", page="no-such-page", **base)
    pingpong = acting.run(
        "create_incident", page=pingpong_page_id(acting.vendor), **base
    )

    assert [r["status"] for r in (refused, unknown, pingpong)] == ["FAILURE"] * 3
    assert "HTTP 422" in str(refused["logs"])
    assert "'no-such-page' is not in the catalog" in str(unknown["logs"])
    assert "PingPong cannot declare an incident" in str(pingpong["logs"])
    assert acting.writes() == ["POST /v1/pages/{page_id}/incidents"]


def test_no_key_reaches_ocean_s_output(acting: Acting) -> None:
    output = acting.output()

    assert "Run executed successfully" in output
    for key in KEYS:
        assert key not in output
