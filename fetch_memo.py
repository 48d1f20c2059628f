"""Each vendor list is fetched at most once per resync, and a failure is remembered too.

The kinds share what they read: `statuspage` and `page` one page list, `incident_update` the
incidents the `incident` kind read. So every list a resync reads is recorded as it streams, and
replayed to any later reader; a failed list fails every later reader at once, so an outage
costs one round of retries, not one per kind. What a resync works out once from several reads
(the pages' status, the components' uptime) is remembered the same way (`remembered`).

Recordings must not make memory grow with history: batches are kept compressed in one spool
per resync, which moves to a temporary file once it passes SPOOL_MEMORY_BYTES.
"""

import asyncio
import json
import struct
import tempfile
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import IO, Any, Final, cast

from port_ocean.context.event import event

from client import Item, VendorError
from vendors.base import Vendor

SPOOL_MEMORY_BYTES: Final = 2 * 1024 * 1024
_EVENT_ATTRIBUTE: Final = "vendor_fetch_memo"
_LENGTH = struct.Struct(">I")

Fetch = Callable[[], AsyncIterator[list[Item]]]


class _Spool:
    """Compressed batches in one growing file, in memory until it gets large."""

    def __init__(self) -> None:
        self._file: IO[bytes] = (
            tempfile.SpooledTemporaryFile(  # noqa: SIM115 - lives as long as the resync
                max_size=SPOOL_MEMORY_BYTES
            )
        )

    def put(self, batch: list[Item]) -> int:
        data = zlib.compress(json.dumps(batch, separators=(",", ":")).encode(), 1)
        self._file.seek(0, 2)
        offset = self._file.tell()
        self._file.write(_LENGTH.pack(len(data)) + data)
        return offset

    def get(self, offset: int) -> list[Item]:
        self._file.seek(offset)
        (length,) = _LENGTH.unpack(self._file.read(_LENGTH.size))
        batch: list[Item] = json.loads(zlib.decompress(self._file.read(length)))
        return batch


class FetchMemo:
    def __init__(self) -> None:
        self._spool = _Spool()
        self._recorded: dict[str, list[int]] = {}
        self._failed: dict[str, VendorError] = {}
        self._values: dict[str, asyncio.Future[Any]] = {}

    async def remembered[T](self, key: str, compute: Callable[[], Awaitable[T]]) -> T:
        """`compute()`'s result the first time `key` is asked in this resync (kinds that run
        at once share the one computation), the same result every time after."""
        if key not in self._values:
            self._values[key] = asyncio.ensure_future(compute())
        return cast(T, await self._values[key])

    async def pages(self, vendor: Vendor) -> list[Item]:
        key = f"{vendor.provider}:pages"

        async def fetch() -> AsyncIterator[list[Item]]:
            yield await vendor.pages()

        return [page async for batch in self.stream(key, fetch) for page in batch]

    def component_groups(
        self, vendor: Vendor, page_id: str
    ) -> AsyncIterator[list[Item]]:
        return self.stream(
            f"{vendor.provider}:{page_id}:component_groups",
            lambda: vendor.component_groups(page_id),
        )

    def components(self, vendor: Vendor, page_id: str) -> AsyncIterator[list[Item]]:
        return self.stream(
            f"{vendor.provider}:{page_id}:components",
            lambda: vendor.components(page_id),
        )

    def incidents(self, vendor: Vendor, page_id: str) -> AsyncIterator[list[Item]]:
        return self.stream(
            f"{vendor.provider}:{page_id}:incidents", lambda: vendor.incidents(page_id)
        )

    async def stream(self, key: str, fetch: Fetch) -> AsyncIterator[list[Item]]:
        """`fetch`'s batches the first time `key` is read in this resync, recorded as they
        pass; a replay of them, or of its failure, every time after."""
        if key in self._failed:
            raise self._failed[key]
        if key in self._recorded:
            for batch in self._replay(key):
                yield batch
            return
        offsets: list[int] = []
        try:
            async for batch in fetch():
                offsets.append(self._spool.put(batch))
                yield batch
        except VendorError as error:
            self._failed[key] = error
            raise
        # Only a list read to its end is a recording; a reader that stopped early left none.
        self._recorded[key] = offsets

    def _replay(self, key: str) -> Iterator[list[Item]]:
        for offset in self._recorded[key]:
            yield self._spool.get(offset)


def current_memo() -> FetchMemo:
    """This resync's memo, made on first use."""
    memo = event.attributes.get(_EVENT_ATTRIBUTE)
    if not isinstance(memo, FetchMemo):
        memo = FetchMemo()
        event.attributes[_EVENT_ATTRIBUTE] = memo
    return memo
