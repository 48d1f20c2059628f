"""What incident.io's status-page API is sent to write, per its public spec's request bodies:
the vendor-neutral requests in incident.io's words and ids.

Its creates carry an `idempotency_key` (the same key answers the first create), so a run Port
delivers twice never makes a second incident or maintenance. It has no impact to set and no
component status of its own: an incident's impact and its components' statuses follow from the
statuses the incident gives them, and `under_maintenance` comes only with a maintenance. Asked
for either, a write is refused before anything is sent. Subscribers are told only when the run
asks (`notify`): the API needs an answer, and telling them is not undone.
"""

from collections.abc import Mapping
from typing import Final

from client import Item
from vendors.contract import (
    IncidentChange,
    NewIncident,
    NewMaintenance,
    WriteRefusedError,
)
from vendors.incidentio.normalise import IDS, placed_component_id

# Port's (Statuspage's) component statuses in incident.io's words; under_maintenance has none.
_COMPONENT_STATUS: Final = {
    "operational": "operational",
    "degraded_performance": "degraded_performance",
    "partial_outage": "partial_outage",
    "major_outage": "full_outage",
}
RESOLVED: Final = "resolved"


def incident(new: NewIncident) -> Item:
    if new.impact is not None:
        raise WriteRefusedError(
            "incident.io cannot declare an incident with an impact: it derives the impact "
            "from the statuses the incident gives its components; leave impact empty and "
            "give the components' statuses; nothing was written"
        )
    return {
        "status_page_id": IDS.vendor_id(new.page_id, "incident.io"),
        "name": new.name,
        "message": new.body,
        "incident_status": new.status,
        "notify_subscribers": new.notify is True,
        "idempotency_key": new.idempotency_key,
        "component_statuses": _component_statuses(new.page_id, new.components),
    }


def update(change: IncidentChange) -> Item:
    body: Item = {
        "status_page_incident_id": IDS.vendor_id(change.incident_id, "incident.io"),
        "message": change.body,
        "notify_subscribers": False,
        "incident_status": change.status,
    }
    # A resolving update takes no component statuses: incident.io returns them all to
    # operational itself.
    if change.status != RESOLVED:
        body["component_statuses"] = _component_statuses(
            change.page_id, change.components
        )
    return body


def maintenance(new: NewMaintenance) -> Item:
    return {
        "status_page_id": IDS.vendor_id(new.page_id, "incident.io"),
        "name": new.name,
        "message": new.body,
        "maintenance_status": "maintenance_scheduled",
        "start_at": new.scheduled_for.isoformat(),
        "end_at": new.scheduled_until.isoformat(),
        "affected_component_ids": [
            placed_component_id(new.page_id, c) for c in new.component_ids
        ],
        "notify_subscribers": False,
        "idempotency_key": new.idempotency_key,
    }


def _component_statuses(page_id: str, statuses: Mapping[str, str]) -> list[Item]:
    written = []
    for placement, status in statuses.items():
        if status not in _COMPONENT_STATUS:
            raise WriteRefusedError(
                f"incident.io cannot give component {placement!r} the status {status!r} "
                "through an incident: a component is under maintenance only during a "
                "maintenance; schedule one instead; nothing was written"
            )
        written.append(
            {
                "component_id": placed_component_id(page_id, placement),
                "component_status": _COMPONENT_STATUS[status],
            }
        )
    return written
