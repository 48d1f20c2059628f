"""The per-resync fetch memo: each list read once, replayed exactly, kept compactly."""

import tracemalloc
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, cast

import pytest

from client import Item, VendorApiError
from fetch_memo import FetchMemo


def incident(n: int) -> dict[str, Any]:
    incident_id = f"incident-{n:06d}"
    return {
        "id": incident_id,
        "page_id": "p1",
        "name": f"Elevated error rates on the checkout API, region {n % 7}",
        "status": "resolved",
        "impact": "minor",
        "shortlink": f"https://stspg.io/{n:08x}",
        "created_at": "2026-11-01T10:00:00.000Z",
        "resolved_at": "2026-11-01T11:00:00.000Z",
        "components": [
            {"id": f"c{n % 20}", "name": "Checkout", "status": "operational"}
        ],
        "incident_updates": [
            {
                "id": f"{incident_id}-u{u}",
                "incident_id": incident_id,
                "status": status,
                "body": f"Update {u} on incident {n}: we are {status} the cause and "
                "will post again within thirty minutes.",
                "created_at": "2026-11-01T10:00:00.000Z",
                "affected_components": [{"code": f"c{n % 20}", "name": "Checkout"}],
            }
            for u, status in enumerate(("investigating", "identified", "resolved"))
        ],
    }


async def batches_of(items: list[Item], size: int = 100) -> AsyncIterator[list[Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def test_a_list_is_fetched_once_and_replayed_exactly() -> None:
    memo = FetchMemo()
    fetches = 0
    incidents = [incident(n) for n in range(250)]

    def fetch() -> AsyncIterator[list[Item]]:
        nonlocal fetches
        fetches += 1
        return batches_of(incidents)

    first = [batch async for batch in memo.stream("statuspage:p1:incidents", fetch)]
    again = [batch async for batch in memo.stream("statuspage:p1:incidents", fetch)]

    assert fetches == 1
    assert again == first
    assert [len(b) for b in again] == [100, 100, 50]


async def test_a_failed_list_fails_every_later_reader_without_fetching_again() -> None:
    memo = FetchMemo()
    fetches = 0

    async def failing() -> AsyncIterator[list[Item]]:
        nonlocal fetches
        fetches += 1
        yield [incident(0)]
        raise VendorApiError("HTTP 500 past every retry")

    for _ in range(3):
        with pytest.raises(VendorApiError, match="past every retry"):
            async for _batch in memo.stream("k", failing):
                pass
    assert fetches == 1


async def test_a_list_read_only_in_part_is_not_taken_for_the_whole() -> None:
    memo = FetchMemo()
    incidents = [incident(n) for n in range(300)]
    reader = cast(
        AsyncGenerator[list[Item], None],
        memo.stream("k", lambda: batches_of(incidents)),
    )
    await anext(reader)
    await reader.aclose()

    replay = [b async for b in memo.stream("k", lambda: batches_of(incidents))]

    assert sum(len(b) for b in replay) == 300


async def test_10000_incidents_cost_the_memo_under_10_mib_of_memory() -> None:
    incidents = [incident(n) for n in range(10_000)]
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        memo = FetchMemo()
        async for _batch in memo.stream("k", lambda: batches_of(incidents)):
            pass
        retained, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert retained - before < 10 * 1024 * 1024
    # It really holds them all.
    replayed = [i async for b in memo.stream("k", lambda: batches_of([])) for i in b]
    assert replayed == incidents
