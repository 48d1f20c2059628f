"""The emulator's data as incident.io's status-page API shows it (the objects of its public
spec): the same pages, groups, components, incidents and updates the Statuspage dialect serves,
in incident.io's fields and words, with the same ids.

Where incident.io has a concept Statuspage lacks, or the other way round, the nearest is taken.
incident.io has sub-pages: a page's first group (in display order) is rendered as a sub-page
holding its members, with the second group nested inside it, so that a structure shows every
nesting the integration reads; the other groups are groups, and ungrouped components stand at
the top. A Statuspage maintenance (`scheduled_for`) is a maintenance, with one period per
component, open-ended while it is in progress. An incident's components each get an impact of
the incident's impact (none counts as degraded performance), which ends as the incident does.
incident.io has no component status: the data set's is not shown.
"""

from typing import Any, Final

from .model import JsonObject, PageState

COMPONENT_STATUS: Final = {
    "operational": "operational",
    "degraded_performance": "degraded_performance",
    "partial_outage": "partial_outage",
    "major_outage": "full_outage",
    "under_maintenance": "under_maintenance",
}
_IMPACT_STATUS: Final = {
    "none": "degraded_performance",
    "minor": "degraded_performance",
    "major": "partial_outage",
    "critical": "full_outage",
}
_INCIDENT_STATUS: Final = {"postmortem": "resolved"}
_MAINTENANCE_STATUS: Final = {
    "scheduled": "maintenance_scheduled",
    "in_progress": "maintenance_in_progress",
    "verifying": "maintenance_in_progress",
    "completed": "maintenance_complete",
}


def is_maintenance(rendered: JsonObject) -> bool:
    return bool(rendered.get("scheduled_for"))


def status_page(page: PageState) -> JsonObject:
    fields = page.page
    return {
        "id": page.page_id,
        "name": fields["name"],
        "description": fields.get("page_description"),
        "public_url": fields.get("url")
        or f"https://status.incident.io/{fields['subdomain']}",
    }


def structure(page: PageState) -> JsonObject:
    containers = [c["id"] for c in page.components.values() if c["group"]]
    sub_page, nested = [*containers, None, None][:2]
    items: list[JsonObject] = []
    for component in page.components.values():
        if component["group_id"] is not None or component["id"] == nested:
            continue
        if component["id"] == sub_page:
            inside = _members(page, component["id"])
            if nested is not None:
                inside.append({"group": _group(page, nested)})
            items.append(
                {
                    "sub_page": {
                        "id": component["id"],
                        "name": component["name"],
                        "items": inside,
                    }
                }
            )
        elif component["group"]:
            items.append({"group": _group(page, component["id"])})
        else:
            items.append({"component": _component(component)})
    return {"current_structure": {"items": items}}


def incident(rendered: JsonObject) -> JsonObject:
    status = _INCIDENT_STATUS.get(rendered["status"], rendered["status"])
    ended_at = rendered.get("resolved_at") if status == "resolved" else None
    return {
        "id": rendered["id"],
        "status_page_id": rendered["page_id"],
        "name": rendered["name"],
        "incident_status": status,
        "published_at": rendered["created_at"],
        "component_impacts": [
            {
                "component_id": component["id"],
                "component_status": _IMPACT_STATUS[rendered["impact"]],
                "start_at": rendered.get("started_at") or rendered["created_at"],
                "end_at": ended_at,
            }
            for component in rendered["components"]
        ],
        "updates": [
            {
                **_update(update, "status_page_incident_id"),
                "incident_status": _INCIDENT_STATUS.get(
                    update["status"], update["status"]
                ),
            }
            for update in rendered["incident_updates"]
        ],
    }


def maintenance(rendered: JsonObject) -> JsonObject:
    status = _maintenance_status(rendered["status"])
    in_progress = status == "maintenance_in_progress"
    return {
        "id": rendered["id"],
        "status_page_id": rendered["page_id"],
        "name": rendered["name"],
        "maintenance_status": status,
        "published_at": rendered["created_at"],
        "component_maintenance_periods": [
            {
                "component_id": component["id"],
                "start_at": rendered["scheduled_for"],
                "end_at": None if in_progress else rendered.get("scheduled_until"),
            }
            for component in rendered["components"]
        ],
        "updates": [
            {
                **_update(update, "status_page_maintenance_id"),
                "maintenance_status": _maintenance_status(update["status"]),
            }
            for update in rendered["incident_updates"]
        ],
    }


def availability(uptime: JsonObject, page_id: str, start_at: str, end_at: str) -> Any:
    """A component's availability, from the Statuspage dialect's uptime of it."""
    return {
        "availability": {
            "availability_percent": f"{uptime['uptime_percentage']:.2f}",
            "component_id": uptime["id"],
            "status_page_id": page_id,
            "start_at": start_at,
            "end_at": end_at,
            "data_available_since": start_at,
        }
    }


def _maintenance_status(status: str) -> str:
    return _MAINTENANCE_STATUS.get(status, status)


def _group(page: PageState, group_id: str) -> JsonObject:
    members = [item["component"] for item in _members(page, group_id)]
    return {
        "id": group_id,
        "name": page.groups[group_id]["name"],
        "components": members,
    }


def _members(page: PageState, group_id: str) -> list[JsonObject]:
    return [
        {"component": _component(c)}
        for c in page.components.values()
        if c["group_id"] == group_id
    ]


def _component(fields: JsonObject) -> JsonObject:
    return {
        "component_id": fields["id"],
        "name": fields["name"],
        "display_uptime": bool(fields.get("showcase")),
    }


def _update(fields: JsonObject, parent: str) -> JsonObject:
    return {
        "id": fields["id"],
        parent: fields["incident_id"],
        "message": fields.get("body"),
        "published_at": fields.get("display_at") or fields.get("created_at"),
        "component_statuses": [
            {
                "component_id": change["code"],
                "component_status": COMPONENT_STATUS[change["new_status"]],
            }
            for change in fields.get("affected_components") or []
            if change.get("new_status") in COMPONENT_STATUS
        ],
    }
