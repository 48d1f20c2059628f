"""`make demo ACTIONS=1`: acting from Port, after the demo's resync.

The integration runs as it does to process actions (the POLLING listener with
OCEAN__ACTIONS_PROCESSOR__ENABLED=true), puts its action definitions in Port and resyncs; then
runs started in Port, as from its UI, declare an incident, update it, resolve it and set a
component's status, on the first chosen vendor that writes. Each step shows the run's outcome,
what the vendor now has and what Port now has. With PingPong chosen too, a declaration there
shows its refusal.
"""

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from sandbox.expected import ID_PREFIXES, pingpong_page_id
from sandbox.ocean_process import Sandbox, ocean_environment, running, wait_until
from sandbox.port.server import PortStub
from sandbox.statuspage.server import StatuspageEmulator

ACTIONS_ENVIRONMENT: Final = {
    "OCEAN__ACTIONS_PROCESSOR__ENABLED": "true",
    "OCEAN__ACTIONS_PROCESSOR__POLL_CHECK_INTERVAL_SECONDS": "1",
}
WRITERS: Final = ("statuspage", "onlineornot")
DEFINITIONS: Final = 5
INCIDENT_NAME: Final = "Checkout errors (declared from Port)"


def act(
    emulator: StatuspageEmulator,
    port: PortStub,
    sandbox: Sandbox,
    vendors: Sequence[str],
    timeout: float,
) -> bool:
    """The four steps, and PingPong's refusal when it is chosen; True when each ended as it
    must."""
    writer = next((vendor for vendor in vendors if vendor in WRITERS), None)
    if writer is None:
        print("\nActions need Statuspage or OnlineOrNot among the vendors; skipped.")
        return False
    log = Path(tempfile.gettempdir()) / "statuspage-demo-actions.log"
    print(
        "\nThen acting from Port: `ocean sail` with the POLLING listener and actions on"
    )
    print(f"  (its output goes to {log}) ...")
    environment = ocean_environment(
        sandbox, listener={"type": "POLLING"}, extra=ACTIONS_ENVIRONMENT
    )
    resyncs = _completed_resyncs(port, sandbox.identifier)
    with running(environment, log, timeout):
        # Its first resync shares the keys' rate limits with the runs; it goes first here, so
        # that each step's time is the step's own.
        if not wait_until(
            lambda: len(port.action_definitions()) == DEFINITIONS
            and _completed_resyncs(port, sandbox.identifier) > resyncs,
            timeout,
        ):
            print("  The action definitions or the resync never reached Port.")
            return False
        print("  Definitions the integration put in Port:")
        for definition in port.action_definitions():
            print(f"    {definition['identifier']:<42} {definition['title']}")
        steps = _Steps(emulator, port, sandbox.identifier, ID_PREFIXES[writer], timeout)
        succeeded = steps.run_all()
        if "pingpong" in vendors:
            succeeded = steps.pingpong_refuses() and succeeded
    if succeeded:
        print(
            "\nActing from Port succeeded: each run landed at the vendor and in Port."
        )
    return succeeded


