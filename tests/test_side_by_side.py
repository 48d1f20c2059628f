"""Reading several sources at once: order of arrival, a bound on read-ahead, errors and early
stops that leave nothing running."""

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing

import pytest

from sync.side_by_side import side_by_side
from tests.support import settle


class Source:
    """A source of numbered items that records how far it got and whether it was closed."""

    def __init__(self, name: str, count: int, hold_after: int | None = None) -> None:
        self.name = name
        self.count = count
        self.hold_after = hold_after
        self.released = asyncio.Event()
        self.made = 0
        self.closed = False

    async def items(self) -> AsyncGenerator[str]:
        try:
            for number in range(self.count):
                if number == self.hold_after:
                    await self.released.wait()
                self.made += 1
                yield f"{self.name}{number}"
        finally:
            self.closed = True


async def test_a_source_that_waits_does_not_hold_back_the_others() -> None:
    slow = Source("slow", 2, hold_after=1)
    fast = Source("fast", 3)
    received = []

    async for item in side_by_side([slow.items(), fast.items()]):
        received.append(item)
        if received.count("fast2"):
            slow.released.set()

    assert received.index("fast2") < received.index("slow1")
    assert sorted(received) == ["fast0", "fast1", "fast2", "slow0", "slow1"]


async def test_each_source_runs_at_most_one_item_ahead_of_the_reader() -> None:
    sources = [Source("a", 1000), Source("b", 1000)]
    taken = 0

    async with aclosing(side_by_side([source.items() for source in sources])) as merged:
        async for _ in merged:
            taken += 1
            await settle()
            # One item in the hand-over, and one more per source waiting to hand one over.
            assert sum(source.made for source in sources) <= taken + 1 + len(sources)
            if taken == 50:
                break

    assert all(source.closed for source in sources)


async def test_a_source_that_fails_raises_its_error_after_the_others_are_closed() -> (
    None
):
    healthy = Source("ok", 1000)

    async def failing() -> AsyncGenerator[str]:
        yield "bad0"
        raise ValueError("page 2 of bad could not be read")

    async def read_slowly(merged: AsyncGenerator[str]) -> None:
        async for _ in merged:
            await settle()

    with pytest.raises(ValueError, match="page 2 of bad"):
        await read_slowly(side_by_side([healthy.items(), failing()]))

    assert healthy.closed
    assert healthy.made < healthy.count


@pytest.mark.parametrize("count", [1, 3])
async def test_stopping_early_closes_every_source_and_leaves_no_task(
    count: int,
) -> None:
    sources = [Source(f"s{n}-", 1000) for n in range(count)]
    merged = side_by_side([source.items() for source in sources])

    assert (await anext(merged)).endswith("0")
    async with asyncio.timeout(5):
        await merged.aclose()

    assert all(source.closed for source in sources)
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_every_item_of_every_source_arrives_once() -> None:
    sources = [Source(name, count) for name, count in [("a", 7), ("b", 0), ("c", 250)]]

    received = [item async for item in side_by_side([s.items() for s in sources])]

    assert len(received) == len(set(received)) == 257
    assert all(source.closed for source in sources)
