"""PingPong through Ocean's own machinery (IntegrationTestHarness), PingPong mocked at HTTP and
Port by the harness: what lands, and the incidents that leave PingPong's ongoing-only list
kept in Port across resyncs, re-read by id only until Port holds them resolved. A wrong path
deletes nothing and names itself."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from tests.pingpong_support import (
    PAGE_ID,
    PINGPONG_HOST,
    FakePingPong,
    detail,
    held,
)
from tests.webhook_processors.support import captured_logs

TOKEN = "pp-token-that-must-never-be-logged"
Key = tuple[str, str]


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def config(**extra: Any) -> dict[str, Any]:
    """PingPong alone: the harness's Statuspage key is unset."""
    return {
        "statuspage_api_key": "",
        "pingpong_api_key": TOKEN,
        "pingpong_host": PINGPONG_HOST,
        **extra,
    }


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


def reads_by_id(router: respx.MockRouter) -> list[str]:
    return [
        call.request.url.path.removeprefix("/rest/v1")
        for call in router.calls
        if call.request.url.path.count("/") > 3
    ]


async def resync(harness: Any, port: PortHolds) -> Any:
    harness.port_mock.search_entities_response = port.as_searched()
    result = await harness.trigger_resync()
    port.after(result)
    return result


async def test_a_resync_lands_all_five_kinds_with_pingpong_ids_and_provider(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate()
    project.serve(api)

    with captured_logs() as lines:
        async with run_harness(**config()) as harness:
            result = await harness.trigger_resync()

    assert result.errors == []
    entities = {(e["blueprint"], e["identifier"]): e for e in result.upserted_entities}
    assert {e["properties"]["provider"] for e in entities.values()} == {"pingpong"}
    assert all(i.startswith("pingpong-") for _, i in entities)
    page = entities[("statuspage", PAGE_ID)]
    assert page["title"] == "ACME Corp"
    assert page["properties"]["url"] == "https://acme.pingpong.one"
    assert page["properties"]["domain"] == "acme.pingpong.one"
    assert page["properties"]["subdomain"] == "acme"
    # From /status, as PingPong publishes it.
    assert (
        page["properties"]["status_indicator"],
        page["properties"]["status_description"],
        page["properties"]["status_source"],
    ) == ("minor", "Some systems have issues", "public_api")
    component = entities[("statuspageComponent", "pingpong-p1-c0")]
    assert component["properties"]["status"] == "degraded_performance"
    assert component["relations"] == {
        "statuspage": PAGE_ID,
        "componentGroup": "pingpong-p1-g0",
    }
    incident = entities[("statuspageIncident", "pingpong-p1-i1")]
    assert incident["properties"]["status"] == "identified"
    assert incident["properties"]["impact"] == "major"
    assert incident["properties"]["startedAt"] == "2026-01-01T09:58:00Z"
    assert incident["relations"]["components"] == ["pingpong-p1-c0", "pingpong-p1-c1"]
    maintenance = entities[("statuspageIncident", "pingpong-p1-m0")]
    assert (
        maintenance["properties"]["status"],
        maintenance["properties"]["impact"],
        maintenance["properties"]["scheduled_for"],
        maintenance["properties"]["scheduled_until"],
    ) == ("scheduled", "maintenance", "2026-01-05T22:00:00Z", "2026-01-05T23:00:00Z")
    updates = {
        i for (b, i) in entities if b == "statuspageIncidentUpdate"
    }  # two per incident, none for maintenance
    assert updates == {f"pingpong-p1-i{n}-u{u}" for n in (0, 1) for u in (0, 1)}
    assert entities[("statuspageIncidentUpdate", "pingpong-p1-i1-u0")]["relations"] == {
        "incident": "pingpong-p1-i1",
        "affectedComponents": [],
    }
    # Six requests, none of them by id: nothing was held in Port yet.
    assert len(api.calls) == 6
    assert reads_by_id(api) == []
    assert [call.request.headers["Authorization"] for call in api.calls] == [
        f"Token {TOKEN}"
    ] * 6
    assert not any(TOKEN in line for line in lines)


async def test_a_resolved_incident_is_kept_resolved_and_then_not_read_again(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate(incidents=2)
    project.serve(api)
    port = PortHolds()

    async with run_harness(**config()) as harness:
        first = await resync(harness, port)
        project.resolve("p1-i0")
        api.reset()
        second = await resync(harness, port)
        second_reads = reads_by_id(api)
        held_after_second = port.of("statuspageIncident")["pingpong-p1-i0"]
        api.reset()
        third = await resync(harness, port)
        third_reads = reads_by_id(api)

    assert first.errors == second.errors == third.errors == []
    assert second.deleted_entities == third.deleted_entities == []
    # Re-read by id once, at the resync after it left the ongoing list ...
    assert second_reads == ["/incidents/p1-i0"]
    resolved = held_after_second["properties"]
    assert resolved["status"] == "resolved"
    assert resolved["resolvedAt"] == "2026-01-01T18:30:00Z"
    # ... its components recovered, and its impact stays what it was while ongoing.
    assert resolved["impact"] == "major"
    updates = port.of("statuspageIncidentUpdate")
    assert updates["pingpong-p1-i0-resolved"]["properties"]["status"] == "resolved"
    assert {"pingpong-p1-i0-u0", "pingpong-p1-i0-u1"} <= set(updates)
    # ... and then kept as Port holds it, at no PingPong request.
    assert third_reads == []
    third_incidents = {
        e["identifier"]: e
        for e in third.upserted_entities
        if e["blueprint"] == "statuspageIncident"
    }
    assert third_incidents["pingpong-p1-i0"] == held_after_second
    third_updates = {
        e["identifier"]
        for e in third.upserted_entities
        if e["blueprint"] == "statuspageIncidentUpdate"
    }
    assert {"pingpong-p1-i0-u0", "pingpong-p1-i0-resolved"} <= third_updates


async def test_only_incidents_not_known_resolved_are_read(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate(incidents=3)
    project.serve(api)
    port = PortHolds()

    async with run_harness(**config()) as harness:
        await resync(harness, port)
        project.resolve("p1-i0")
        project.resolve("p1-i1")
        await resync(harness, port)
        project.resolve("p1-i2")
        api.reset()
        result = await resync(harness, port)

    assert result.errors == []
    assert reads_by_id(api) == ["/incidents/p1-i2"]
    statuses = {
        i: e["properties"]["status"] for i, e in port.of("statuspageIncident").items()
    }
    assert statuses == {
        "pingpong-p1-i0": "resolved",
        "pingpong-p1-i1": "resolved",
        "pingpong-p1-i2": "resolved",
        "pingpong-p1-m0": "scheduled",
    }


async def test_a_maintenance_that_leaves_its_list_is_read_where_maintenance_is(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate(incidents=1, maintenance=1)
    project.serve(api)
    port = PortHolds()

    async with run_harness(**config()) as harness:
        await resync(harness, port)
        # Complete, and no longer listed: PingPong does not say whether it keeps those.
        done = project.maintenance.pop()
        project.past_maintenance[done["id"]] = {**done, "status": "Complete"}
        api.reset()
        result = await resync(harness, port)

    assert result.errors == []
    assert reads_by_id(api) == ["/maintenance/p1-m0"]
    kept = port.of("statuspageIncident")["pingpong-p1-m0"]["properties"]
    assert (kept["status"], kept["resolvedAt"]) == ("completed", "2026-01-05T23:00:00Z")


async def test_a_failed_re_read_keeps_the_incident_as_port_holds_it(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate(incidents=2)
    port = PortHolds()

    def unreadable(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/incidents/p1-i0"):
            return detail(403, "You do not have permission to perform this action.")
        return None

    project.serve(api, gate=unreadable)
    async with run_harness(**config()) as harness:
        await resync(harness, port)
        before = port.of("statuspageIncident")["pingpong-p1-i0"]
        project.resolve("p1-i0")
        result = await resync(harness, port)

    assert result.errors == []
    assert result.deleted_entities == []
    assert port.of("statuspageIncident")["pingpong-p1-i0"] == before


async def test_an_incident_deleted_upstream_goes_after_two_404s_proven_by_another(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate(incidents=2)
    project.serve(api)
    port = PortHolds()

    async with run_harness(**config()) as harness:
        await resync(harness, port)
        del project.incidents["p1-i0"]
        api.reset()
        result = await resync(harness, port)

    assert result.errors == []
    # Twice for it, once for an incident the list shows, to prove the path answers.
    assert reads_by_id(api) == [
        "/incidents/p1-i0",
        "/incidents/p1-i0",
        "/incidents/p1-i1",
    ]
    gone = {
        e["identifier"]
        for e in result.deleted_entities
        if e["blueprint"] == "statuspageIncident"
    }
    assert gone == {"pingpong-p1-i0"}


async def test_a_404_without_proof_that_the_path_answers_keeps_the_incident(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate(incidents=1)
    project.serve(api)
    port = PortHolds()

    async with run_harness(**config()) as harness:
        await resync(harness, port)
        before = port.of("statuspageIncident")["pingpong-p1-i0"]
        # Deleted, and no other incident left to prove the path with.
        del project.incidents["p1-i0"]
        result = await resync(harness, port)

    assert result.errors == []
    assert result.deleted_entities == []
    assert port.of("statuspageIncident")["pingpong-p1-i0"] == before


async def test_a_wrong_by_id_path_fails_the_incidents_naming_it_and_deletes_nothing(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate(incidents=2)
    by_id_answers = [True]

    def by_id_path(request: httpx.Request) -> httpx.Response | None:
        # As if /incidents/{id} were not where PingPong serves an incident.
        if not by_id_answers[0] and request.url.path.startswith("/rest/v1/incidents/"):
            return detail(404, "Not found.")
        return None

    project.serve(api, gate=by_id_path)
    port = PortHolds()

    async with run_harness(**config()) as harness:
        await resync(harness, port)
        project.resolve("p1-i0")
        by_id_answers[0] = False
        result = await resync(harness, port)

    assert result.deleted_entities == []
    message = " ".join(str(error) for error in result.errors)
    assert "GET /incidents/{id}" in message
    assert "may differ for this account" in message
    assert "p1-i1, which its list shows" in message


@pytest.mark.parametrize("missing", ["/groups", "/components", "/maintenance"])
async def test_a_wrong_list_path_deletes_nothing_and_names_itself(
    api: respx.MockRouter, run_harness: Any, missing: str
) -> None:
    project = FakePingPong.generate()
    project.serve(api, missing=(missing,))
    stale = {"identifier": "pingpong-gone", "blueprint": "statuspageIncident"}

    async with run_harness(port_entities=[stale], **config()) as harness:
        result = await harness.trigger_resync()

    assert result.deleted_entities == []
    messages = [str(error) for error in result.errors]
    assert any(
        f"pingpong page {PAGE_ID}" in m
        and f"GET {missing}" in m
        and "may differ for this account" in m
        for m in messages
    ), messages
    # The rest of PingPong synced all the same.
    assert any(e["blueprint"] == "statuspage" for e in result.upserted_entities)


async def test_a_mapping_that_does_not_read_backwards_re_reads_past_incidents(
    api: respx.MockRouter, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    incident_resource = next(
        r for r in shipped_mapping["resources"] if r["kind"] == "incident"
    )
    incident_resource["port"]["entity"]["mappings"]["properties"][
        "metadata"
    ] = '{"said": .status}'
    project = FakePingPong.generate(incidents=2)
    project.serve(api)
    port = PortHolds()

    with captured_logs() as lines:
        async with run_harness(mapping=shipped_mapping, **config()) as harness:
            await resync(harness, port)
            project.resolve("p1-i0")
            await resync(harness, port)
            api.reset()
            result = await resync(harness, port)

    assert result.errors == []
    # Rebuilt from Port, its metadata would have been blanked: it is read again instead.
    assert reads_by_id(api) == ["/incidents/p1-i0"]
    metadata = port.of("statuspageIncident")["pingpong-p1-i0"]["properties"]["metadata"]
    assert metadata == {"said": "resolved"}
    assert any("do not read backwards" in line for line in lines)


async def test_port_failing_to_answer_what_it_holds_deletes_nothing(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate()
    project.serve(api)
    stale = {"identifier": "pingpong-gone", "blueprint": "statuspageIncident"}

    async with run_harness(**config()) as harness:
        # An answer Ocean's Port client cannot read as entities.
        harness.port_mock.search_entities_response = [stale, "not an entity"]
        result = await harness.trigger_resync()

    assert result.deleted_entities == []
    assert any("Port holds" in str(error) for error in result.errors), result.errors


async def test_a_group_missing_from_its_list_is_taken_from_its_components(
    api: respx.MockRouter, run_harness: Any
) -> None:
    project = FakePingPong.generate(groups=2, components=4)
    unlisted = project.groups.pop()
    project.serve(api)

    async with run_harness(**config()) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    groups = {
        e["identifier"]: e
        for e in result.upserted_entities
        if e["blueprint"] == "statuspageComponentGroup"
    }
    assert set(groups) == {"pingpong-p1-g0", f"pingpong-{unlisted['id']}"}
    assert groups[f"pingpong-{unlisted['id']}"]["title"] == unlisted["name"]
    # /components was read once, for the groups and the components alike.
    assert sum(call.request.url.path.endswith("/components") for call in api.calls) == 1
