"""A PingPong project served at the HTTP boundary by respx, in PingPong's dialect: bare arrays,
`Token` auth, `{"detail": ...}` errors, an incident list of ongoing incidents only, every
incident still readable by id. Its raw ids are the ones FakeAccount uses (`p1-c0`, ...), so a
resync of several vendors shows whether identifiers collide."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx

from tests.support import Responder

PINGPONG_HOST = "https://pingpong.test"
PINGPONG_API = f"{PINGPONG_HOST}/rest/v1"
PROJECT = "ACME Corp"
# The page's identifier in Port: `pingpong-` and a slug of the project's name.
PAGE_ID = "pingpong-acme-corp"


def detail(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"detail": message})


@dataclass
class FakePingPong:
    groups: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    # Every incident, ongoing or resolved, by id, as its detail route answers it.
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    maintenance: list[dict[str, Any]] = field(default_factory=list)
    # Maintenance no longer listed, still read by id.
    past_maintenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: dict[str, str] = field(
        default_factory=lambda: {
            "status": "Some systems have issues",
            "status_color": "orange",
        }
    )

    @classmethod
    def generate(
        cls,
        groups: int = 2,
        components: int = 4,
        incidents: int = 2,
        updates: int = 2,
        maintenance: int = 1,
    ) -> "FakePingPong":
        project = cls()
        project.groups = [group(n) for n in range(groups)]
        project.components = [
            component(n, project.groups[n % groups] if groups else None)
            for n in range(components)
        ]
        for n in range(incidents):
            project.add_incident(f"p1-i{n}", updates, project.components[:2])
        project.maintenance = [
            {
                "id": f"p1-m{n}",
                "project": PROJECT,
                "name": f"Maintenance {n}",
                "created_at": "2026-01-02T08:00:00Z",
                "status": "Upcoming",
                "affected_components": project.components[:1],
                "reported_by": "Donald Duck",
                "scheduled_for": "2026-01-05T22:00:00Z",
                "ends_at": "2026-01-05T23:00:00Z",
                "message": "Upgrading the <b>database</b>.",
            }
            for n in range(maintenance)
        ]
        return project

    def add_incident(
        self,
        incident_id: str,
        updates: int,
        affected: list[dict[str, Any]],
        component_status: str = "Major issues",
    ) -> None:
        statuses = ["Investigating", "Identified", "Verifying"]
        self.incidents[incident_id] = {
            "id": incident_id,
            "project": PROJECT,
            "title": f"Incident {incident_id}",
            "created_at": "2026-01-01T10:00:00Z",
            "status": statuses[max(updates - 1, 0) % len(statuses)],
            "affected_components": [
                {**c, "status": component_status} for c in affected
            ],
            "reported_by": "Donald Duck",
            "occurred_at": "2026-01-01T09:58:00Z",
            "message": "<div>Something broke.</div>",
            "updates": [
                {
                    "id": f"{incident_id}-u{u}",
                    "created_at": f"2026-01-01T1{u}:00:00Z",
                    "reported_by": "Huey",
                    "status": statuses[u % len(statuses)],
                    "message": f"<div>Update {u}</div>",
                }
                for u in range(updates)
            ],
        }

    def resolve(self, incident_id: str) -> None:
        """The incident resolves: a Resolved update, its components back to Operational.
        It leaves the ongoing list and is still read by id."""
        incident = self.incidents[incident_id]
        incident["status"] = "Resolved"
        incident["updates"].append(
            {
                "id": f"{incident_id}-resolved",
                "created_at": "2026-01-01T18:30:00Z",
                "reported_by": "Louie",
                "status": "Resolved",
                "message": "<div>Fixed.</div>",
            }
        )
        for affected in incident["affected_components"]:
            affected["status"] = "Operational"

    def ongoing(self) -> list[dict[str, Any]]:
        return [i for i in self.incidents.values() if i["status"] != "Resolved"]

    def serve(
        self,
        router: respx.MockRouter,
        gate: Responder | None = None,
        missing: tuple[str, ...] = (),
    ) -> None:
        """Routes the project; `gate` may answer a request first (a refusal, a fault), and
        the paths in `missing` answer 404 as an unknown path would."""

        def route(path: str, respond: Callable[..., httpx.Response]) -> None:
            def gated(request: httpx.Request, **params: str) -> httpx.Response:
                if request.url.path.removeprefix("/rest/v1") in missing:
                    return detail(404, "Not found.")
                return (gate and gate(request)) or respond(request, **params)

            router.get(url__regex=f"^{PINGPONG_API}{path}$").mock(side_effect=gated)

        route("/status", lambda _: httpx.Response(200, json=self.status))
        route("/live", lambda _: httpx.Response(200, json=self.live()))
        route("/groups", lambda _: httpx.Response(200, json=self.groups))
        route("/components", lambda _: httpx.Response(200, json=self.components))
        route("/incidents", lambda _: httpx.Response(200, json=self.ongoing()))
        route("/maintenance", lambda _: httpx.Response(200, json=self.maintenance))
        route("/incidents/(?P<object_id>[^/]+)", self._by_id(lambda: self.incidents))
        route(
            "/maintenance/(?P<object_id>[^/]+)",
            self._by_id(
                lambda: {
                    **self.past_maintenance,
                    **{m["id"]: m for m in self.maintenance},
                }
            ),
        )

    def live(self) -> dict[str, Any]:
        return {
            "project": PROJECT,
            "url": "https://acme.pingpong.one",
            "incidents": self.ongoing(),
            "maintenance": [
                m for m in self.maintenance if m["status"] == "In progress"
            ],
        }

    @staticmethod
    def _by_id(
        objects: Callable[[], dict[str, dict[str, Any]]],
    ) -> Callable[..., httpx.Response]:
        def respond(_: httpx.Request, object_id: str) -> httpx.Response:
            found = objects().get(object_id)
            if found is None:
                return detail(404, "Not found.")
            return httpx.Response(200, json=found)

        return respond


def group(n: int) -> dict[str, Any]:
    return {
        "id": f"p1-g{n}",
        "project": PROJECT,
        "name": f"Group {n}",
        "created_at": "2020-02-07T18:35:09Z",
        "description": None,
    }


def component(n: int, in_group: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": f"p1-c{n}",
        "project": PROJECT,
        "name": f"Component {n}",
        "group": in_group,
        "created_at": "2020-02-07T14:22:03Z",
        "status": "Minor issues" if n == 0 else "Operational",
        "status_color": "orange" if n == 0 else "green",
        "description": None,
        "showcased": True,
    }


def held(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What Port holds after a resync upserted `entities`: the same entities, as Port's
    search answers them."""
    return [
        {
            "identifier": e["identifier"],
            "blueprint": e["blueprint"],
            "title": e.get("title"),
            "properties": dict(e.get("properties") or {}),
            "relations": dict(e.get("relations") or {}),
        }
        for e in entities
    ]
