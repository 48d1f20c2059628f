"""Several async generators read at once, their items yielded as each arrives.

A resync reads its vendors side by side with this, so it takes as long as the slowest vendor,
not their sum. Each source may run one item ahead of the reader and no further: a vendor whose
batches Ocean has not taken yet waits instead of piling them up in memory.

It is ours rather than Ocean's `stream_async_iterators_tasks` because that one loads aiostream,
about 1 MiB resident for the whole run, which no other part of a run loads.
"""

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass


@dataclass(frozen=True)
class _Finished:
    """A source's last word: it ended, or it raised `error`."""

    error: Exception | None = None


async def side_by_side[T](sources: Sequence[AsyncGenerator[T]]) -> AsyncGenerator[T]:
    """Every item of every source, in the order they arrive. The first error a source raises
    is raised here, once the other sources are stopped; so is stopping early."""
    if len(sources) == 1:
        async with aclosing(sources[0]) as only:
            async for item in only:
                yield item
        return
    handoff: asyncio.Queue[tuple[T] | _Finished] = asyncio.Queue(maxsize=1)
    readers = [asyncio.create_task(_hand_over(source, handoff)) for source in sources]
    try:
        running = len(readers)
        while running:
            received = await handoff.get()
            if isinstance(received, _Finished):
                if received.error is not None:
                    raise received.error
                running -= 1
            else:
                yield received[0]
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


async def _hand_over[T](
    source: AsyncGenerator[T], handoff: "asyncio.Queue[tuple[T] | _Finished]"
) -> None:
    try:
        async with aclosing(source) as items:
            async for item in items:
                await handoff.put((item,))
    except Exception as error:
        await handoff.put(_Finished(error))
        return
    await handoff.put(_Finished())
