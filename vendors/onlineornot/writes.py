"""What OnlineOrNot is sent to write, per its OpenAPI spec's request bodies: the vendor-neutral
requests in OnlineOrNot's words and ids.

Its incident create takes no impact (an impact is set with a PATCH of the incident after), and
a maintenance has a start and a length in whole minutes, not an end.
"""

import math
from collections.abc import Mapping
from typing import Final

from client import Item
from vendors.contract import (
    ComponentChange,
    IncidentChange,
    NewIncident,
    NewMaintenance,
)
from vendors.onlineornot.normalise import IDS

_COMPONENT_STATUS: Final = {
    "operational": "OPERATIONAL",
    "degraded_performance": "DEGRADED_PERFORMANCE",
    "partial_outage": "PARTIAL_OUTAGE",
    "major_outage": "MAJOR_OUTAGE",
    "under_maintenance": "MAINTENANCE",
}
_IMPACT: Final = {
    "none": "NO_IMPACT",
    "minor": "DEGRADED_PERFORMANCE",
    "major": "PARTIAL_OUTAGE",
    "critical": "MAJOR_OUTAGE",
}


def incident(new: NewIncident) -> Item:
    body: Item = {
        "title": new.name,
        "description": new.body,
        "status": new.status.upper(),
        "components": _components(new.components),
    }
    if new.notify is not None:
        body["notify_subscribers"] = new.notify
    return body


def impact(new: NewIncident) -> Item | None:
    """The PATCH that gives a declared incident its impact, when one was asked for."""
    if new.impact is None:
        return None
    return {"title": new.name, "impact": _IMPACT[new.impact]}


def update(change: IncidentChange) -> Item:
    return {
        "status": change.status.upper(),
        "description": change.body,
        "components_affected": _components(change.components),
    }


def component(change: ComponentChange) -> Item:
    return {"status": _COMPONENT_STATUS[change.status]}


def maintenance(new: NewMaintenance) -> Item:
    seconds = (new.scheduled_until - new.scheduled_for).total_seconds()
    return {
        "title": new.name,
        "description": new.body,
        "start_date": new.scheduled_for.isoformat(),
        # Whole minutes, rounded up: the window asked for is covered.
        "duration_minutes": max(1, math.ceil(seconds / 60)),
        "components_affected": [_vendor_id(c) for c in new.component_ids],
    }


def _components(statuses: Mapping[str, str]) -> list[Item]:
    return [
        {"id": _vendor_id(port_id), "status": _COMPONENT_STATUS[status]}
        for port_id, status in statuses.items()
    ]


def _vendor_id(port_id: str) -> str:
    return IDS.vendor_id(port_id, "OnlineOrNot")