class _Steps:
    def __init__(
        self,
        emulator: StatuspageEmulator,
        port: PortStub,
        identifier: str,
        prefix: str,
        timeout: float,
    ) -> None:
        self.emulator, self.port = emulator, port
        self.identifier, self.prefix, self.timeout = identifier, prefix, timeout
        with emulator.reading() as state:
            page = next(iter(state.pages.values()))
            self.page = page.page_id
            members = [c["id"] for c in page.components.values() if not c["group"]]
        self.first, self.second = members[:2]

    def run_all(self) -> bool:
        declared = self._step(
            "create_incident",
            page=self._id(self.page),
            name=INCIDENT_NAME,
            status="investigating",
            body="Some card payments fail; we are looking into it.",
            impact="major",
            components={self._id(self.first): "partial_outage"},
        )
        if declared is None:
            return False
        incident = self._incident_id()
        steps: list[tuple[str, dict[str, Any]]] = [
            (
                "update_incident",
                {
                    "incident": self._id(incident),
                    "status": "identified",
                    "body": "An expired certificate; renewing it.",
                    "components": {self._id(self.first): "degraded_performance"},
                },
            ),
            (
                "resolve_incident",
                {"incident": self._id(incident), "body": "Renewed; payments work."},
            ),
            (
                "set_component_status",
                {"component": self._id(self.second), "status": "under_maintenance"},
            ),
        ]
        return all(self._step(action, **inputs) is not None for action, inputs in steps)

    def pingpong_refuses(self) -> bool:
        run = self._start(
            "create_incident",
            page=pingpong_page_id(self.emulator),
            name="Not to be declared",
            status="investigating",
            body="PingPong's writes are unconfirmed.",
        )
        print(f"\n  PingPong: create_incident ended {run['status']}")
        print(f"    {run['logs'][-1]['message'] if run['logs'] else ''}")
        return bool(run["status"] == "FAILURE")

    def _step(self, action: str, **inputs: Any) -> dict[str, Any] | None:
        started = time.monotonic()
        run = self._start(action, **inputs)
        seconds = time.monotonic() - started
        message = run["logs"][-1]["message"] if run["logs"] else ""
        print(f"\n  {action}: {run['status']} after {seconds:.1f}s")
        print(f"    run says: {message}")
        if run["status"] != "SUCCESS":
            return None
        self._show()
        return run

    def _start(self, action: str, **inputs: Any) -> dict[str, Any]:
        run_id = self.port.execute_action(f"{self.identifier}_{action}", inputs)
        wait_until(lambda: self.port.action_run(run_id)["status"] != "IN_PROGRESS", 30)
        return self.port.action_run(run_id)

    def _show(self) -> None:
        with self.emulator.reading() as state:
            page = state.pages[self.page]
            incident = next(
                (
                    page.render_incident(i)
                    for i, record in page.incidents.items()
                    if record.fields["name"] == INCIDENT_NAME
                ),
                None,
            )
            statuses = {
                c: page.components[c]["status"] for c in (self.first, self.second)
            }
        at_vendor = ", ".join(f"{c}={s}" for c, s in statuses.items())
        if incident is not None:
            updates = len(incident["incident_updates"])
            at_vendor = (
                f"incident {incident['status']} ({updates} updates); {at_vendor}"
            )
        print(f"    at the vendor: {at_vendor}")
        print(f"    in Port:       {self._in_port(incident)}")

    def _in_port(self, incident: dict[str, Any] | None) -> str:
        shown = []
        if incident is not None:
            entity = self._entity("statuspageIncident", self._id(incident["id"]))
            updates = [
                u
                for u in self.port.entities("statuspageIncidentUpdate")
                if u["relations"].get("incident") == self._id(incident["id"])
            ]
            status = entity["properties"].get("status") if entity else "absent"
            shown.append(f"incident {status} ({len(updates)} updates)")
        for component in (self.first, self.second):
            entity = self._entity("statuspageComponent", self._id(component))
            status = entity["properties"].get("status") if entity else "absent"
            shown.append(f"{self._id(component)}={status}")
        return "; ".join(shown)

    def _entity(self, blueprint: str, identifier: str) -> dict[str, Any] | None:
        return next(
            (e for e in self.port.entities(blueprint) if e["identifier"] == identifier),
            None,
        )

    def _incident_id(self) -> str:
        with self.emulator.reading() as state:
            incidents = state.pages[self.page].incidents.items()
            return next(i for i, r in incidents if r.fields["name"] == INCIDENT_NAME)

    def _id(self, vendor_id: str) -> str:
        return f"{self.prefix}{vendor_id}"


def _completed_resyncs(port: PortStub, identifier: str) -> int:
    states = port.resync_states(identifier)
    return sum(1 for state in states if state.get("status") == "completed")
