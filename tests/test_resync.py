"""Whole resyncs through Ocean's own machinery (IntegrationTestHarness), Statuspage mocked at HTTP."""

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from client import RetryPolicy
from tests.support import (
    HOST,
    FakeAccount,
    RollingWindowLimit,
    api_calls,
    fail_path,
    only_kinds,
)
from tests.webhook_processors.support import captured_logs

# An entity Port holds from an earlier sync that Statuspage no longer has: a healthy resync deletes
# it, a failed one must not.
STALE = {"identifier": "p1-i-gone", "blueprint": "statuspageIncident"}


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def by_blueprint(entities: list[dict[str, Any]]) -> Counter[str]:
    return Counter(entity["blueprint"] for entity in entities)


def identifiers(entities: list[dict[str, Any]], blueprint: str) -> set[str]:
    return {e["identifier"] for e in entities if e["blueprint"] == blueprint}


async def test_full_resync_of_one_page_lands_every_entity_in_four_api_requests(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = FakeAccount.generate(groups=5, components=20, incidents=50, updates=3)
    account.serve(api)

    async with run_harness(host=HOST, port_entities=account.in_port(STALE)) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    assert by_blueprint(result.upserted_entities) == {
        "statuspage": 1,
        "statuspageComponentGroup": 5,
        "statuspageComponent": 20,
        "statuspageIncident": 50,
        "statuspageIncidentUpdate": 150,
    }
    assert len(api_calls(api)) == 4
    # And one to the page's public status API, another host.
    assert api.calls.call_count == 5
    assert result.deleted_entities == [STALE]


async def test_relations_tie_every_kind_to_its_page(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = FakeAccount.generate(groups=2, components=4, incidents=3, updates=2)
    account.serve(api)

    async with run_harness(host=HOST) as harness:
        result = await harness.trigger_resync()

    entities = {(e["blueprint"], e["identifier"]): e for e in result.upserted_entities}
    component = entities[("statuspageComponent", "p1-c1")]
    assert component["relations"] == {"statuspage": "p1", "componentGroup": "p1-g1"}
    incident = entities[("statuspageIncident", "p1-i0")]
    assert incident["relations"] == {
        "statuspage": "p1",
        "components": ["p1-c0", "p1-c1"],
    }
    updates = [e for (bp, _), e in entities.items() if bp == "statuspageIncidentUpdate"]
    assert {u["relations"]["incident"] for u in updates} == {"p1-i0", "p1-i1", "p1-i2"}
    # An update whose affected_components is null relates to no component instead of failing.
    assert sorted(len(u["relations"]["affectedComponents"]) for u in updates) == [
        0,
        0,
        0,
        1,
        1,
        1,
    ]


async def test_incident_updates_carry_their_page_id(
    api: respx.MockRouter, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    FakeAccount.generate(page_ids=("p1", "p2"), incidents=2, updates=2).serve(api)
    mapping = only_kinds(shipped_mapping, "incident_update")
    mapping["resources"][0]["port"]["entity"]["mappings"]["properties"][
        "page"
    ] = ".page_id"

    async with run_harness(host=HOST, mapping=mapping) as harness:
        result = await harness.trigger_resync()

    pages = {e["identifier"]: e["properties"]["page"] for e in result.upserted_entities}
    assert len(pages) == 8
    assert all(page == identifier.split("-")[0] for identifier, page in pages.items())
    # Without the incident kind in the mapping, the updates fetch the incidents themselves.
    assert api.calls.call_count == 3


async def test_ocean_maps_three_responses_a_batch_across_pages_not_one_per_request(
    api: respx.MockRouter, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    # Two pages of 450 incidents (5 requests each, the last of 50), with 2,700 updates.
    account = FakeAccount.generate(
        page_ids=("p1", "p2"), groups=1, components=2, incidents=450, updates=3
    )
    account.serve(api)
    mapping = only_kinds(shipped_mapping, "incident", "incident_update")

    with captured_logs() as lines:
        async with run_harness(host=HOST, mapping=mapping) as harness:
            result = await harness.trigger_resync()

    assert result.errors == []
    assert by_blueprint(result.upserted_entities) == {
        "statuspageIncident": 900,
        "statuspageIncidentUpdate": 2700,
    }
    # Ocean starts a pool of workers for each batch it maps: each kind's ten responses come
    # in four batches, one of them spanning both pages, not in ten.
    batches = [
        int(size)
        for line in lines
        for size in re.findall(r"Parsing (\d+) raw results into entities", line)
    ]
    assert batches == [300, 250, 300, 50, 900, 750, 900, 150]
    assert len(api_calls(api)) == 1 + 2 * 5


async def test_page_kind_yields_what_statuspage_yields_from_one_page_list(
    api: respx.MockRouter, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    FakeAccount.generate(page_ids=("p1", "p2")).serve(api)
    statuspage = only_kinds(shipped_mapping, "statuspage")
    as_page = {**statuspage["resources"][0], "kind": "page"}
    mapping = {**statuspage, "resources": [statuspage["resources"][0], as_page]}

    async with run_harness(host=HOST, mapping=mapping) as harness:
        result = await harness.trigger_resync()

    upserted = result.upserted_entities
    assert result.errors == []
    assert len(upserted) == 4
    assert upserted[:2] == upserted[2:]
    assert len(api_calls(api)) == 1
    # One public status request per page, not one per page kind.
    assert api.calls.call_count == 3


async def test_configured_page_ids_select_pages_and_a_missing_one_is_named(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = FakeAccount.generate(page_ids=("p1", "p2", "p3"), incidents=2)
    account.serve(api)

    async with run_harness(
        host=HOST, port_entities=account.in_port(STALE), statuspage_ids="p2, not-ours"
    ) as harness:
        result = await harness.trigger_resync()

    assert identifiers(result.upserted_entities, "statuspage") == {"p2"}
    assert identifiers(result.upserted_entities, "statuspageIncident") == {
        "p2-i0",
        "p2-i1",
    }
    assert result.errors
    assert all("not-ours" in str(error) for error in result.errors)
    assert result.deleted_entities == []
    assert not any("/pages/p1/" in str(call.request.url) for call in api.calls)


async def test_a_failing_page_keeps_its_entities_and_the_other_pages_sync(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = FakeAccount.generate(page_ids=("p1", "p2"), incidents=3)
    account.serve(api, gate=fail_path("/v1/pages/p1/incidents", 500))

    async with run_harness(host=HOST, port_entities=account.in_port(STALE)) as harness:
        result = await harness.trigger_resync()

    assert result.errors
    assert any("page p1" in str(error) for error in result.errors)
    assert identifiers(result.upserted_entities, "statuspageIncident") == {
        "p2-i0",
        "p2-i1",
        "p2-i2",
    }
    assert identifiers(result.upserted_entities, "statuspageComponent") >= {
        "p1-c0",
        "p2-c0",
    }
    assert result.deleted_entities == []


async def test_a_page_that_disappears_mid_resync_is_named(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = FakeAccount.generate()
    account.serve(api, gate=fail_path("/v1/pages/p1/component-groups", 404))

    async with run_harness(host=HOST, port_entities=account.in_port(STALE)) as harness:
        result = await harness.trigger_resync()

    assert any(re.search(r"page p1\b.*404", str(error)) for error in result.errors)
    assert result.deleted_entities == []


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_key_is_an_error_never_an_empty_catalog(
    api: respx.MockRouter, run_harness: Any, status: int
) -> None:
    account = FakeAccount.generate()
    account.serve(api, gate=lambda _: httpx.Response(status, json={"error": "no"}))

    async with run_harness(host=HOST, port_entities=account.in_port(STALE)) as harness:
        result = await harness.trigger_resync()

    assert result.upserted_entities == []
    assert result.deleted_entities == []
    assert any("statuspageApiKey" in str(error) for error in result.errors)


async def test_a_resync_under_420_every_6_requests_in_6_seconds_lands_everything(
    api: respx.MockRouter, run_harness: Any
) -> None:
    # 1 page list + 1 group page + 3 component pages + 2 incident pages = 7 requests: over the limit.
    account = FakeAccount.generate(groups=5, components=245, incidents=120, updates=1)
    limit = RollingWindowLimit(limit=6, window=6)
    account.serve(api, gate=limit)

    async with run_harness(host=HOST, port_entities=account.in_port(STALE)) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    assert limit.refused >= 1
    assert limit.most_in_any_window() <= 6
    assert by_blueprint(result.upserted_entities) == {
        "statuspage": 1,
        "statuspageComponentGroup": 5,
        "statuspageComponent": 245,
        "statuspageIncident": 120,
        "statuspageIncidentUpdate": 120,
    }
    assert result.deleted_entities == [STALE]


async def test_server_errors_past_every_retry_delete_nothing(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = FakeAccount.generate()
    account.serve(api, gate=fail_path("/v1/pages", 503))

    async with run_harness(host=HOST, port_entities=account.in_port(STALE)) as harness:
        result = await harness.trigger_resync()

    # The page list is tried once per resync (with its retries), not once per kind.
    assert api.calls.call_count == RetryPolicy().max_attempts

    assert result.errors
    assert result.upserted_entities == []
    assert result.deleted_entities == []


async def test_a_key_refused_on_one_page_fails_that_page_and_the_others_sync(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account = FakeAccount.generate(page_ids=("p1", "p2"), incidents=3)

    def refuse_p1(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.startswith("/v1/pages/p1/"):
            return httpx.Response(403, json={"error": "not your page"})
        return None

    account.serve(api, gate=refuse_p1)

    async with run_harness(host=HOST, port_entities=account.in_port(STALE)) as harness:
        result = await harness.trigger_resync()

    assert result.errors
    assert all("statuspage page p1" in str(error) for error in result.errors)
    assert identifiers(result.upserted_entities, "statuspageIncident") == {
        "p2-i0",
        "p2-i1",
        "p2-i2",
    }
    assert identifiers(result.upserted_entities, "statuspageComponentGroup") == {
        f"p2-g{n}" for n in range(5)
    }
    assert result.deleted_entities == []
    # Each of p1's lists was asked once, not retried, and p2's were all read.
    p1_calls = [c for c in api.calls if c.request.url.path.startswith("/v1/pages/p1/")]
    assert len(p1_calls) == 3


async def test_every_entity_carries_its_provider(
    api: respx.MockRouter, run_harness: Any
) -> None:
    FakeAccount.generate(incidents=2, updates=2).serve(api)

    async with run_harness(host=HOST) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    assert {e["properties"]["provider"] for e in result.upserted_entities} == {
        "statuspage"
    }
