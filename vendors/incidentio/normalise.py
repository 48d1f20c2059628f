"""incident.io's status-page objects in the common shape, which is Statuspage's: its fields and
words mapped as the reference's tables say (incident-io.md §4.2, §7A, §7C), ids prefixed
`incidentio-` (relations too), `provider` set, and the vendor's object kept whole under `raw`.

Components are the exception to the ids. incident.io's components belong to the organisation,
and a page's structure places them: one component can sit on several pages. Each placement is
an entity of its own, `incidentio-<status page id>-<component id>`, with its page's status.

incident.io publishes no component status and no page status. A component's is derived from
its page's incidents and maintenance (`ComponentStatuses`); a page's by the rule every vendor's
pages share (sync/page_status.py). Fields Statuspage has and incident.io lacks are left out; a
mapping reading them gets null.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Final

from client import Item, VendorNotFoundError
from vendors.contract import (
    IdPrefix,
    heaviest,
    host_of,
    moment,
    objects,
    parsed_time,
    text,
)

PROVIDER: Final = "incidentio"
IDS: Final = IdPrefix(f"{PROVIDER}-")
port_id = IDS.port_id

# incident.io's component statuses in Statuspage's words; it says full_outage for major_outage.
_COMPONENT_STATUS: Final = {
    "operational": "operational",
    "degraded_performance": "degraded_performance",
    "partial_outage": "partial_outage",
    "full_outage": "major_outage",
    "under_maintenance": "under_maintenance",
}
# An incident has no impact of its own: it is the worst its component impacts say.
_IMPACT: Final = {
    "degraded_performance": "minor",
    "partial_outage": "major",
    "full_outage": "critical",
}
# Incidents use Statuspage's statuses as they are; maintenance has its own.
_MAINTENANCE_STATUS: Final = {
    "maintenance_scheduled": "scheduled",
    "maintenance_in_progress": "in_progress",
    "maintenance_complete": "completed",
}
# A component's status under an impact (as an incident's impact says it).
_STATUS_OF_IMPACT: Final = {
    impact: _COMPONENT_STATUS[status] for status, impact in _IMPACT.items()
}
_RESOLVED: Final = "resolved"
_COMPLETED: Final = "completed"
_IN_PROGRESS: Final = "in_progress"


def page(raw: Item) -> Item:
    url = text(raw.get("public_url"))
    return {
        "id": port_id(raw["id"]),
        "name": raw.get("name"),
        "page_description": raw.get("description"),
        "url": url,
        "domain": host_of(url),
        "provider": PROVIDER,
        "raw": raw,
    }


def placement_id(page_id: str, component_id: str) -> str:
    """A component as placed on the page `page_id` (Port's identifier of the page)."""
    return f"{page_id}-{component_id}"


def placed_component_id(page_id: str, placement: str) -> str:
    """incident.io's own id of the component a placement on the page is; VendorNotFoundError
    when it is not a placement on that page."""
    prefix = placement_id(page_id, "")
    if not placement.startswith(prefix) or placement == prefix:
        raise VendorNotFoundError(
            f"{placement!r} is not a component of incident.io page {page_id}"
        )
    return placement.removeprefix(prefix)


class ComponentStatuses:
    """Each component's current status on one page, which incident.io's API does not give,
    from the page's incidents and maintenance (normalised, `raw` kept): the worst impact still
    under way on an incident not resolved; else `under_maintenance` while a maintenance in
    progress has a period under way for it; else `operational`.

    An impact or period is under way from its `start_at` (none: from the start) until its
    `end_at` (none, as incident.io leaves it while it lasts: still under way)."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        # The worst impact under way on each component, as an incident's impact.
        self._impacts: dict[str, str] = {}
        self._maintained: set[str] = set()

    def add(self, incidents: Iterable[Item]) -> None:
        for incident in incidents:
            raw = incident["raw"]
            if incident["status"] != _RESOLVED:
                under_way = self._under_way(raw.get("component_impacts"))
                for component_id, impact in _worst_impacts(under_way).items():
                    known = self._impacts.get(component_id, "none")
                    self._impacts[component_id] = heaviest([known, impact])
            if incident["status"] == _IN_PROGRESS:
                periods = self._under_way(raw.get("component_maintenance_periods"))
                self._maintained.update(period["component_id"] for period in periods)

    def of(self, component_id: str) -> str:
        impacted = _STATUS_OF_IMPACT.get(self._impacts.get(component_id, "none"))
        if impacted is not None:
            return impacted
        if component_id in self._maintained:
            return "under_maintenance"
        return "operational"

    def _under_way(self, spans: object) -> list[Item]:
        now = self._now
        return [
            span
            for span in _naming_components(spans)
            if (parsed_time(span.get("start_at")) or now) <= now
            and (span.get("end_at") is None or moment(span.get("end_at")) > now)
        ]


def structure(items: object, page_id: str, statuses: ComponentStatuses) -> list[Item]:
    """The page's structure as a components list: each group and each sub-page, flagged
    `group` (as Statuspage lists its groups among its components; they are the page's
    component groups too), and each component placed on the page, whose group is its
    innermost container: its group, even inside a sub-page; else its sub-page; else none.

    The structure's top level holds components, groups and sub-pages; a sub-page holds
    components and groups. An item of any other shape is passed over."""
    return _Placing(page_id, statuses).items(objects(items), None)


class _Placing:
    def __init__(self, page_id: str, statuses: ComponentStatuses) -> None:
        self._page_id = page_id
        self._statuses = statuses

    def items(self, items: Sequence[Item], sub_page: str | None) -> list[Item]:
        placed: list[Item] = []
        for position, item in enumerate(items, start=1):
            component, group = item.get("component"), item.get("group")
            inner = item.get("sub_page") if sub_page is None else None
            if isinstance(component, dict):
                placed += self._components([(position, component)], sub_page)
            elif isinstance(group, dict) and _has_id(group):
                members = enumerate(objects(group.get("components")), start=1)
                placed.append(self._container(group, position))
                placed += self._components(members, port_id(group["id"]))
            elif isinstance(inner, dict) and _has_id(inner):
                placed.append(self._container(inner, position))
                placed += self.items(objects(inner.get("items")), port_id(inner["id"]))
        return placed

    def _container(self, raw: Item, position: int) -> Item:
        return {
            "id": port_id(raw["id"]),
            "page_id": self._page_id,
            "group": True,
            "group_id": None,
            "name": raw.get("name"),
            "position": position,
            "provider": PROVIDER,
            "raw": raw,
        }

    def _components(
        self, placed: Iterable[tuple[int, Item]], group_id: str | None
    ) -> list[Item]:
        return [
            {
                "id": placement_id(self._page_id, raw["component_id"]),
                "page_id": self._page_id,
                "group_id": group_id,
                "group": False,
                "name": raw.get("name"),
                "status": self._statuses.of(raw["component_id"]),
                "showcase": raw.get("display_uptime"),
                "position": position,
                "provider": PROVIDER,
                "raw": raw,
            }
            for position, raw in placed
            if _names_component(raw)
        ]


def incident(raw: Item, page_id: str) -> Item:
    """A status-page incident: its components are those its impacts name (each with its
    worst impact's status), its impact the worst of theirs, its statuses Statuspage's.
    """
    impacts = _naming_components(raw.get("component_impacts"))
    worst = _worst_impacts(impacts)
    return {
        **_event(raw, page_id, "incident_status", text, _RESOLVED),
        "impact": heaviest(list(worst.values())),
        "started_at": _earliest_start(impacts) or raw.get("published_at"),
        "components": [
            {
                "id": placement_id(page_id, component_id),
                "status": _STATUS_OF_IMPACT.get(impact),
            }
            for component_id, impact in worst.items()
        ],
    }


def maintenance(raw: Item, page_id: str) -> Item:
    """A status-page maintenance: its components are those its periods name, its window
    from the first period's start to the last one's end (none while a period has no end).
    """
    periods = _naming_components(raw.get("component_maintenance_periods"))
    starts = _earliest_start(periods)
    return {
        **_event(raw, page_id, "maintenance_status", _maintenance_status, _COMPLETED),
        "impact": "maintenance",
        "started_at": starts,
        "scheduled_for": starts,
        "scheduled_until": _latest_end(periods),
        "components": [
            {"id": placement_id(page_id, component_id), "status": "under_maintenance"}
            for component_id in dict.fromkeys(p["component_id"] for p in periods)
        ],
    }


def _maintenance_status(value: object) -> str | None:
    return _MAINTENANCE_STATUS.get(str(value))


def _event(
    raw: Item,
    page_id: str,
    status_field: str,
    status_of: Callable[[object], str | None],
    closed: str,
) -> Item:
    """What an incident and a maintenance have alike: a status (theirs and their updates'
    under `status_field`), their updates (newest first, as Statuspage lists them), and when
    they were published, last updated and closed (by their last update that closed them,
    while they are closed)."""
    incident_id = port_id(raw["id"])
    status = status_of(raw.get(status_field))
    updates = [
        _update(update, incident_id, page_id, status_of(update.get(status_field)))
        for update in sorted(
            (u for u in objects(raw.get("updates")) if _has_id(u)),
            key=lambda u: moment(u.get("published_at")),
            reverse=True,
        )
    ]
    closings = [u["created_at"] for u in updates if u["status"] == closed]
    return {
        "id": incident_id,
        "page_id": page_id,
        "name": raw.get("name"),
        "status": status,
        "created_at": raw.get("published_at"),
        "updated_at": updates[0]["created_at"] if updates else raw.get("published_at"),
        "resolved_at": closings[0] if status == closed and closings else None,
        "incident_updates": updates,
        "provider": PROVIDER,
        "raw": raw,
    }


def _update(raw: Item, incident_id: str, page_id: str, status: str | None) -> Item:
    published = raw.get("published_at")
    affected = [
        {
            "code": placement_id(page_id, change["component_id"]),
            "new_status": _COMPONENT_STATUS.get(str(change.get("component_status"))),
        }
        for change in _naming_components(raw.get("component_statuses"))
    ]
    return {
        "id": port_id(raw["id"]),
        "incident_id": incident_id,
        "status": status,
        "body": raw.get("message"),
        "display_at": published,
        "created_at": published,
        "affected_components": affected or None,
        "provider": PROVIDER,
        "raw": raw,
    }


def _worst_impacts(impacts: Iterable[Item]) -> dict[str, str]:
    """The worst of `impacts` on each component they name, as an incident's impact
    (`none` for a status incident.io does not document)."""
    worst: dict[str, str] = {}
    for impact in impacts:
        said = _IMPACT.get(str(impact.get("component_status")), "none")
        known = worst.get(impact["component_id"], "none")
        worst[impact["component_id"]] = heaviest([known, said])
    return worst


def _naming_components(value: object) -> list[Item]:
    """The objects in a list that name a component: impacts, periods, changes."""
    return [item for item in objects(value) if _names_component(item)]


def _names_component(item: Item) -> bool:
    return isinstance(item.get("component_id"), str) and bool(item["component_id"])


def _earliest_start(spans: Sequence[Item]) -> str | None:
    starts = [s["start_at"] for s in spans if parsed_time(s.get("start_at"))]
    return min(starts, key=moment) if starts else None


def _latest_end(spans: Sequence[Item]) -> str | None:
    ends = [s.get("end_at") for s in spans]
    if not ends or not all(parsed_time(end) for end in ends):
        return None
    return str(max(ends, key=moment))


def _has_id(item: Item) -> bool:
    return isinstance(item.get("id"), str) and bool(item["id"])
