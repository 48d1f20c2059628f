"""Whole resyncs through Ocean's own machinery (IntegrationTestHarness), Statuspage served by
the emulator on loopback."""

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from loguru import logger

from client import RetryPolicy
from sandbox.expected import expected_identifiers
from sandbox.statuspage.server import StatuspageEmulator
from tests.conftest import Emulate
from tests.support import (
    api_calls,
    fail,
    in_port,
    most_in_any_window,
    only_kinds,
    pages_of,
    sent,
)

if TYPE_CHECKING:
    from loguru import Message

# An entity Port holds from an earlier sync that Statuspage no longer has: a healthy resync deletes
# it, a failed one must not.
STALE = {"identifier": "p1-i-gone", "blueprint": "statuspageIncident"}


def by_blueprint(entities: list[dict[str, Any]]) -> Counter[str]:
    return Counter(entity["blueprint"] for entity in entities)


def identifiers(entities: list[dict[str, Any]], blueprint: str) -> set[str]:
    return {e["identifier"] for e in entities if e["blueprint"] == blueprint}


def counts(served: StatuspageEmulator) -> Counter[str]:
    """How many entities of each blueprint the emulator's data makes."""
    return Counter(
        {bp: len(ids) for bp, ids in expected_identifiers(served).items() if ids}
    )


