"""OnlineOrNot's objects in the common shape, which is Statuspage's: its fields and
vocabularies mapped as the reference's field tables say (status-page-providers.md §1.6), ids
prefixed `onlineornot-` (relations too), `provider` set, and the vendor's object kept whole
under `raw` for custom mappings.

Fields Statuspage has and OnlineOrNot lacks are left out; a mapping reading them gets null.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from client import Item
from vendors.contract import (
    EARLIEST,
    IdPrefix,
    host_of,
    moment,
    objects,
    parsed_time,
    text,
)

PROVIDER: Final = "onlineornot"
IDS: Final = IdPrefix(f"{PROVIDER}-")
port_id = IDS.port_id

# Page status -> Statuspage's indicator, and the wording of OnlineOrNot's own summary.
_PAGE_STATUS: Final = {
    "ALL_SYSTEMS_OPERATIONAL": ("none", "All Systems Operational"),
    "PARTIALLY_DEGRADED_SERVICE": ("minor", "Partially Degraded Service"),
    "MINOR_SERVICE_OUTAGE": ("major", "Minor Service Outage"),
    "MAJOR_SYSTEM_OUTAGE": ("critical", "Major System Outage"),
    "SERVICE_UNDER_MAINTENANCE": ("maintenance", "Service Under Maintenance"),
}
_COMPONENT_STATUS: Final = {
    "OPERATIONAL": "operational",
    "DEGRADED_PERFORMANCE": "degraded_performance",
    "PARTIAL_OUTAGE": "partial_outage",
    "MAJOR_OUTAGE": "major_outage",
    "MAINTENANCE": "under_maintenance",
    # The component is on an incident that does not touch it.
    "NO_IMPACT": "operational",
}
_IMPACT: Final = {
    "MAJOR_OUTAGE": "critical",
    "PARTIAL_OUTAGE": "major",
    "DEGRADED_PERFORMANCE": "minor",
    "NO_IMPACT": "none",
    "MAINTENANCE": "maintenance",
}
# UPDATE (a note that changes nothing) has no Statuspage equivalent and is absent on purpose.
_UPDATE_STATUS: Final = {
    "INVESTIGATING": "investigating",
    "IDENTIFIED": "identified",
    "MONITORING": "monitoring",
    "RESOLVED": "resolved",
    "SCHEDULED": "scheduled",
    "IN_PROGRESS": "in_progress",
    "VERIFYING": "verifying",
    "COMPLETED": "completed",
}


def page(raw: Item) -> Item:
    subdomain = text(raw.get("subdomain"))
    custom_domain = text(raw.get("custom_domain"))
    indicator, description = _PAGE_STATUS.get(str(raw.get("status")), (None, None))
    hosted = f"https://{subdomain}.onlineornot.com" if subdomain else None
    return {
        "id": port_id(raw["id"]),
        "name": raw.get("name"),
        "subdomain": subdomain,
        "domain": host_of(custom_domain),
        "url": custom_domain or hosted,
        "page_description": raw.get("description"),
        "hidden_from_search": raw.get("hide_from_search_engines"),
        "status_indicator": indicator,
        "status_description": description,
        "provider": PROVIDER,
        "raw": raw,
    }


def component_group(raw: Item, page_id: str) -> Item:
    return {
        "id": port_id(raw["id"]),
        "page_id": page_id,
        "name": raw.get("name"),
        "description": raw.get("description"),
        "position": raw.get("sort_order"),
        "created_at": raw.get("created_at"),
        "updated_at": raw.get("updated_at"),
        "provider": PROVIDER,
        "raw": raw,
    }


def component(raw: Item, page_id: str) -> Item:
    return {
        "id": port_id(raw["id"]),
        "page_id": page_id,
        "group_id": IDS.optional(raw.get("group_id")),
        # Groups are objects of their own here, never listed among the components.
        "group": False,
        "name": raw.get("name"),
        "status": component_status(raw.get("status")),
        "showcase": raw.get("display_uptime"),
        "created_at": raw.get("created_at"),
        "updated_at": raw.get("updated_at"),
        "provider": PROVIDER,
        "raw": raw,
    }


def component_status(value: object) -> str | None:
    """Statuspage's status for OnlineOrNot's; None when it has none or one we do not know."""
    return _COMPONENT_STATUS.get(str(value)) if value is not None else None


def incident(raw: Item, page_id: str) -> Item:
    """An incident read from its detail route, which carries its components and updates."""
    incident_id = port_id(raw["id"])
    updates = _oldest_first(raw.get("updates"))
    statuses = _update_statuses(updates)
    maintenance = raw.get("scheduled_maintenance")
    scheduled = maintenance if isinstance(maintenance, dict) else {}
    return {
        "id": incident_id,
        "page_id": page_id,
        "name": raw.get("title"),
        "status": _incident_status(raw, statuses),
        "impact": _IMPACT.get(str(raw.get("impact")), "none"),
        "created_at": raw.get("created_at"),
        "updated_at": raw.get("updated_at"),
        "started_at": raw.get("started"),
        "resolved_at": raw.get("ended"),
        "scheduled_for": scheduled.get("start_date"),
        "scheduled_until": _after(
            scheduled.get("start_date"), scheduled.get("duration_minutes")
        ),
        "components": _incident_components(raw.get("components"), updates),
        # Newest first, as Statuspage lists them; an update before any status was set
        # counts as investigating.
        "incident_updates": [
            incident_update(update, incident_id, status or "investigating")
            for update, status in reversed(list(zip(updates, statuses, strict=True)))
        ],
        "provider": PROVIDER,
        "raw": raw,
    }


def maintenance(raw: Item, page_id: str) -> Item:
    """A scheduled maintenance as its own routes give it: an incident with its schedule, whose
    status follows from it (scheduled, in progress, completed)."""
    schedule = {
        "id": raw["id"],
        "start_date": raw.get("start_date"),
        "duration_minutes": raw.get("duration_minutes"),
    }
    item = incident({**raw, "scheduled_maintenance": schedule}, page_id)
    starts = parsed_time(item["scheduled_for"])
    if raw.get("ended"):
        status = "completed"
    elif starts is not None and starts > datetime.now(UTC):
        status = "scheduled"
    else:
        status = "in_progress"
    return {**item, "status": status}


def incident_update(raw: Item, incident_id: str, status: str) -> Item:
    return {
        "id": port_id(raw["id"]),
        "incident_id": incident_id,
        "status": status,
        "body": raw.get("description"),
        "display_at": raw.get("date_happened"),
        "created_at": raw.get("created_at"),
        "updated_at": raw.get("updated_at"),
        "affected_components": _affected_components(raw.get("components")),
        "provider": PROVIDER,
        "raw": raw,
    }


def _update_statuses(updates: Sequence[Item]) -> list[str | None]:
    """Each update's status, oldest first; an UPDATE (or unknown) status keeps the one
    before it, as the incident's state did not change, and is None before any was set.
    """
    statuses: list[str | None] = []
    current: str | None = None
    for update in updates:
        current = _UPDATE_STATUS.get(str(update.get("status")), current)
        statuses.append(current)
    return statuses


def _incident_status(raw: Item, statuses: Sequence[str | None]) -> str:
    """The status of the latest update that set one; without any, the list item's
    `latest_update`, and failing that whether the incident ended (`ended` says more than
    the table's fallback, investigating, for an ended incident with only UPDATE notes).
    """
    latest = next((s for s in reversed(statuses) if s is not None), None)
    if latest is None:
        summary = raw.get("latest_update")
        if isinstance(summary, dict):
            latest = _UPDATE_STATUS.get(str(summary.get("status")))
    if latest is not None:
        return latest
    return "resolved" if raw.get("ended") else "investigating"


def _incident_components(listed: object, updates: Sequence[Item]) -> list[Item]:
    """The incident's components, each with the status its latest update gave it."""
    latest_status: dict[str, str | None] = {}
    for update in updates:
        for change in objects(update.get("components")):
            if isinstance(change.get("id"), str):
                latest_status[change["id"]] = component_status(change.get("new_status"))
    return [
        {
            "id": port_id(item["id"]),
            "name": item.get("name"),
            "status": latest_status.get(item["id"]),
        }
        for item in objects(listed)
        if isinstance(item.get("id"), str)
    ]


def _affected_components(changes: object) -> list[Item] | None:
    affected = [
        {
            "code": port_id(change["id"]),
            "name": change.get("name"),
            "old_status": component_status(change.get("old_status")),
            "new_status": component_status(change.get("new_status")),
        }
        for change in objects(changes)
        if isinstance(change.get("id"), str)
    ]
    return affected or None


def _oldest_first(updates: object) -> list[Item]:
    """The updates with an id, oldest first by when they happened; the API's order is
    undocumented, and ties keep it."""
    valid = [u for u in objects(updates) if isinstance(u.get("id"), str)]
    return sorted(
        valid, key=lambda u: moment(u.get("date_happened") or u.get("created_at"))
    )


def _after(start: object, minutes: object) -> str | None:
    """`start` plus `minutes`, in the API's timestamp format; None if either is unusable."""
    if not isinstance(start, str) or isinstance(minutes, bool):
        return None
    if not isinstance(minutes, int | float):
        return None
    begins = moment(start)
    if begins == EARLIEST:
        return None
    ends = (begins + timedelta(minutes=minutes)).astimezone(UTC)
    return f"{ends.strftime('%Y-%m-%dT%H:%M:%S')}.{ends.microsecond // 1000:03d}Z"
