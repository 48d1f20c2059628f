"""The emulator's data as OnlineOrNot's API shows it (the objects of its OpenAPI spec): the same
pages, groups, components, incidents and updates the Statuspage dialect serves, rendered in
OnlineOrNot's fields, vocabularies and timestamp format. Ids are the same in both dialects.

Where OnlineOrNot has a concept Statuspage lacks, or the other way round, the nearest is taken:
a Statuspage maintenance becomes an incident with `scheduled_maintenance`, a group's own
container component is not listed, and the page status comes from the page's indicator.
"""

from datetime import datetime
from typing import Any, Final

from .data import iso_millis
from .model import JsonObject, PageState

_PAGE_STATUS_OF_INDICATOR: Final = {
    "none": "ALL_SYSTEMS_OPERATIONAL",
    "minor": "PARTIALLY_DEGRADED_SERVICE",
    "major": "MINOR_SERVICE_OUTAGE",
    "critical": "MAJOR_SYSTEM_OUTAGE",
}
_UNDER_MAINTENANCE: Final = "Service Under Maintenance"
COMPONENT_STATUS: Final = {
    "operational": "OPERATIONAL",
    "degraded_performance": "DEGRADED_PERFORMANCE",
    "partial_outage": "PARTIAL_OUTAGE",
    "major_outage": "MAJOR_OUTAGE",
    "under_maintenance": "MAINTENANCE",
}
IMPACT: Final = {
    "none": "NO_IMPACT",
    "minor": "DEGRADED_PERFORMANCE",
    "major": "PARTIAL_OUTAGE",
    "critical": "MAJOR_OUTAGE",
}
# OnlineOrNot's webhook payloads carry impact in Statuspage's words (`"major"`).
WEBHOOK_API_VERSION: Final = "2025-01-27"
_DEFAULT_MAINTENANCE_MINUTES: Final = 120


def status_page(page: PageState) -> JsonObject:
    fields = page.page
    domain = fields.get("domain")
    status = (
        "SERVICE_UNDER_MAINTENANCE"
        if page.status_description == _UNDER_MAINTENANCE
        else _PAGE_STATUS_OF_INDICATOR.get(page.status_indicator, "MAJOR_SYSTEM_OUTAGE")
    )
    return {
        "id": page.page_id,
        "name": fields["name"],
        "subdomain": fields["subdomain"],
        "custom_domain": f"https://{domain}" if domain else None,
        "status": status,
        "favicon_url": None,
        "logo_url": None,
        "dark_logo_url": None,
        "description": fields.get("page_description"),
        "hide_from_search_engines": bool(fields.get("hidden_from_search")),
        "has_password": False,
        "allowed_ips": None,
    }


def group(fields: JsonObject) -> JsonObject:
    return {
        "id": fields["id"],
        "name": fields["name"],
        "description": fields.get("description"),
        "sort_order": fields.get("position"),
        "created_at": _millis(fields.get("created_at")),
        "updated_at": _millis(fields.get("updated_at")),
    }


def component(fields: JsonObject) -> JsonObject:
    return {
        "id": fields["id"],
        "name": fields["name"],
        "status": COMPONENT_STATUS.get(str(fields.get("status"))),
        "display_uptime": bool(fields.get("showcase")),
        "display_metrics": True,
        "created_at": _millis(fields.get("created_at")),
        "updated_at": _millis(fields.get("updated_at")),
        "group_id": fields.get("group_id"),
    }


def listed_incident(incident: JsonObject) -> JsonObject:
    """An incident as the list route gives it: base fields and its latest update."""
    updates: list[JsonObject] = incident["incident_updates"]  # newest first
    listed: JsonObject = {
        "id": incident["id"],
        "title": incident["name"],
        "impact": _impact(incident),
        "started": _millis(incident.get("started_at") or incident["created_at"]),
        "created_at": _millis(incident["created_at"]),
        "updated_at": _millis(incident.get("updated_at")),
    }
    if incident.get("resolved_at"):
        listed["ended"] = _millis(incident["resolved_at"])
    if updates:
        latest = updates[0]
        listed["latest_update"] = {
            "id": latest["id"],
            "status": str(latest["status"]).upper(),
            "date_happened": _millis(latest.get("display_at")),
        }
    if incident.get("scheduled_for"):
        listed["scheduled_maintenance"] = _maintenance(incident)
    return listed


