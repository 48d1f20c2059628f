"""The emulator's data as PingPong's API shows it (the objects of its API docs): one page of the
data set, since one PingPong token is one project, which is one status page. That page is the
data set's first, the docs' sample page (Ctrlv Solutions, 8m2l51279rpl), always there.

Its groups, member components, incidents and updates are rendered in PingPong's fields, words
and timestamp format (UTC, whole seconds), with the same ids. A Statuspage maintenance (an
incident with `scheduled_for`) is a PingPong maintenance, without updates; a group's own
container component is not listed; the project is the page's name.
"""

from datetime import datetime
from typing import Any, Final

from .data import iso_seconds
from .model import JsonObject, PageState, SandboxState

_COMPONENT_STATUS: Final = {
    "operational": ("Operational", "green"),
    "degraded_performance": ("Minor issues", "orange"),
    "partial_outage": ("Major issues", "orange"),
    "major_outage": ("Critical state", "red"),
    "under_maintenance": ("Maintenance mode", "gray"),
}
_INCIDENT_STATUS: Final = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Verifying",
    "resolved": "Resolved",
    "postmortem": "Resolved",
}
_MAINTENANCE_STATUS: Final = {
    "scheduled": "Upcoming",
    "in_progress": "In progress",
    "verifying": "In progress",
    "completed": "Complete",
}
_PAGE_STATUS: Final = {
    "none": ("All systems operational", "green"),
    "maintenance": ("Under maintenance", "gray"),
    "minor": ("Some systems have issues", "orange"),
    "major": ("Some systems have issues", "orange"),
    "critical": ("All systems down", "red"),
}
_ENDED: Final = frozenset({"resolved", "postmortem", "completed"})
_REPORTED_BY: Final = "Sandbox Operator"


def served_page(state: SandboxState) -> PageState:
    """The one page PingPong's dialect serves: the data set's first."""
    return next(iter(state.pages.values()))


def is_maintenance(incident: JsonObject) -> bool:
    return bool(incident.get("scheduled_for"))


def is_ongoing(incident: JsonObject) -> bool:
    """Listed by `/incidents`: an incident (not a maintenance) that has not ended."""
    return not is_maintenance(incident) and incident.get("status") not in _ENDED


def status(page: PageState) -> JsonObject:
    phrase, color = _PAGE_STATUS.get(page.status_indicator, _PAGE_STATUS["critical"])
    return {"status": phrase, "status_color": color}


def live(page: PageState) -> JsonObject:
    incidents = page.rendered_incidents()
    subdomain = page.page.get("subdomain")
    return {
        "project": page.page["name"],
        "url": page.page.get("url") or f"https://{subdomain}.pingpong.one",
        "incidents": [incident(i, page) for i in incidents if is_ongoing(i)],
        "maintenance": [
            maintenance(i, page)
            for i in incidents
            if is_maintenance(i) and i.get("status") in ("in_progress", "verifying")
        ],
    }


def group(fields: JsonObject, page: PageState) -> JsonObject:
    return {
        "id": fields["id"],
        "project": page.page["name"],
        "name": fields["name"],
        "created_at": _seconds(fields.get("created_at")),
        "description": fields.get("description"),
    }


def component(fields: JsonObject, page: PageState) -> JsonObject:
    word, color = _COMPONENT_STATUS.get(str(fields.get("status")), ("Unknown", "gray"))
    group_fields = page.groups.get(fields.get("group_id") or "")
    return {
        "id": fields["id"],
        "project": page.page["name"],
        "name": fields["name"],
        "group": group(group_fields, page) if group_fields else None,
        "created_at": _seconds(fields.get("created_at")),
        "status": word,
        "status_color": color,
        "description": fields.get("description"),
        "showcased": bool(fields.get("showcase")),
    }


def incident(rendered: JsonObject, page: PageState) -> JsonObject:
    """An incident with its affected components (as they are now) and its updates, oldest
    first, as the docs' samples have them."""
    updates = list(reversed(rendered["incident_updates"]))
    return {
        "id": rendered["id"],
        "project": page.page["name"],
        "title": rendered["name"],
        "created_at": _seconds(rendered["created_at"]),
        "status": _INCIDENT_STATUS.get(str(rendered.get("status")), "In progress"),
        "affected_components": [
            {**component(c, page), **_status_set(rendered, c["id"])}
            for c in rendered["components"]
        ],
        "reported_by": _REPORTED_BY,
        "occurred_at": _seconds(rendered.get("started_at")),
        "message": updates[0].get("body") if updates else "",
        "updates": [update(u) for u in updates],
    }


def _status_set(rendered: JsonObject, component_id: str) -> JsonObject:
    """The status the incident's latest word on the component set it to, if any: an
    incident sets the status of each component it affects."""
    for update in rendered["incident_updates"]:  # newest first
        for change in update.get("affected_components") or []:
            if change.get("code") == component_id and change.get("new_status"):
                word, color = _COMPONENT_STATUS.get(
                    str(change["new_status"]), ("Unknown", "gray")
                )
                return {"status": word, "status_color": color}
    return {}


def update(fields: JsonObject) -> JsonObject:
    return {
        "id": fields["id"],
        "created_at": _seconds(fields.get("created_at")),
        "reported_by": _REPORTED_BY,
        "status": _INCIDENT_STATUS.get(str(fields.get("status")), "Investigating"),
        "message": fields.get("body"),
    }


def maintenance(rendered: JsonObject, page: PageState) -> JsonObject:
    updates = rendered["incident_updates"]  # newest first
    return {
        "id": rendered["id"],
        "project": page.page["name"],
        "name": rendered["name"],
        "created_at": _seconds(rendered["created_at"]),
        "status": _MAINTENANCE_STATUS.get(str(rendered.get("status")), "Upcoming"),
        "affected_components": [component(c, page) for c in rendered["components"]],
        "reported_by": _REPORTED_BY,
        "scheduled_for": _seconds(rendered.get("scheduled_for")),
        "ends_at": _seconds(rendered.get("scheduled_until")),
        "message": updates[-1].get("body") if updates else "",
    }


def _seconds(stamp: Any) -> str | None:
    """PingPong writes UTC timestamps to the second."""
    if not isinstance(stamp, str) or not stamp:
        return None
    return iso_seconds(datetime.fromisoformat(stamp.replace("Z", "+00:00")))