async def test_full_resync_of_one_page_lands_every_entity_in_four_api_requests(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate(groups=5, components=20, incidents=50, updates=3)

    async with run_harness(
        host=served.base_url, port_entities=in_port(served, STALE)
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    landed = by_blueprint(result.upserted_entities)
    assert landed == counts(served)
    assert (landed["statuspage"], landed["statuspageComponentGroup"]) == (1, 5)
    assert (landed["statuspageComponent"], landed["statuspageIncident"]) == (20, 50)
    assert len(api_calls(harness)) == 4
    # And one to the page's public status API, another host.
    assert len(sent(harness)) == 5
    assert result.deleted_entities == [STALE]


async def test_relations_tie_every_kind_to_its_page(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate(groups=2, components=4, incidents=3, updates=2)
    [page] = pages_of(served)

    async with run_harness(host=served.base_url) as harness:
        result = await harness.trigger_resync()

    entities = {(e["blueprint"], e["identifier"]): e for e in result.upserted_entities}
    members = [c for c in page.components.values() if not c["group"]]
    assert any(c["group_id"] for c in members)
    for component in members:
        assert entities[("statuspageComponent", component["id"])]["relations"] == {
            "statuspage": page.page_id,
            "componentGroup": component["group_id"],
        }
    for incident_id, record in page.incidents.items():
        assert entities[("statuspageIncident", incident_id)]["relations"] == {
            "statuspage": page.page_id,
            "components": record.component_ids,
        }
    served_updates = {
        u["id"]: u
        for record in page.incidents.values()
        for u in record.fields["incident_updates"]
    }
    updates = {
        i: e for (bp, i), e in entities.items() if bp == "statuspageIncidentUpdate"
    }
    assert updates.keys() == served_updates.keys()
    assert {u["relations"]["incident"] for u in updates.values()} == set(page.incidents)
    # An update whose affected_components is null relates to no component instead of failing.
    assert None in [u["affected_components"] for u in served_updates.values()]
    for update_id, update in updates.items():
        affected = served_updates[update_id]["affected_components"] or []
        assert update["relations"]["affectedComponents"] == [
            a["code"] for a in affected
        ]


async def test_incident_updates_carry_their_page_id(
    emulate: Emulate, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    served = emulate(pages=2, incidents=2, updates=2)
    page_of_update = {
        update["id"]: page.page_id
        for page in pages_of(served)
        for record in page.incidents.values()
        for update in record.fields["incident_updates"]
    }
    mapping = only_kinds(shipped_mapping, "incident_update")
    mapping["resources"][0]["port"]["entity"]["mappings"]["properties"][
        "page"
    ] = ".page_id"

    async with run_harness(host=served.base_url, mapping=mapping) as harness:
        result = await harness.trigger_resync()

    pages = {e["identifier"]: e["properties"]["page"] for e in result.upserted_entities}
    assert pages == page_of_update
    # Without the incident kind in the mapping, the updates fetch the incidents themselves.
    assert len(sent(harness)) == 3


async def test_small_lists_are_gathered_across_pages_and_full_ones_map_a_response_a_batch(
    emulate: Emulate, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    # Two pages of 450 incidents (5 requests each, the last of 50), with 2,700 updates.
    served = emulate(pages=2, groups=1, components=2, incidents=450, updates=3)
    mapping = only_kinds(shipped_mapping, "incident", "incident_update")

    batches: dict[str, list[int]] = {}

    def count_batch(message: "Message") -> None:
        mapped = re.fullmatch(
            r"Parsing (\d+) raw results into entities", message.record["message"]
        )
        if mapped is not None:
            kind = message.record["extra"]["kind"]
            batches.setdefault(kind, []).append(int(mapped[1]))

    sink = logger.add(count_batch, level="INFO")
    try:
        async with run_harness(host=served.base_url, mapping=mapping) as harness:
            result = await harness.trigger_resync()
    finally:
        logger.remove(sink)

    assert result.errors == []
    assert by_blueprint(result.upserted_entities) == {
        "statuspageIncident": 900,
        "statuspageIncidentUpdate": 2700,
    }
    # Ocean starts a pool of workers for each batch it maps: a response of 100 or more items is
    # a batch; the first page's last 50 incidents wait for the next page's first response.
    assert batches == {
        "incident": [100] * 4 + [150] + [100] * 3 + [50],
        "incident_update": ([300] * 4 + [150]) * 2,
    }
    assert len(api_calls(harness)) == 1 + 2 * 5


@pytest.mark.parametrize("creates_missing", [True, False])
async def test_the_kind_after_the_one_being_synced_runs_beside_it_and_no_further_one(
    emulate: Emulate,
    run_harness: Any,
    shipped_mapping: dict[str, Any],
    creates_missing: bool,
) -> None:
    # So the updates map while the incident kind waits for a vendor's next window; the groups,
    # two kinds on, start only once the incidents are done. Where Port may not create the
    # entities a relation names, each kind waits for the ones before it to be in Port.
    served = emulate(pages=2, groups=1, components=2, incidents=450, updates=3)
    mapping = {
        **only_kinds(shipped_mapping, "incident", "incident_update", "component_group"),
        "createMissingRelatedEntities": creates_missing,
    }

    async with run_harness(host=served.base_url, mapping=mapping) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    landed = [entity["blueprint"] for entity in result.upserted_entities]
    last_incident = max(
        at for at, blueprint in enumerate(landed) if blueprint == "statuspageIncident"
    )
    first_update = landed.index("statuspageIncidentUpdate")
    assert (first_update < last_incident) == creates_missing
    assert landed.index("statuspageComponentGroup") > last_incident
    assert Counter(landed) == {
        "statuspageIncident": 900,
        "statuspageIncidentUpdate": 2700,
        "statuspageComponentGroup": 2,
    }


async def test_page_kind_yields_what_statuspage_yields_from_one_page_list(
    emulate: Emulate, run_harness: Any, shipped_mapping: dict[str, Any]
) -> None:
    served = emulate(pages=2)
    statuspage = only_kinds(shipped_mapping, "statuspage")
    as_page = {**statuspage["resources"][0], "kind": "page"}
    mapping = {**statuspage, "resources": [statuspage["resources"][0], as_page]}

    async with run_harness(host=served.base_url, mapping=mapping) as harness:
        result = await harness.trigger_resync()

    upserted = result.upserted_entities
    assert result.errors == []
    assert len(upserted) == 4
    assert upserted[:2] == upserted[2:]
    assert len(api_calls(harness)) == 1
    # One public status request per page, not one per page kind.
    assert len(sent(harness)) == 3


async def test_configured_page_ids_select_pages_and_a_missing_one_is_named(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate(pages=3, incidents=2)
    first, second, _ = pages_of(served)

    async with run_harness(
        host=served.base_url,
        port_entities=in_port(served, STALE),
        statuspage_ids=f"{second.page_id}, not-ours",
    ) as harness:
        result = await harness.trigger_resync()

    assert identifiers(result.upserted_entities, "statuspage") == {second.page_id}
    assert identifiers(result.upserted_entities, "statuspageIncident") == set(
        second.incidents
    )
    assert result.errors
    assert all("not-ours" in str(error) for error in result.errors)
    assert result.deleted_entities == []
    assert not any(f"/pages/{first.page_id}/" in str(r.url) for r in sent(harness))


async def test_a_failing_page_keeps_its_entities_and_the_other_pages_sync(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate(pages=2, incidents=3)
    first, second = pages_of(served)
    fail(served, f"/v1/pages/{first.page_id}/incidents", 500)

    async with run_harness(
        host=served.base_url, port_entities=in_port(served, STALE)
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors
    assert any(f"page {first.page_id}" in str(error) for error in result.errors)
    assert identifiers(result.upserted_entities, "statuspageIncident") == set(
        second.incidents
    )
    components = identifiers(result.upserted_entities, "statuspageComponent")
    assert components == expected_identifiers(served)["statuspageComponent"]
    assert result.deleted_entities == []


async def test_a_page_that_disappears_mid_resync_is_named(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate()
    [page] = pages_of(served)
    fail(served, f"/v1/pages/{page.page_id}/component-groups", 404)

    async with run_harness(
        host=served.base_url, port_entities=in_port(served, STALE)
    ) as harness:
        result = await harness.trigger_resync()

    named = re.compile(rf"page {page.page_id}\b.*404")
    assert any(named.search(str(error)) for error in result.errors)
    assert result.deleted_entities == []


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_key_is_an_error_never_an_empty_catalog(
    emulate: Emulate, run_harness: Any, status: int
) -> None:
    served = emulate()
    fail(served, "/v1/*", status)

    async with run_harness(
        host=served.base_url, port_entities=in_port(served, STALE)
    ) as harness:
        result = await harness.trigger_resync()

    assert result.upserted_entities == []
    assert result.deleted_entities == []
    assert any("statuspageApiKey" in str(error) for error in result.errors)


async def test_a_resync_under_420_every_6_requests_in_6_seconds_lands_everything(
    emulate: Emulate, run_harness: Any, api_key: str
) -> None:
    # 1 page list + 1 group page + 3 component pages + 2 incident pages = 7 requests: over the
    # limit, and the key has spent 5 of its 6 a moment before, so the second is refused.
    served = emulate(groups=5, components=245, incidents=120, updates=1)
    served.set_rate_limit(6, 6, status=420)
    async with httpx.AsyncClient(base_url=served.api_url) as client:
        for _ in range(5):
            spent = await client.get(
                "/pages", headers={"Authorization": f"OAuth {api_key}"}
            )
            assert spent.status_code == 200

    async with run_harness(
        host=served.base_url, port_entities=in_port(served, STALE)
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    admitted = [
        e.timestamp for e in served.log if e.path.startswith("/v1/") and e.status == 200
    ]
    assert served.counters.rate_limited >= 1
    assert most_in_any_window(admitted, 6) <= 6
    landed = by_blueprint(result.upserted_entities)
    assert landed == counts(served)
    assert (landed["statuspageComponent"], landed["statuspageIncident"]) == (245, 120)
    assert result.deleted_entities == [STALE]


async def test_server_errors_past_every_retry_delete_nothing(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate()
    fail(served, "/v1/pages", 503)

    async with run_harness(
        host=served.base_url, port_entities=in_port(served, STALE)
    ) as harness:
        result = await harness.trigger_resync()

    # The page list is tried once per resync (with its retries), not once per kind.
    assert len(sent(harness)) == RetryPolicy().max_attempts

    assert result.errors
    assert result.upserted_entities == []
    assert result.deleted_entities == []


async def test_a_key_refused_on_one_page_fails_that_page_and_the_others_sync(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate(pages=2, groups=5, incidents=3)
    first, second = pages_of(served)
    fail(served, f"/v1/pages/{first.page_id}/*", 403)

    async with run_harness(
        host=served.base_url, port_entities=in_port(served, STALE)
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors
    assert all(
        f"statuspage page {first.page_id}" in str(error) for error in result.errors
    )
    assert identifiers(result.upserted_entities, "statuspageIncident") == set(
        second.incidents
    )
    assert identifiers(result.upserted_entities, "statuspageComponentGroup") == set(
        second.groups
    )
    assert len(second.groups) == 5
    assert result.deleted_entities == []
    # Each of p1's lists was asked once, not retried, and p2's were all read.
    on_first = f"/v1/pages/{first.page_id}/"
    assert len([r for r in sent(harness) if r.url.path.startswith(on_first)]) == 3


async def test_every_entity_carries_its_provider(
    emulate: Emulate, run_harness: Any
) -> None:
    served = emulate(incidents=2, updates=2)

    async with run_harness(host=served.base_url) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    assert {e["properties"]["provider"] for e in result.upserted_entities} == {
        "statuspage"
    }