def incident_detail(incident: JsonObject) -> JsonObject:
    """An incident as its detail route gives it: with its components and updates."""
    return {
        **listed_incident(incident),
        "components": [
            {"id": c["id"], "name": c["name"]} for c in incident["components"]
        ],
        # Oldest first; OnlineOrNot does not document an order.
        "updates": [update(u) for u in reversed(incident["incident_updates"])],
    }


def update(fields: JsonObject) -> JsonObject:
    return {
        "id": fields["id"],
        "incident_id": fields["incident_id"],
        "status": str(fields["status"]).upper(),
        "description": fields.get("body"),
        "date_happened": _millis(fields.get("display_at")),
        "created_at": _millis(fields.get("created_at")),
        "updated_at": _millis(fields.get("updated_at")),
        "components": [
            {
                "id": change["code"],
                "name": change.get("name"),
                "old_status": COMPONENT_STATUS.get(str(change.get("old_status"))),
                "new_status": COMPONENT_STATUS.get(str(change.get("new_status"))),
            }
            for change in fields.get("affected_components") or []
        ],
    }


def maintenance(incident: JsonObject) -> JsonObject:
    """A maintenance as its own routes give it: the incident's base fields, its schedule and
    its components."""
    schedule = _maintenance(incident)
    return {
        **{k: v for k, v in listed_incident(incident).items() if k != "latest_update"},
        "start_date": schedule["start_date"],
        "duration_minutes": schedule["duration_minutes"],
        "notifications": {"an_hour_before": False, "at_start": True, "at_end": True},
        "components": [
            {"id": c["id"], "name": c["name"]} for c in incident["components"]
        ],
    }


def incident_event(page: PageState, incident: JsonObject, event: str) -> JsonObject:
    """A status-page webhook delivery (payload api_version 2025-01-27)."""
    base = status_page(page)
    site = base["custom_domain"] or f"https://{base['subdomain']}.onlineornot.com"
    return {
        "api_version": WEBHOOK_API_VERSION,
        "type": event,
        "data": {
            "object": {
                "object": "status_page",
                "id": base["id"],
                "name": base["name"],
                "subdomain": base["subdomain"],
                "custom_domain": base["custom_domain"],
                "incident": {
                    "id": incident["id"],
                    "title": incident["name"],
                    "impact": incident.get("impact"),
                    "started_at": _millis(
                        incident.get("started_at") or incident["created_at"]
                    ),
                    "url": f"{site}/incidents/{incident['id']}",
                },
            }
        },
    }


def _impact(incident: JsonObject) -> str:
    if incident.get("scheduled_for"):
        return "MAINTENANCE"
    return IMPACT.get(str(incident.get("impact")), "NO_IMPACT")


def _maintenance(incident: JsonObject) -> JsonObject:
    starts = _parse(incident["scheduled_for"])
    until = incident.get("scheduled_until")
    minutes = (
        round((_parse(until) - starts).total_seconds() / 60)
        if until
        else _DEFAULT_MAINTENANCE_MINUTES
    )
    return {
        "id": incident["id"],
        "start_date": iso_millis(starts),
        "duration_minutes": minutes,
        "notify_subscribers_at_start": True,
        "notify_subscribers_at_end": True,
    }


def _millis(stamp: Any) -> str | None:
    """OnlineOrNot writes every timestamp with milliseconds."""
    return iso_millis(_parse(stamp)) if isinstance(stamp, str) and stamp else None


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
