"""PingPong's objects in the common shape, which is Statuspage's: its fields and vocabularies
mapped as the reference's tables say (status-page-providers.md §2.5), ids prefixed
`pingpong-` (relations too), `provider` set, and the vendor's object kept whole under `raw`.

PingPong's words are matched without regard to case (its API takes them so); a word it does
not document maps to None rather than failing the object, and `raw` keeps it as it came.
Fields Statuspage has and PingPong lacks are left out; a mapping reading them gets null.
"""

import hashlib
import re
from collections.abc import Sequence
from typing import Final

from client import Item
from vendors.contract import (
    IdPrefix,
    PublishedStatus,
    heaviest,
    host_of,
    moment,
    objects,
    text,
)

PROVIDER: Final = "pingpong"
IDS: Final = IdPrefix(f"{PROVIDER}-")
port_id = IDS.port_id
_HOSTED_DOMAIN: Final = ".pingpong.one"

# `/status` -> Statuspage's indicator. "Some systems have issues" could be minor or major;
# PingPong colours it orange either way, and minor is the milder reading.
_PAGE_INDICATOR: Final = {
    "all systems operational": "none",
    "some systems have issues": "minor",
    "all systems down": "critical",
    "under maintenance": "maintenance",
}
# Unknown and Unavailable have no Statuspage equivalent (PingPong does not say what
# Unavailable means), so they map to None, as any word it does not document.
_COMPONENT_STATUS: Final = {
    "operational": "operational",
    "minor issues": "degraded_performance",
    "major issues": "partial_outage",
    "critical state": "major_outage",
    "maintenance mode": "under_maintenance",
}
# An incident's impact is the heaviest status among its affected components.
_IMPACT_OF_COMPONENT: Final = {
    "minor issues": "minor",
    "major issues": "major",
    "critical state": "critical",
}
# Verifying means a fix is out and being checked: Statuspage's monitoring. (Statuspage's own
# `verifying` is a maintenance state.) In progress is what an incident says before any update.
_INCIDENT_STATUS: Final = {
    "in progress": "investigating",
    "investigating": "investigating",
    "identified": "identified",
    "verifying": "monitoring",
    "resolved": "resolved",
}
_MAINTENANCE_STATUS: Final = {
    "upcoming": "scheduled",
    "in progress": "in_progress",
    "complete": "completed",
}


def page_id_of(project: object) -> str:
    """The page's identifier when `pingpongPageId` is not set: a slug of the project's name,
    the same at every run (a rename changes it). A name with no letter or digit to slug gets
    a digest of itself instead. Raises ValueError when there is no name at all."""
    if not isinstance(project, str) or not project.strip():
        raise ValueError("PingPong named no project")
    slug = re.sub(r"[^a-z0-9]+", "-", project.strip().lower()).strip("-")
    return slug or f"project-{hashlib.sha256(project.encode()).hexdigest()[:12]}"


def page(live: Item, page_id: str) -> Item:
    """The project behind the token, from `/live` (its incident and maintenance lists are
    synced as incidents, and left out of `raw`)."""
    url = text(live.get("url"))
    host = host_of(url)
    hosted = host is not None and host.endswith(_HOSTED_DOMAIN)
    return {
        "id": port_id(page_id),
        "name": live.get("project"),
        "url": url,
        "domain": host,
        "subdomain": host.split(".")[0] if hosted and host else None,
        "provider": PROVIDER,
        "raw": {k: v for k, v in live.items() if k not in ("incidents", "maintenance")},
    }


def published_status(status: Item) -> PublishedStatus | None:
    """`/status` in Statuspage's indicator, with PingPong's own words; None for a phrase
    PingPong does not document (the status is then derived)."""
    phrase = text(status.get("status"))
    indicator = _PAGE_INDICATOR.get(_word(phrase))
    if indicator is None or phrase is None:
        return None
    return PublishedStatus(indicator, phrase)


def component_group(raw: Item, page_id: str, members: Sequence[str] = ()) -> Item:
    return {
        "id": port_id(raw["id"]),
        "page_id": page_id,
        "name": raw.get("name"),
        "description": raw.get("description"),
        "created_at": raw.get("created_at"),
        "components": list(members),
        "provider": PROVIDER,
        "raw": raw,
    }


