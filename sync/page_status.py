"""A page's overall status (`status_indicator`, `status_description`), where it came from, and
the rule that derives it from the page's components and unresolved incidents.

Every vendor's objects are in Statuspage's vocabulary by the time they get here, so the rule
serves any vendor whose page has no published status (a private Statuspage page, say).

The rule, which the Statuspage emulator (sandbox/statuspage/model.py) follows too:

- each component (group containers aside) weighs by its status: `operational` none,
  `under_maintenance` maintenance, `degraded_performance` minor, `partial_outage` major,
  `major_outage` critical;
- each unresolved incident (any status but resolved, postmortem, completed or scheduled) weighs
  its `impact`; a maintenance in progress (`in_progress`, `verifying`) weighs at least
  maintenance;
- the indicator is the heaviest weight, in the order none < maintenance < minor < major <
  critical, and the description is Statuspage's words for it: "All Systems Operational",
  "Service Under Maintenance", "Partially Degraded Service" (minor, with a degraded component)
  or else "Minor Service Outage", "Partial System Outage", "Major System Outage".
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from client import Item
from vendors.contract import INDICATORS, parsed_time


class StatusSource(StrEnum):
    """Where a page's status came from, as the `status_source` property says."""

    # The status the vendor publishes for the page (Statuspage: its public status API).
    PUBLIC_API = "public_api"
    # Computed here from the page's components and unresolved incidents.
    DERIVED = "derived"
    # Carried by the vendor's last webhook about the page.
    WEBHOOK = "webhook"


_COMPONENT_WEIGHT: Final = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
_NO_LONGER_WEIGHING: Final = frozenset(
    {"resolved", "postmortem", "completed", "scheduled"}
)
_MAINTENANCE_RUNNING: Final = frozenset({"in_progress", "verifying"})
_DESCRIPTIONS: Final = {
    "none": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}
_DEGRADED_DESCRIPTION: Final = "Partially Degraded Service"


@dataclass(frozen=True)
class PageStatus:
    indicator: str
    description: str
    source: StatusSource
    # How recent the status is: when a webhook arrived, or the newest change a resync's
    # status reflects. A webhook's status gives way only to a status of later changes.
    observed_at: datetime

    def as_fields(self) -> dict[str, str]:
        return {
            "status_indicator": self.indicator,
            "status_description": self.description,
            "status_source": str(self.source),
        }


class StatusDerivation:
    """The derived status of one page, fed its components and incidents batch by batch."""

    def __init__(self) -> None:
        self._heaviest = "none"
        self._degraded_component = False
        self._newest_change: datetime | None = None

    def add_components(self, components: Iterable[Item]) -> None:
        for component in components:
            self._note_change(component)
            if component.get("group") is True:
                continue  # a group's entry mirrors its members, which count already
            status = component.get("status")
            self._weigh(_COMPONENT_WEIGHT.get(str(status), "none"))
            self._degraded_component |= status == "degraded_performance"

    def add_incidents(self, incidents: Iterable[Item]) -> None:
        for incident in incidents:
            self._note_change(incident)
            status = incident.get("status")
            if status in _NO_LONGER_WEIGHING:
                continue
            impact = str(incident.get("impact"))
            self._weigh(impact if impact in INDICATORS else "none")
            if status in _MAINTENANCE_RUNNING:
                self._weigh("maintenance")

    def result(self, now: datetime) -> PageStatus:
        """The derived status, dated by the newest change among what it was fed (never later
        than `now`), or `now` when nothing said when it changed."""
        description = _DESCRIPTIONS[self._heaviest]
        if self._heaviest == "minor" and self._degraded_component:
            description = _DEGRADED_DESCRIPTION
        observed = min(self._newest_change or now, now)
        return PageStatus(self._heaviest, description, StatusSource.DERIVED, observed)

    def _weigh(self, weight: str) -> None:
        if INDICATORS.index(weight) > INDICATORS.index(self._heaviest):
            self._heaviest = weight

    def _note_change(self, item: Item) -> None:
        changed = parsed_time(item.get("updated_at"))
        if changed is not None and (
            self._newest_change is None or changed > self._newest_change
        ):
            self._newest_change = changed
