"""Port failing on purpose: faults the stand-in answers instead of doing the work, so a test can
see what the integration makes of Port refusing its upserts or its entity searches.

A fault applies to one of Port's routes (`upsert`: single and bulk entity upserts; `search`:
the entity search), to one blueprint or to all (a search counts as of the blueprint its query
names), for a number of calls or for ever. A 429 says `Retry-After: 0`, so a client that
honours it retries at once: "rate limited for ever" then costs a test its client's retry count,
not its back-off.
"""

from dataclasses import dataclass
from typing import Literal

from sandbox.port.model import JsonObject, PortApiError

FaultRoute = Literal["upsert", "search"]


@dataclass
class PortFault:
    route: FaultRoute
    status: int
    # None: every blueprint.
    blueprint: str | None = None
    # How many more calls it answers; None: every call, for ever.
    remaining: int | None = None

    def __post_init__(self) -> None:
        if not 400 <= self.status <= 599:
            raise ValueError("a Port fault needs an error status (400-599)")
        if self.remaining is not None and self.remaining < 1:
            raise ValueError("a Port fault must apply to at least one call")

    def matches(self, route: FaultRoute, blueprint: str | None) -> bool:
        return self.route == route and self.blueprint in (None, blueprint)

    def error(self) -> PortApiError:
        headers = {"Retry-After": "0"} if self.status == 429 else {}
        return PortApiError(
            self.status,
            "stub_fault",
            f"Port stub: injected HTTP {self.status} on {self.route}",
            headers,
        )


class PortFaults:
    """Armed faults, used up first-armed first."""

    def __init__(self) -> None:
        self._faults: list[PortFault] = []

    def arm(self, fault: PortFault) -> None:
        self._faults.append(fault)

    def take(self, route: FaultRoute, blueprint: str | None) -> PortFault | None:
        for fault in self._faults:
            if fault.matches(route, blueprint):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()


def blueprint_searched(query: JsonObject) -> str | None:
    """The blueprint a search query asks for with `$blueprint =`, at any depth."""
    if query.get("property") == "$blueprint" and query.get("operator") == "=":
        value = query.get("value")
        return value if isinstance(value, str) else None
    for inner in query.get("rules", []):
        if isinstance(inner, dict) and (found := blueprint_searched(inner)):
            return found
    return None
