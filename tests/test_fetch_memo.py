"""The per-resync fetch memo: each list read once, ahead of its reader but within bounds,
replayed exactly, kept compactly, and nothing left running when a kind ends early."""

import asyncio
import gc
import tracemalloc
import warnings
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, cast

import pytest

from client import Item, VendorApiError
from core.kinds import PageList
from sync.fetch_memo import BATCHES_AHEAD, FetchMemo
from tests.support import settle


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


async def test_a_dropped_memo_closes_its_spool_without_a_resource_warning() -> None:
    memo = FetchMemo()
    async for _batch in memo.stream("k", lambda: batches_of([incident(0)])):
        pass

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        del memo
        gc.collect()

    assert [str(w.message) for w in seen] == []


class CountedList:
    """A list of `batches` batches that counts how many were fetched, and can hang after
    `hang_after` of them (as a request that never answers)."""

    def __init__(self, batches: int, hang_after: int | None = None) -> None:
        self.batches = batches
        self.hang_after = hang_after
        self.fetched = 0
        self.runs = 0

    async def __call__(self) -> AsyncIterator[list[Item]]:
        self.runs += 1
        for n in range(self.batches):
            if n == self.hang_after:
                await asyncio.Event().wait()
            self.fetched += 1
            yield [incident(n)]


def reading_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("read ")]


async def test_a_list_is_read_ahead_of_its_reader_but_no_further_than_the_bound() -> (
    None
):
    memo = FetchMemo()
    source = CountedList(batches=BATCHES_AHEAD * 3)
    reader = cast(AsyncGenerator[list[Item], None], memo.stream("k", source))

    await settle()
    before_reading = source.fetched
    await anext(reader)
    await anext(reader)
    await settle()

    assert before_reading == BATCHES_AHEAD
    assert source.fetched == 2 + BATCHES_AHEAD
    rest = [batch async for batch in reader]
    assert len(rest) == BATCHES_AHEAD * 3 - 2
    assert source.runs == 1


async def test_a_prefetched_list_is_read_before_anyone_asks_and_read_once() -> None:
    class Pages:
        provider = "statuspage"
        calls = 0

        def read_list(
            self, which: PageList, page_id: str, reads: Any
        ) -> AsyncIterator[list[Item]]:
            Pages.calls += 1
            return batches_of([incident(n) for n in range(250)])

    memo = FetchMemo()
    vendor: Any = Pages()
    memo.prefetch(PageList.INCIDENTS, vendor, "p1")
    await settle()
    calls_before_reading = Pages.calls

    read = [
        i async for b in memo.page_list(PageList.INCIDENTS, vendor, "p1") for i in b
    ]

    assert calls_before_reading == 1
    assert Pages.calls == 1
    assert len(read) == 250


async def test_a_prefetched_list_that_fails_fails_its_reader_when_it_comes() -> None:
    memo = FetchMemo()

    async def failing() -> AsyncIterator[list[Item]]:
        raise VendorApiError("HTTP 500 past every retry")
        yield []  # pragma: no cover - makes this an async generator

    reader = memo.stream("k", failing)
    await settle()

    with pytest.raises(VendorApiError, match="past every retry"):
        async for _batch in reader:
            pass
    assert reading_tasks() == []


async def test_a_kind_ending_early_cancels_its_reads_and_a_later_reader_starts_over() -> (
    None
):
    memo = FetchMemo()
    hanging = CountedList(batches=5, hang_after=2)
    running_while_in_the_kind = []

    async def kind() -> None:
        async with memo.session():
            stuck_reader = memo.stream("k", hanging)
            await anext(cast(AsyncGenerator[list[Item], None], stuck_reader))
            await settle()
            running_while_in_the_kind.extend(reading_tasks())
            raise RuntimeError("the kind broke")

    with pytest.raises(RuntimeError, match="the kind broke"):
        await kind()
    await settle()

    assert len(running_while_in_the_kind) == 1
    assert reading_tasks() == []
    # Nothing half read passes for the whole list: the next reader reads it again.
    hanging.hang_after = None
    replay = [batch async for batch in memo.stream("k", hanging)]
    assert len(replay) == 5
    assert hanging.runs == 2


async def test_a_kind_ending_while_another_runs_leaves_the_reads_to_the_other() -> None:
    # A full resync runs two kinds at once: the one that ends first does not stop a list the
    # other may still read; the last one to end does.
    memo = FetchMemo()
    hanging = CountedList(batches=5, hang_after=2)
    other_is_in = asyncio.Event()
    other_may_end = asyncio.Event()

    async def other_kind() -> None:
        async with memo.session():
            other_is_in.set()
            await other_may_end.wait()

    other = asyncio.create_task(other_kind())
    await other_is_in.wait()
    async with memo.session():
        reader = memo.stream("k", hanging)
        await anext(cast(AsyncGenerator[list[Item], None], reader))
    await settle()
    running_while_the_other_runs = reading_tasks()
    other_may_end.set()
    await other
    await settle()

    assert len(running_while_the_other_runs) == 1
    assert reading_tasks() == []


async def test_a_cancelled_kind_leaves_no_read_running() -> None:
    memo = FetchMemo()
    started = asyncio.Event()

    async def kind() -> None:
        async with memo.session():
            memo.stream("a", CountedList(batches=3, hang_after=0))
            memo.stream("b", CountedList(batches=3, hang_after=1))
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(kind())
    await started.wait()
    await settle()
    assert len(reading_tasks()) == 2
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await settle()

    assert reading_tasks() == []
