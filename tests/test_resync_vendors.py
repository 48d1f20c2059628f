"""Statuspage and OnlineOrNot in one resync, through Ocean's own machinery
(IntegrationTestHarness), both served by the emulator over its one data set: both land in the
same five blueprints, each entity with its provider and no identifier of one vendor colliding
with the other's; and a failing OnlineOrNot deletes nothing of either vendor."""

from collections import Counter
from typing import Any

import pytest

from sandbox.expected import BLUEPRINTS, expected_identifiers
from sandbox.statuspage.server import StatuspageEmulator
from tests.conftest import Emulate
from tests.support import fail, in_port, pages_of
from tests.webhook_processors.support import captured_logs

OON_KEY = "oon-token-that-must-never-be-logged"
# Entities an earlier sync left that neither vendor has any more: a healthy resync deletes
# them, a failed one must not.
STALE = [
    {"identifier": "p1-i-gone", "blueprint": "statuspageIncident"},
    {"identifier": "onlineornot-p1-i-gone", "blueprint": "statuspageIncident"},
]
BOTH = ("statuspage", "onlineornot")


def both(emulate: Emulate) -> StatuspageEmulator:
    """One data set, read as Statuspage and as OnlineOrNot: the same raw ids at both."""
    return emulate(OON_KEY, groups=2, components=4, incidents=3, updates=2)


def config(served: StatuspageEmulator) -> dict[str, str]:
    return {
        "host": served.base_url,
        "onlineornot_api_key": OON_KEY,
        "onlineornot_host": served.base_url,
    }


def by_provider(entities: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((e["blueprint"], e["properties"]["provider"]) for e in entities)


async def test_both_vendors_land_in_the_five_blueprints_without_collisions(
    emulate: Emulate, run_harness: Any
) -> None:
    served = both(emulate)
    port_entities = in_port(served, *STALE, vendors=BOTH)

    async with run_harness(port_entities=port_entities, **config(served)) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    expected = {bp: len(ids) for bp, ids in expected_identifiers(served).items()}
    assert by_provider(result.upserted_entities) == Counter(
        {
            (blueprint, provider): count
            for blueprint, count in expected.items()
            for provider in BOTH
        }
    )
    keys = [(e["blueprint"], e["identifier"]) for e in result.upserted_entities]
    assert len(keys) == len(set(keys)), "two entities share an identifier"
    for entity in result.upserted_entities:
        vendor_id = entity["identifier"]
        prefixed = vendor_id.startswith("onlineornot-")
        assert prefixed == (entity["properties"]["provider"] == "onlineornot")
    assert sorted(result.deleted_entities, key=str) == sorted(STALE, key=str)


async def test_onlineornot_relations_use_its_prefixed_identifiers(
    emulate: Emulate, run_harness: Any
) -> None:
    served = both(emulate)
    [page] = pages_of(served)
    prefixed = f"onlineornot-{page.page_id}"

    async with run_harness(**config(served)) as harness:
        result = await harness.trigger_resync()

    entities = {(e["blueprint"], e["identifier"]): e for e in result.upserted_entities}
    member = next(c for c in page.components.values() if c["group_id"])
    component = entities[("statuspageComponent", f"onlineornot-{member['id']}")]
    assert component["relations"] == {
        "statuspage": prefixed,
        "componentGroup": f"onlineornot-{member['group_id']}",
    }
    assert component["properties"]["status"] == member["status"]
    record = next(
        r
        for r in page.incidents.values()
        if r.component_ids and not r.fields["scheduled_for"]
    )
    incident_id = f"onlineornot-{record.fields['id']}"
    incident = entities[("statuspageIncident", incident_id)]
    assert incident["relations"] == {
        "statuspage": prefixed,
        "components": [f"onlineornot-{c}" for c in record.component_ids],
    }
    assert (incident["properties"]["status"], incident["properties"]["impact"]) == (
        record.fields["status"],
        record.fields["impact"],
    )
    for update in record.fields["incident_updates"]:
        affected = update["affected_components"] or []
        entity = entities[("statuspageIncidentUpdate", f"onlineornot-{update['id']}")]
        assert entity["relations"] == {
            "incident": incident_id,
            "affectedComponents": [f"onlineornot-{a['code']}" for a in affected],
        }
    status = entities[("statuspage", prefixed)]["properties"]
    assert status["status_indicator"] == served.page_status(page.page_id)[0]
    assert status["url"] == f"https://{page.page['subdomain']}.onlineornot.com"


@pytest.mark.parametrize(
    ("failing", "named"),
    [
        ("/v1/status_pages*", "onlineornot: listing its pages"),
        ("/v1/status_pages/*/incidents", "onlineornot page onlineornot-"),
    ],
    ids=["refused token", "5xx past every retry"],
)
async def test_a_failing_onlineornot_deletes_nothing_while_statuspage_syncs(
    emulate: Emulate, run_harness: Any, failing: str, named: str
) -> None:
    served = both(emulate)
    fail(served, failing, 401 if failing.endswith("*") else 503)
    port_entities = in_port(served, *STALE, vendors=BOTH)

    with captured_logs() as lines:
        async with run_harness(
            port_entities=port_entities, **config(served)
        ) as harness:
            result = await harness.trigger_resync()

    assert result.errors
    assert any(named in str(error) for error in result.errors)
    assert result.deleted_entities == []
    upserted = by_provider(result.upserted_entities)
    for blueprint in BLUEPRINTS:
        assert upserted[(blueprint, "statuspage")] > 0
    assert not any(OON_KEY in line for line in lines)
    assert not any(OON_KEY in str(error) for error in result.errors)
