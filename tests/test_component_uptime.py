"""Component uptime, opt-in, through Ocean's harness with Statuspage served by the emulator:
off it costs nothing; on, a resync spends at most its budget, and the components take turns.
"""

import random
import re
from datetime import date
from typing import Any

from sandbox.statuspage.server import StatuspageEmulator
from sync.uptime import UptimeRotation
from tests.conftest import Emulate
from tests.support import api_calls, fail, pages_of, sent

UPTIME_PATH = re.compile(r"/v1/pages/(?P<page>[^/]+)/components/(?P<id>[^/]+)/uptime")


def uptime_calls(harness: Any) -> list[Any]:
    return [r for r in sent(harness) if UPTIME_PATH.fullmatch(r.url.path)]


def uptime_entities(result: Any) -> dict[str, dict[str, Any]]:
    """What the uptime resource upserted: only the components whose uptime was read."""
    return {
        e["identifier"]: e
        for e in result.upserted_entities
        if e["blueprint"] == "statuspageComponent"
        and set(e["properties"]) == {"uptime"}
    }


def with_eligible(
    emulate: Emulate, components: int
) -> tuple[StatuspageEmulator, set[str]]:
    """A page whose `components` members showcase uptime, and one more that does not;
    returns the emulator and the ids of those that showcase it."""
    served = emulate(groups=2, components=components + 1, incidents=1)
    [page] = pages_of(served)
    members = [c for c in page.components.values() if not c["group"]]
    eligible = {c["id"] for c in members if c["showcase"]}
    assert (len(members), len(eligible)) == (components + 1, components)
    return served, eligible


async def test_uptime_off_costs_no_request_and_adds_nothing(
    emulate: Emulate, run_harness: Any
) -> None:
    served, _ = with_eligible(emulate, 5)

    async with run_harness(host=served.base_url) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    assert uptime_calls(harness) == []
    assert len(api_calls(harness)) == 4
    assert uptime_entities(result) == {}
    components = [
        e for e in result.upserted_entities if e["blueprint"] == "statuspageComponent"
    ]
    assert len(components) == 6
    assert all(e["properties"].get("uptime") is None for e in components)


async def test_uptime_on_spends_at_most_its_budget_on_showcased_components(
    emulate: Emulate, run_harness: Any
) -> None:
    served, eligible = with_eligible(emulate, 5)

    async with run_harness(
        host=served.base_url,
        component_uptime="true",
        component_uptime_days="7",
        component_uptime_requests_per_resync="3",
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    calls = uptime_calls(harness)
    assert len(calls) == 3
    assert len(api_calls(harness)) == 4 + 3
    read = uptime_entities(result)
    assert len(read) == 3
    # Never the one that does not showcase uptime, nor a group.
    assert set(read) <= eligible
    for call in calls:
        start = date.fromisoformat(call.url.params["start"])
        end = date.fromisoformat(call.url.params["end"])
        assert (end - start).days == 6
        path = UPTIME_PATH.fullmatch(call.url.path)
        assert path is not None
        served_uptime = served.component_uptime(path["page"], path["id"], start, end)
        assert read[path["id"]]["properties"]["uptime"] == (
            served_uptime["uptime_percentage"]
        )
    # The components' own entities are unchanged, uptime or not.
    full = [
        e
        for e in result.upserted_entities
        if e["blueprint"] == "statuspageComponent" and "status" in e["properties"]
    ]
    assert len(full) == 6


async def test_components_take_turns_across_resyncs(
    emulate: Emulate, run_harness: Any
) -> None:
    served, eligible = with_eligible(emulate, 5)
    turns = []

    async with run_harness(
        host=served.base_url,
        component_uptime=True,
        component_uptime_requests_per_resync=2,
    ) as harness:
        for _ in range(3):
            result = await harness.trigger_resync()
            assert result.errors == []
            turns.append(set(uptime_entities(result)))

    first, second, third = turns
    assert len(first) == len(second) == 2
    assert first.isdisjoint(second)
    # Five components, two a resync: the third turn ends the round and starts the next.
    assert first | second | third == eligible
    assert len(third) == 2
    assert len(third & first) == 1


async def test_a_failing_uptime_read_costs_its_turn_never_the_resync(
    emulate: Emulate, run_harness: Any
) -> None:
    served, _ = with_eligible(emulate, 8)
    fail(served, "/v1/pages/*/components/*/uptime", 422)

    async with run_harness(
        host=served.base_url,
        component_uptime=True,
        component_uptime_requests_per_resync=8,
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    assert uptime_entities(result) == {}
    # After three failures in a row the rest of the turn is skipped.
    assert len(uptime_calls(harness)) == 3


def test_the_rotation_wraps_round_from_where_it_stopped() -> None:
    rotation = UptimeRotation(random.Random(4))
    keys = [("p1", f"c{n}") for n in range(5)]

    first = rotation.next_turn("statuspage", keys, 3)
    for key in first:
        rotation.read("statuspage", key)
    second = rotation.next_turn("statuspage", list(reversed(keys)), 3)

    assert len(first) == len(second) == 3
    ordered = sorted(keys)
    start = ordered.index(first[0])
    assert first + second == [ordered[(start + n) % 5] for n in range(6)]
    assert rotation.next_turn("statuspage", [], 3) == []
    # A budget past the count reads each component once.
    assert sorted(rotation.next_turn("other", keys, 10)) == sorted(keys)
