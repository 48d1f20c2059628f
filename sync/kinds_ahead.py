"""A full resync's kinds, each started while the kind before it runs.

Ocean 0.55.4 syncs a resync's kinds one after another: `sync_raw_all` awaits each kind's
`process_resource` before it starts the next. At a vendor's rate limit a kind spends part of its
time waiting for the next window, with nothing to map, while the next kind could map what is read
already (the incident updates are in the incident lists the incident kind has read). So when
Ocean asks for a kind, the kind after it is started too, and Ocean finds it under way when it asks
for it. Ocean still gets every kind's result in its order, and its stale deletion, which waits
for all of them, is unchanged.

One kind ahead, no more: each kind in flight holds the batch Ocean maps for it, and Ocean's
mapping takes their batches in turn (ocean_mapping.ChunkedJQProcessor), so the kind ahead maps while
the other waits, instead of competing with it for the CPU.
"""

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any


class KindsAhead[Resource, Result]:
    """One resync's kinds (`resources`, in Ocean's order), each run by `process` once."""

    def __init__(
        self,
        resources: Sequence[Resource],
        process: Callable[[Resource, int], Coroutine[Any, Any, Result]],
    ) -> None:
        self._resources = resources
        self._process = process
        self._started: dict[int, asyncio.Task[Result]] = {}

    def holds(self, resource: Resource, index: int) -> bool:
        """Whether `resource` is this resync's kind at `index`."""
        return index < len(self._resources) and self._resources[index] is resource

    async def result(self, index: int) -> Result:
        """The kind's result, once it is done; the kind after it is started now, if it is
        not already. Whatever stops this (a cancelled resync) stops the kind ahead too.
        """
        task = self._started.pop(index, None) or self._start(index)
        following = index + 1
        if following < len(self._resources) and following not in self._started:
            self._started[following] = self._start(following)
        try:
            return await task
        except BaseException:
            self._cancel_started()
            raise

    def _start(self, index: int) -> asyncio.Task[Result]:
        return asyncio.create_task(
            self._process(self._resources[index], index),
            name=f"resync kind {index}",
        )

    def _cancel_started(self) -> None:
        for task in self._started.values():
            task.cancel()
        self._started.clear()
