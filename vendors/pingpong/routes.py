"""Every path the integration reads of PingPong's API, in one table.

PingPong's API docs (developers.pingpong.one, 1.1.0) lost their paths: only `/status` and
`/live` survive, in an older rendering and a curl example. The others are inferred from the
operations' names, parameters and schemas, in the style of the two known ones (short
lowercase nouns, no trailing slash): see status-page-providers.md §2.2. Correcting one
against a live account is a one-line change below.
"""

from dataclasses import dataclass
from typing import Final
from urllib.parse import quote


@dataclass(frozen=True)
class Route:
    """A path under `pingpongHost`; `{id}` stands for an object's id."""

    template: str
    # Seen in PingPong's docs; otherwise inferred from them.
    confirmed: bool = False

    def path(self, object_id: str | None = None) -> str:
        if object_id is None:
            return self.template
        # An id is one path segment, whatever it holds.
        return self.template.replace("{id}", quote(object_id, safe=""))

    def not_found(self) -> str:
        """What a 404 on this path means, for an error message."""
        if self.confirmed:
            return (
                f"PingPong answered 404 to GET {self.template}, a path its docs give: check "
                "pingpongHost (https://api.pingpong.one/rest/v1, or the host alone)"
            )
        return (
            f"PingPong answered 404 to GET {self.template}, a path inferred from its docs "
            "(which lost their paths): it may differ for this account. Nothing it lists "
            "was synced or deleted; please report it, so the path can be corrected"
        )


@dataclass(frozen=True)
class Routes:
    status: Route = Route("/status", confirmed=True)
    live: Route = Route("/live", confirmed=True)
    groups: Route = Route("/groups")
    components: Route = Route("/components")
    component: Route = Route("/components/{id}")
    # Ongoing incidents only ("all ongoing incident events that are not resolved").
    incidents: Route = Route("/incidents")
    incident: Route = Route("/incidents/{id}")
    maintenance: Route = Route("/maintenance")
    maintenance_item: Route = Route("/maintenance/{id}")


ROUTES: Final = Routes()
