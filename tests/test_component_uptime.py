"""Component uptime, opt-in, through Ocean's harness with Statuspage mocked at HTTP: off it costs
nothing; on, a resync spends at most its budget, and the components take turns."""

import random
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
import respx

from sync.uptime import UptimeRotation
from tests.support import HOST, FakeAccount, api_calls

UPTIME_PATH = re.compile(r"/v1/pages/(?P<page>[^/]+)/components/(?P<id>[^/]+)/uptime")


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def serve_uptime(
    router: respx.MockRouter, fail: frozenset[str] = frozenset()
) -> respx.Route:
    """The uptime endpoint: 99.<n> for component c<n>, as Statuspage shapes it."""

    def respond(request: httpx.Request) -> httpx.Response:
        match = UPTIME_PATH.fullmatch(request.url.path)
        assert match is not None
        component_id = match["id"]
        if component_id in fail:
            return httpx.Response(422, json={"error": "no uptime for it"})
        return httpx.Response(
            200,
            json={
                "id": component_id,
                "name": component_id,
                "range_start": request.url.params["start"],
                "range_end": request.url.params["end"],
                "uptime_percentage": float(f"99.{component_id.split('-c')[1]}"),
                "major_outage": 60,
                "partial_outage": 120,
                "warnings": None,
            },
        )

    return router.get(url__regex=rf"{HOST}/v1/pages/.+/components/.+/uptime").mock(
        side_effect=respond
    )


def uptime_entities(result: Any) -> dict[str, dict[str, Any]]:
    """What the uptime resource upserted: only the components whose uptime was read."""
    return {
        e["identifier"]: e
        for e in result.upserted_entities
        if e["blueprint"] == "statuspageComponent"
        and set(e["properties"]) == {"uptime"}
    }


def account_with_eligible(components: int) -> FakeAccount:
    """A page whose `components` members showcase uptime, and one more that does not."""
    account = FakeAccount.generate(groups=2, components=components + 1, incidents=1)
    account.components["p1"][-1]["showcase"] = False
    return account


async def test_uptime_off_costs_no_request_and_adds_nothing(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account_with_eligible(5).serve(api)
    uptime = serve_uptime(api)

    async with run_harness(host=HOST) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    assert uptime.call_count == 0
    assert len(api_calls(api)) == 4
    assert uptime_entities(result) == {}
    components = [
        e for e in result.upserted_entities if e["blueprint"] == "statuspageComponent"
    ]
    assert len(components) == 6
    assert all(e["properties"].get("uptime") is None for e in components)


async def test_uptime_on_spends_at_most_its_budget_on_showcased_components(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account_with_eligible(5).serve(api)
    uptime = serve_uptime(api)

    async with run_harness(
        host=HOST,
        component_uptime="true",
        component_uptime_days="7",
        component_uptime_requests_per_resync="3",
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    assert uptime.call_count == 3
    assert len(api_calls(api)) == 4 + 3
    read = uptime_entities(result)
    assert len(read) == 3
    for identifier, entity in read.items():
        assert entity["properties"]["uptime"] == float(f"99.{identifier[4:]}")
    # Never the one that does not showcase uptime, nor a group.
    assert "p1-c5" not in read
    assert not any(identifier.startswith("p1-g") for identifier in read)
    for call in uptime.calls:
        start = date.fromisoformat(call.request.url.params["start"])
        end = date.fromisoformat(call.request.url.params["end"])
        assert (end - start).days == 6
    # The components' own entities are unchanged, uptime or not.
    full = [
        e
        for e in result.upserted_entities
        if e["blueprint"] == "statuspageComponent" and "status" in e["properties"]
    ]
    assert len(full) == 6


async def test_components_take_turns_across_resyncs(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account_with_eligible(5).serve(api)
    serve_uptime(api)
    turns = []

    async with run_harness(
        host=HOST, component_uptime=True, component_uptime_requests_per_resync=2
    ) as harness:
        for _ in range(3):
            result = await harness.trigger_resync()
            assert result.errors == []
            turns.append(set(uptime_entities(result)))

    first, second, third = turns
    assert len(first) == len(second) == 2
    assert first.isdisjoint(second)
    # Five components, two a resync: the third turn ends the round and starts the next.
    assert first | second | third == {f"p1-c{n}" for n in range(5)}
    assert len(third) == 2
    assert len(third & first) == 1


async def test_a_failing_uptime_read_costs_its_turn_never_the_resync(
    api: respx.MockRouter, run_harness: Any
) -> None:
    account_with_eligible(8).serve(api)
    uptime = serve_uptime(api, fail=frozenset(f"p1-c{n}" for n in range(8)))

    async with run_harness(
        host=HOST, component_uptime=True, component_uptime_requests_per_resync=8
    ) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    assert uptime_entities(result) == {}
    # After three failures in a row the rest of the turn is skipped.
    assert uptime.call_count == 3


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
