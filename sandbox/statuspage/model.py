"""In-memory state of the emulated Statuspage account and how it is rendered.

Objects are kept as the JSON dicts the API answers with, so what the seed
produced is exactly what a client receives. Incidents keep only the ids of
their components and embed the live component objects when rendered, as
Statuspage does.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal

JsonObject = dict[str, Any]

ComponentStatus = Literal[
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
]
IncidentStatus = Literal[
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "scheduled",
    "in_progress",
    "completed",
]
Impact = Literal["none", "minor", "major", "critical"]
SubscriberType = Literal["email", "sms", "webhook", "slack", "integration"]
SubscriberState = Literal["active", "unconfirmed", "quarantined"]

COMPONENT_STATUSES: Final[tuple[ComponentStatus, ...]] = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
IMPACTS: Final[tuple[Impact, ...]] = ("none", "minor", "major", "critical")
# Incidents in these states no longer (or do not yet) weigh on the page status.
_STATUSES_WITHOUT_IMPACT: Final = frozenset({"resolved", "completed", "scheduled"})
# A maintenance in these states weighs at least `maintenance`.
_MAINTENANCE_UNDER_WAY: Final = frozenset({"in_progress", "verifying"})

# The page's status indicator, lightest first: the heaviest weight on the page wins.
_INDICATORS: Final = ("none", "maintenance", "minor", "major", "critical")
# How much each component status weighs on the page's status indicator.
_COMPONENT_IMPACT: Final[dict[str, str]] = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
_SEVERITY_ORDER: Final[tuple[str, ...]] = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)


class NotFoundError(LookupError):
    """The page, or an object on it, does not exist."""


@dataclass
class IncidentRecord:
    """An incident without its embedded components, plus their ids."""

    fields: JsonObject
    component_ids: list[str]


@dataclass
class SubscriberRecord:
    """A subscriber as the API shows it, plus the state the API filters on."""

    fields: JsonObject
    state: SubscriberState


@dataclass
class PageState:
    """One status page and everything on it, in the order the API lists it."""

    page: JsonObject
    status_indicator: str = "none"
    status_description: str = "All Systems Operational"
    # When the status last changed (ISO 8601), which the public status API dates its
    # answer by; None until it changes after the seed.
    status_changed_at: str | None = None
    # A private page: viewers must be team members, so its public status API refuses.
    private: bool = False
    # Where the page says it is published, when not here (a custom domain elsewhere).
    url: str | None = None
    groups: dict[str, JsonObject] = field(default_factory=dict)
    components: dict[str, JsonObject] = field(default_factory=dict)
    incidents: dict[str, IncidentRecord] = field(default_factory=dict)
    subscribers: dict[str, SubscriberRecord] = field(default_factory=dict)

    @property
    def page_id(self) -> str:
        return str(self.page["id"])

    def component(self, component_id: str) -> JsonObject:
        return _found(self.components, component_id, "component")

    def incident(self, incident_id: str) -> IncidentRecord:
        return _found(self.incidents, incident_id, "incident")

    def subscriber(self, subscriber_id: str) -> SubscriberRecord:
        return _found(self.subscribers, subscriber_id, "subscriber")

    def render_incident(self, incident_id: str) -> JsonObject:
        record = self.incident(incident_id)
        embedded = [
            self.components[cid]
            for cid in record.component_ids
            if cid in self.components
        ]
        return {**record.fields, "components": embedded}

    def rendered_incidents(self) -> list[JsonObject]:
        return [self.render_incident(incident_id) for incident_id in self.incidents]

    def refresh_status(self, changed_at: str | None = None) -> None:
        """Derive the page's indicator from its components and open incidents; `changed_at`
        is when, if this is a change rather than the seed."""
        status = _page_status(
            list(self.components.values()),
            [record.fields for record in self.incidents.values()],
        )
        if status != (self.status_indicator, self.status_description):
            self.status_changed_at = changed_at
        self.status_indicator, self.status_description = status


@dataclass
class SandboxState:
    """All pages of the emulated account, keyed by page id."""

    pages: dict[str, PageState] = field(default_factory=dict)

    def page(self, page_id: str) -> PageState:
        return _found(self.pages, page_id, "page")

    def object_ids(self) -> Iterator[str]:
        """Every id in use, so new objects never collide with seeded ones."""
        for page in self.pages.values():
            yield page.page_id
            yield from page.groups
            yield from page.components
            yield from page.subscribers
            for incident_id, record in page.incidents.items():
                yield incident_id
                yield from (
                    update["id"] for update in record.fields["incident_updates"]
                )


def _found[T](objects: dict[str, T], object_id: str, what: str) -> T:
    try:
        return objects[object_id]
    except KeyError:
        raise NotFoundError(f"{what} {object_id} not found") from None


def worst_component_status(statuses: list[str]) -> str:
    """The most severe status, e.g. for a group container over its members."""
    ranked = [status for status in statuses if status in _SEVERITY_ORDER]
    if not ranked:
        return "operational"
    return max(ranked, key=_SEVERITY_ORDER.index)


def _page_status(
    components: list[JsonObject], incidents: list[JsonObject]
) -> tuple[str, str]:
    statuses = [str(c["status"]) for c in components if not c.get("group")]
    worst = worst_component_status(statuses)
    weights = [_COMPONENT_IMPACT[worst]]
    for incident in incidents:
        status = incident.get("status")
        if status in _STATUSES_WITHOUT_IMPACT:
            continue
        if incident.get("impact") in IMPACTS:
            weights.append(str(incident["impact"]))
        if status in _MAINTENANCE_UNDER_WAY:
            weights.append("maintenance")
    indicator = max(weights, key=_INDICATORS.index)
    return indicator, _describe(indicator, worst)


def _describe(indicator: str, worst_component: str) -> str:
    if indicator == "none":
        return "All Systems Operational"
    if indicator == "maintenance":
        return "Service Under Maintenance"
    if indicator == "minor":
        if worst_component == "degraded_performance":
            return "Partially Degraded Service"
        return "Minor Service Outage"
    if indicator == "major":
        return "Partial System Outage"
    return "Major System Outage"