def component(raw: Item, page_id: str) -> Item:
    return {
        "id": port_id(raw["id"]),
        "page_id": page_id,
        "group_id": group_id_of(raw),
        # Groups are objects of their own here, never listed among the components.
        "group": False,
        "name": raw.get("name"),
        "description": raw.get("description"),
        "status": component_status(raw.get("status")),
        "showcase": raw.get("showcased"),
        "created_at": raw.get("created_at"),
        "provider": PROVIDER,
        "raw": raw,
    }


def group_id_of(raw_component: Item) -> str | None:
    group = raw_component.get("group")
    if isinstance(group, dict) and isinstance(group.get("id"), str) and group["id"]:
        return port_id(group["id"])
    return None


def component_status(value: object) -> str | None:
    return _COMPONENT_STATUS.get(_word(value))


def incident(raw: Item, page_id: str) -> Item:
    incident_id = port_id(raw["id"])
    updates = _oldest_first(raw.get("updates"))
    affected = objects(raw.get("affected_components"))
    newest = updates[-1].get("created_at") if updates else None
    return {
        "id": incident_id,
        "page_id": page_id,
        "name": raw.get("title"),
        "status": _incident_status(raw, updates),
        "impact": _impact(affected),
        "created_at": raw.get("created_at"),
        "updated_at": newest or raw.get("created_at"),
        "started_at": raw.get("occurred_at") or raw.get("created_at"),
        "resolved_at": _resolved_at(updates),
        "components": _components(affected),
        # Newest first, as Statuspage lists them.
        "incident_updates": [
            incident_update(update, incident_id) for update in reversed(updates)
        ],
        "provider": PROVIDER,
        "raw": raw,
    }


def maintenance(raw: Item, page_id: str) -> Item:
    """A maintenance, as Statuspage has it: an incident with a window and no updates."""
    status = _MAINTENANCE_STATUS.get(_word(raw.get("status")))
    return {
        "id": port_id(raw["id"]),
        "page_id": page_id,
        # Answers call it `name`; the create and update bodies call it `title`.
        "name": raw.get("name") or raw.get("title"),
        "status": status,
        "impact": "maintenance",
        "created_at": raw.get("created_at"),
        "updated_at": raw.get("created_at"),
        "started_at": raw.get("scheduled_for"),
        "resolved_at": raw.get("ends_at") if status == "completed" else None,
        "scheduled_for": raw.get("scheduled_for"),
        "scheduled_until": raw.get("ends_at"),
        "components": _components(objects(raw.get("affected_components"))),
        "incident_updates": [],
        "provider": PROVIDER,
        "raw": raw,
    }


def incident_update(raw: Item, incident_id: str) -> Item:
    created = raw.get("created_at")
    return {
        "id": port_id(raw["id"]),
        "incident_id": incident_id,
        "status": _INCIDENT_STATUS.get(_word(raw.get("status"))),
        "body": raw.get("message"),
        "display_at": created,
        "created_at": created,
        # PingPong does not say which components an update touched.
        "affected_components": None,
        "provider": PROVIDER,
        "raw": raw,
    }


def _incident_status(raw: Item, updates: Sequence[Item]) -> str:
    """The incident's own status; failing that, its latest update's; failing that,
    investigating (what an incident is before anyone says more)."""
    said = [raw.get("status"), *(update.get("status") for update in reversed(updates))]
    mapped = (_INCIDENT_STATUS.get(_word(status)) for status in said)
    return next((status for status in mapped if status is not None), "investigating")


def _impact(affected: Sequence[Item]) -> str:
    return heaviest(
        [_IMPACT_OF_COMPONENT.get(_word(c.get("status"))) for c in affected]
    )


def _resolved_at(updates: Sequence[Item]) -> str | None:
    resolved = [u for u in updates if _word(u.get("status")) == "resolved"]
    stamp = resolved[-1].get("created_at") if resolved else None
    return stamp if isinstance(stamp, str) else None


def _components(affected: Sequence[Item]) -> list[Item]:
    return [
        {
            "id": port_id(c["id"]),
            "name": c.get("name"),
            "status": component_status(c.get("status")),
        }
        for c in affected
        if isinstance(c.get("id"), str)
    ]


def _oldest_first(updates: object) -> list[Item]:
    """The updates with an id, oldest first (the docs' samples are, but do not say so);
    ties keep the API's order."""
    valid = [u for u in objects(updates) if isinstance(u.get("id"), str)]
    return sorted(valid, key=lambda u: moment(u.get("created_at")))


def _word(value: object) -> str:
    return " ".join(value.split()).lower() if isinstance(value, str) else ""
