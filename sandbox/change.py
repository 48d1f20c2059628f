"""One change made upstream between two runs, and whether Port has it: what `make demo
--incremental` and `make bench` make an incremental run pick up.

A component of the first page goes down, and the page's newest open incident gets an update
(a new incident opens when none is open: PingPong lists only open ones); an incremental run
must land both, reading per page no more than INCREMENTAL_LISTS_PER_PAGE lists
(groups, components, the open incidents, the upcoming and the running maintenance, and the
newest incidents) after the account's page list.
"""

from dataclasses import dataclass
from typing import Final

from sandbox.port.server import PortStub
from sandbox.statuspage.core import EmulatorCore

INCREMENTAL_LISTS_PER_PAGE: Final = 6
_ENDED: Final = frozenset({"resolved", "completed", "postmortem"})
# Ocean's setting that makes a one-shot run its incremental sync, as the Helm chart's
# incremental CronJob sets it.
INCREMENTAL_ENVIRONMENT: Final = {
    "OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED": "true"
}


@dataclass(frozen=True)
class Change:
    page_id: str
    component_id: str
    incident_id: str
    update_id: str

    def describe(self) -> str:
        return (
            f"component {self.component_id} went to major_outage and incident "
            f"{self.incident_id} got update {self.update_id} (page {self.page_id})"
        )


def make_change(emulator: EmulatorCore) -> Change:
    """A component of the first page goes down, and the page's newest open incident gets an
    update that keeps its status; when no incident is open, a new one opens."""
    with emulator.reading() as state:
        page = next(iter(state.pages.values()))
        component_id = next(
            cid
            for cid, component in page.components.items()
            if not component["group"] and component["status"] != "major_outage"
        )
        open_incident = next(
            (
                (incident_id, record.fields["status"])
                for incident_id, record in page.incidents.items()
                if record.fields["status"] not in _ENDED
            ),
            None,
        )
    emulator.set_component_status(page.page_id, component_id, "major_outage")
    if open_incident is None:
        incident = emulator.add_incident(
            page.page_id,
            name="Raised after the last sync",
            component_ids=(component_id,),
        )
    else:
        incident_id, status = open_incident
        incident = emulator.add_incident_update(
            page.page_id, incident_id, status, "An update posted after the last sync."
        )
    update_id = incident["incident_updates"][0]["id"]
    return Change(page.page_id, component_id, incident["id"], update_id)


def missing_from_port(
    port: PortStub, change: Change, id_prefix: str = "", with_component: bool = True
) -> list[str]:
    """What of the change Port does not have yet, as read through a vendor whose ids Port
    holds with `id_prefix`; empty when it landed. Without `with_component`, the update only:
    a vendor that publishes no component status (incident.io) cannot show the other half.
    """
    missing = []
    component_id = f"{id_prefix}{change.component_id}"
    update_id = f"{id_prefix}{change.update_id}"
    components = {e["identifier"]: e for e in port.entities("statuspageComponent")}
    component = components.get(component_id)
    if with_component and (
        component is None or component["properties"].get("status") != "major_outage"
    ):
        missing.append(f"component {component_id} at major_outage")
    if update_id not in port.entity_identifiers("statuspageIncidentUpdate"):
        missing.append(f"incident update {update_id}")
    return missing
