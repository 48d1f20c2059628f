"""PingPong through Ocean's own machinery (IntegrationTestHarness), PingPong served by the
emulator's dialect and Port by the harness: what lands, and the incidents that leave PingPong's ongoing-only list
kept in Port across resyncs, re-read by id only until Port holds them resolved. A wrong path
deletes nothing and names itself."""

from collections.abc import Iterator
from typing import Any

import pytest
import respx

from sandbox.expected import pingpong_page_id
from sandbox.statuspage import pingpong_objects
from sandbox.statuspage.model import ComponentStatus, IncidentStatus
from sandbox.statuspage.server import StatuspageEmulator
from tests.conftest import Emulate
from tests.support import fail, pages_of, sent
from tests.webhook_processors.support import captured_logs

TOKEN = "pp-token-that-must-never-be-logged"
Key = tuple[str, str]


class Project:
    """The emulator's first page as PingPong's one project: its seeded incidents gone, then
    `incidents` under way, each of `updates` updates and setting the first two components to
    Major issues (which have moved on since), and one maintenance to come."""

    def __init__(self, emulate: Emulate, incidents: int = 2, updates: int = 2) -> None:
        self.served: StatuspageEmulator = emulate(
            TOKEN, groups=2, components=6, incidents=1
        )
        [page] = pages_of(self.served)
        self.page_id = page.page_id
        for seeded in list(page.incidents):
            self.served.remove_incident(self.page_id, seeded)
        members = [c for c in page.components.values() if not c["group"]]
        # Grouped components first.
        self.components = sorted(members, key=lambda c: c["group_id"] is None)
        affected = tuple(c["id"] for c in self.components[:2])
        for component_id in affected:
            self.set_status(component_id, "partial_outage")
        self.incidents = [self._incident(affected, updates) for _ in range(incidents)]
        self.set_status(affected[0], "degraded_performance")
        self.set_status(affected[1], "operational")
        self.maintenance = self.served.add_incident(
            self.page_id, status="scheduled", impact="none", component_ids=affected[:1]
        )["id"]
        self.port_page_id = pingpong_page_id(self.served)

    def _incident(self, affected: tuple[str, ...], updates: int) -> str:
        statuses: tuple[IncidentStatus, ...] = ("identified", "monitoring")
        opened = self.served.add_incident(self.page_id, component_ids=affected)
        for n in range(updates - 1):
            status = statuses[n % len(statuses)]
            self.served.add_incident_update(self.page_id, opened["id"], status)
        return str(opened["id"])

    def set_status(self, component_id: str, status: ComponentStatus) -> None:
        self.served.set_component_status(self.page_id, component_id, status)

    def resolve(self, incident_id: str) -> None:
        """The incident resolves: it leaves the ongoing list and is still read by id."""
        self.served.add_incident_update(self.page_id, incident_id, "resolved")

    def remove(self, incident_id: str) -> None:
        self.served.remove_incident(self.page_id, incident_id)

    def as_pingpong(self, incident_id: str) -> dict[str, Any]:
        """The incident or maintenance as PingPong answers it by id."""
        with self.served.reading() as state:
            page = pingpong_objects.served_page(state)
            rendered = page.render_incident(incident_id)
            if pingpong_objects.is_maintenance(rendered):
                return pingpong_objects.maintenance(rendered, page)
            return pingpong_objects.incident(rendered, page)

    def config(self, **extra: Any) -> dict[str, Any]:
        """PingPong alone: the harness's Statuspage key is unset."""
        return {
            "statuspage_api_key": "",
            "pingpong_api_key": TOKEN,
            "pingpong_host": self.served.base_url,
            **extra,
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


class PortHolds:
    """What Port holds across resyncs: each resync's upserts merged in, its deletions out."""

    def __init__(self) -> None:
        self.entities: dict[Key, dict[str, Any]] = {}

    def after(self, result: Any) -> None:
        for entity in result.upserted_entities:
            self.entities[(entity["blueprint"], entity["identifier"])] = entity
        for entity in result.deleted_entities:
            self.entities.pop((entity["blueprint"], entity["identifier"]), None)

    def of(self, blueprint: str) -> dict[str, dict[str, Any]]:
        return {i: e for (b, i), e in self.entities.items() if b == blueprint}

    def as_searched(self) -> list[dict[str, Any]]:
        return held(list(self.entities.values()))


def reads_by_id(harness: Any) -> list[str]:
    return [
        request.url.path.removeprefix("/rest/v1")
        for request in sent(harness)
        if request.url.path.count("/") > 3
    ]


async def resync(harness: Any, port: PortHolds) -> Any:
    """A resync, what Port holds given to it, after the requests of earlier ones are
    forgotten."""
    harness.third_party_transport.reset()
    harness.port_mock.search_entities_response = port.as_searched()
    result = await harness.trigger_resync()
    port.after(result)
    return result


@pytest.fixture
def pingpong_api() -> Iterator[respx.MockRouter]:
    """Narrow mocks of one PingPong list; everything else reaches the emulator."""
    with respx.mock(assert_all_called=False) as router:
        yield router


def pass_the_rest_through(router: respx.MockRouter) -> None:
    router.route().pass_through()


def prefixed(*ids: str) -> set[str]:
    return {f"pingpong-{i}" for i in ids}


async def test_a_resync_lands_all_five_kinds_with_pingpong_ids_and_provider(
    emulate: Emulate, run_harness: Any
) -> None:
    project = Project(emulate)
    first, second = project.incidents
    served = project.as_pingpong(second)
    maintenance_served = project.as_pingpong(project.maintenance)

    with captured_logs() as lines:
        async with run_harness(**project.config()) as harness:
            result = await harness.trigger_resync()

    assert result.errors == []
    entities = {(e["blueprint"], e["identifier"]): e for e in result.upserted_entities}
    assert {e["properties"]["provider"] for e in entities.values()} == {"pingpong"}
    assert all(i.startswith("pingpong-") for _, i in entities)
    page = entities[("statuspage", project.port_page_id)]
    assert page["title"] == "Ctrlv Solutions"
    assert page["properties"]["url"] == "https://ctrlvsolutions.pingpong.one"
    assert page["properties"]["domain"] == "ctrlvsolutions.pingpong.one"
    assert page["properties"]["subdomain"] == "ctrlvsolutions"
    # From /status, as PingPong publishes it.
    assert (
        page["properties"]["status_indicator"],
        page["properties"]["status_description"],
        page["properties"]["status_source"],
    ) == ("minor", "Some systems have issues", "public_api")
    grouped = project.components[0]
    component = entities[("statuspageComponent", f"pingpong-{grouped['id']}")]
    assert component["properties"]["status"] == "degraded_performance"
    assert component["relations"] == {
        "statuspage": project.port_page_id,
        "componentGroup": f"pingpong-{grouped['group_id']}",
    }
    incident = entities[("statuspageIncident", f"pingpong-{second}")]
    assert incident["properties"]["status"] == "identified"
    assert incident["properties"]["impact"] == "major"
    assert incident["properties"]["startedAt"] == served["occurred_at"]
    assert incident["relations"]["components"] == [
        f"pingpong-{c['id']}" for c in project.components[:2]
    ]
    maintenance = entities[("statuspageIncident", f"pingpong-{project.maintenance}")]
    assert (
        maintenance["properties"]["status"],
        maintenance["properties"]["impact"],
        maintenance["properties"]["scheduled_for"],
        maintenance["properties"]["scheduled_until"],
    ) == (
        "scheduled",
        "maintenance",
        maintenance_served["scheduled_for"],
        maintenance_served["ends_at"],
    )
    updates = {i for (b, i) in entities if b == "statuspageIncidentUpdate"}
    # Two per incident, none for maintenance.
    update_ids = [
        u["id"] for i in (first, second) for u in project.as_pingpong(i)["updates"]
    ]
    assert len(update_ids) == 4
    assert updates == prefixed(*update_ids)
    oldest = served["updates"][0]["id"]
    assert entities[("statuspageIncidentUpdate", f"pingpong-{oldest}")][
        "relations"
    ] == {
        "incident": f"pingpong-{second}",
        "affectedComponents": [],
    }
    # Six requests, none of them by id: nothing was held in Port yet.
    requests = sent(harness)
    assert len(requests) == 6
    assert reads_by_id(harness) == []
    assert [r.headers["Authorization"] for r in requests] == [f"Token {TOKEN}"] * 6
    assert not any(TOKEN in line for line in lines)


async def test_a_resolved_incident_is_kept_resolved_and_then_not_read_again(
    emulate: Emulate, run_harness: Any
) -> None:
    project = Project(emulate, incidents=2)
    resolving = project.incidents[0]
    port = PortHolds()

    async with run_harness(**project.config()) as harness:
        first = await resync(harness, port)
        project.resolve(resolving)
        second = await resync(harness, port)
        second_reads = reads_by_id(harness)
        held_after_second = port.of("statuspageIncident")[f"pingpong-{resolving}"]
        third = await resync(harness, port)
        third_reads = reads_by_id(harness)

    served = project.as_pingpong(resolving)
    resolved_update, *earlier = reversed(served["updates"])
    assert first.errors == second.errors == third.errors == []
    assert second.deleted_entities == third.deleted_entities == []
    # Re-read by id once, at the resync after it left the ongoing list ...
    assert second_reads == [f"/incidents/{resolving}"]
    resolved = held_after_second["properties"]
    assert resolved["status"] == "resolved"
    assert resolved["resolvedAt"] == resolved_update["created_at"]
    # ... and its impact stays what it was while ongoing.
    assert resolved["impact"] == "major"
    updates = port.of("statuspageIncidentUpdate")
    assert updates[f"pingpong-{resolved_update['id']}"]["properties"]["status"] == (
        "resolved"
    )
    assert prefixed(*(u["id"] for u in earlier)) <= set(updates)
    # ... and then kept as Port holds it, at no PingPong request.
    assert third_reads == []
    third_incidents = {
        e["identifier"]: e
        for e in third.upserted_entities
        if e["blueprint"] == "statuspageIncident"
    }
    assert third_incidents[f"pingpong-{resolving}"] == held_after_second
    third_updates = {
        e["identifier"]
        for e in third.upserted_entities
        if e["blueprint"] == "statuspageIncidentUpdate"
    }
    assert prefixed(earlier[-1]["id"], resolved_update["id"]) <= third_updates


async def test_only_incidents_not_known_resolved_are_read(
    emulate: Emulate, run_harness: Any
) -> None:
    project = Project(emulate, incidents=3)
    first, second, third = project.incidents
    port = PortHolds()

    async with run_harness(**project.config()) as harness:
        await resync(harness, port)
        project.resolve(first)
        project.resolve(second)
        await resync(harness, port)
        project.resolve(third)
        result = await resync(harness, port)

    assert result.errors == []
    assert reads_by_id(harness) == [f"/incidents/{third}"]
    statuses = {
        i: e["properties"]["status"] for i, e in port.of("statuspageIncident").items()
    }
    assert statuses == {
        **dict.fromkeys(prefixed(first, second, third), "resolved"),
        f"pingpong-{project.maintenance}": "scheduled",
    }


async def test_a_maintenance_that_leaves_its_list_is_read_where_maintenance_is(
    emulate: Emulate, run_harness: Any, pingpong_api: respx.MockRouter
) -> None:
    project = Project(emulate, incidents=1)
    port = PortHolds()
    # Complete, and no longer listed: PingPong does not say whether it keeps those.
    maintenance = f"{project.served.base_url}/rest/v1/maintenance"
    listed = pingpong_api.get(maintenance).pass_through()
    pass_the_rest_through(pingpong_api)

    async with run_harness(**project.config()) as harness:
        await resync(harness, port)
        project.served.add_incident_update(
            project.page_id, project.maintenance, "completed"
        )
        listed.respond(json=[])
        result = await resync(harness, port)

    assert result.errors == []
    assert reads_by_id(harness) == [f"/maintenance/{project.maintenance}"]
    kept = port.of("statuspageIncident")[f"pingpong-{project.maintenance}"]
    ends_at = project.as_pingpong(project.maintenance)["ends_at"]
    assert (kept["properties"]["status"], kept["properties"]["resolvedAt"]) == (
        "completed",
        ends_at,
    )


async def test_a_failed_re_read_keeps_the_incident_as_port_holds_it(
    emulate: Emulate, run_harness: Any
) -> None:
    project = Project(emulate, incidents=2)
    unreadable = project.incidents[0]
    fail(project.served, f"/rest/v1/incidents/{unreadable}", 403)
    port = PortHolds()

    async with run_harness(**project.config()) as harness:
        await resync(harness, port)
        before = port.of("statuspageIncident")[f"pingpong-{unreadable}"]
        project.resolve(unreadable)
        result = await resync(harness, port)

    assert result.errors == []
    assert result.deleted_entities == []
    assert port.of("statuspageIncident")[f"pingpong-{unreadable}"] == before


async def test_an_incident_deleted_upstream_goes_after_two_404s_proven_by_another(
    emulate: Emulate, run_harness: Any
) -> None:
    project = Project(emulate, incidents=2)
    gone, other = project.incidents
    port = PortHolds()

    async with run_harness(**project.config()) as harness:
        await resync(harness, port)
        project.remove(gone)
        result = await resync(harness, port)

    assert result.errors == []
    # Twice for it, once for an incident the list shows, to prove the path answers.
    assert reads_by_id(harness) == [
        f"/incidents/{gone}",
        f"/incidents/{gone}",
        f"/incidents/{other}",
    ]
    deleted = {
        e["identifier"]
        for e in result.deleted_entities
        if e["blueprint"] == "statuspageIncident"
    }
    assert deleted == prefixed(gone)


async def test_a_404_without_proof_that_the_path_answers_keeps_the_incident(
    emulate: Emulate, run_harness: Any
) -> None:
    project = Project(emulate, incidents=1)
    [gone] = project.incidents
    port = PortHolds()

    async with run_harness(**project.config()) as harness:
        await resync(harness, port)
        before = port.of("statuspageIncident")[f"pingpong-{gone}"]
        # Deleted, and no other incident left to prove the path with.
        project.remove(gone)
        result = await resync(harness, port)

    assert result.errors == []
    assert result.deleted_entities == []
    assert port.of("statuspageIncident")[f"pingpong-{gone}"] == before


async def test_a_wrong_by_id_path_fails_the_incidents_naming_it_and_deletes_nothing(
    emulate: Emulate, run_harness: Any
) -> None:
    project = Project(emulate, incidents=2)
    resolving, listed = project.incidents
    port = PortHolds()

    async with run_harness(**project.config()) as harness:
        await resync(harness, port)
        project.resolve(resolving)
        # As if /incidents/{id} were not where PingPong serves an incident.
        fail(project.served, "/rest/v1/incidents/*", 404)
        result = await resync(harness, port)

    assert result.deleted_entities == []
    message = " ".join(str(error) for error in result.errors)
    assert "GET /incidents/{id}" in message
    assert "may differ for this account" in message
    assert f"{listed}, which its list shows" in message


@pytest.mark.parametrize("missing", ["/groups", "/components", "/maintenance"])
async def test_a_wrong_list_path_deletes_nothing_and_names_itself(
    emulate: Emulate, run_harness: Any, missing: str
) -> None:
    project = Project(emulate)
    fail(project.served, f"/rest/v1{missing}", 404)
    stale = {"identifier": "pingpong-gone", "blueprint": "statuspageIncident"}

    async with run_harness(port_entities=[stale], **project.config()) as harness:
        result = await harness.trigger_resync()

    assert result.deleted_entities == []
    messages = [str(error) for error in result.errors]
    assert any(
        f"pingpong page {project.port_page_id}" in m
        and f"GET {missing}" in m
        and "may differ for this account" in m
        for m in messages
    ), messages
    # The rest of PingPong synced all the same.
    assert any(e["blueprint"] == "statuspage" for e in result.upserted_entities)


async def test_a_mapping_that_does_not_read_backwards_re_reads_past_incidents(
    emulate: Emulate, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    incident_resource = next(
        r for r in shipped_mapping["resources"] if r["kind"] == "incident"
    )
    incident_resource["port"]["entity"]["mappings"]["properties"][
        "metadata"
    ] = '{"said": .status}'
    project = Project(emulate, incidents=2)
    resolving = project.incidents[0]
    port = PortHolds()

    with captured_logs() as lines:
        async with run_harness(mapping=shipped_mapping, **project.config()) as harness:
            await resync(harness, port)
            project.resolve(resolving)
            await resync(harness, port)
            result = await resync(harness, port)

    assert result.errors == []
    # Rebuilt from Port, its metadata would have been blanked: it is read again instead.
    assert reads_by_id(harness) == [f"/incidents/{resolving}"]
    incident = port.of("statuspageIncident")[f"pingpong-{resolving}"]
    assert incident["properties"]["metadata"] == {"said": "resolved"}
    assert any("do not read backwards" in line for line in lines)


async def test_port_failing_to_answer_what_it_holds_deletes_nothing(
    emulate: Emulate, run_harness: Any
) -> None:
    project = Project(emulate)
    stale = {"identifier": "pingpong-gone", "blueprint": "statuspageIncident"}

    async with run_harness(**project.config()) as harness:
        # An answer Ocean's Port client cannot read as entities.
        harness.port_mock.search_entities_response = [stale, "not an entity"]
        result = await harness.trigger_resync()

    assert result.deleted_entities == []
    assert any("Port holds" in str(error) for error in result.errors), result.errors


async def test_a_group_missing_from_its_list_is_taken_from_its_components(
    emulate: Emulate, run_harness: Any, pingpong_api: respx.MockRouter
) -> None:
    project = Project(emulate)
    with project.served.reading() as state:
        page = pingpong_objects.served_page(state)
        groups = [pingpong_objects.group(g, page) for g in page.groups.values()]
    *listed, unlisted = groups
    pingpong_api.get(f"{project.served.base_url}/rest/v1/groups").respond(json=listed)
    pass_the_rest_through(pingpong_api)

    async with run_harness(**project.config()) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    landed = {
        e["identifier"]: e
        for e in result.upserted_entities
        if e["blueprint"] == "statuspageComponentGroup"
    }
    assert set(landed) == prefixed(*(g["id"] for g in groups))
    assert landed[f"pingpong-{unlisted['id']}"]["title"] == unlisted["name"]
    # /components was read once, for the groups and the components alike.
    assert sum(r.url.path.endswith("/components") for r in sent(harness)) == 1
