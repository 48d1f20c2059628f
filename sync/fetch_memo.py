"""Each vendor list is fetched at most once per sync, read ahead of its readers, and a failure
is remembered too.

The kinds share what they read: `statuspage` and `page` one page list, `incident_update` the
incidents the `incident` kind read. So every list a sync reads is recorded as it streams, and
replayed to any later reader; a failed list fails every later reader at once, so an outage
costs one round of retries, not one per kind. What a sync works out once from several reads
(the pages' status, the components' uptime) is remembered the same way (`remembered`).

Reading ahead: Ocean maps and upserts each batch a kind yields before it asks for the next, so
a list read only on demand would leave the rate limit unused while Ocean works, and each page's
list would wait for the page before it. So each list is read by a task of its own into its
recording, at most BATCHES_AHEAD batches ahead of its furthest reader, and a kind walking the
pages starts the next pages' lists while it reads the current one (`prefetch`). Every request
still goes through the vendor's client and its one limiter: reading ahead never puts more than
the limit in a window, it only keeps the limit from going unused. A kind runs in a `session`,
and kinds may run at once (a full resync starts the next kind while one runs): whatever is still
being read when the last of them ends (a kind failed, or the sync was aborted) is cancelled and
forgotten, so no task outlives its sync and nothing half read passes for whole.

Recordings must not make memory grow with history: batches are kept compressed in one spool
per sync, which moves to a temporary file once it passes SPOOL_MEMORY_BYTES.

A memo reads either everything (a full resync) or, in an incremental sync, what can have
changed since the run's cursor (`since`), which the vendor's readers are told (`Reads`). The
kinds of an incremental run share the memo of their cursor; they have one cursor unless an
earlier run failed part-way. Each sync's memo is made and found by the entry point (main.py).
"""

import asyncio
import json
import struct
import tempfile
import weakref
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import IO, Any, Final, cast

from client import Item, VendorApiError
from core.kinds import PageList
from sync.held_in_port import MappedKind, PortView
from vendors.contract import PortReadError, Reads, Vendor

SPOOL_MEMORY_BYTES: Final = 2 * 1024 * 1024
# How far a list is read ahead of its furthest reader (at least 1): a page of 1,000 incidents.
BATCHES_AHEAD: Final = 10
# How many of the next pages' lists a kind reads while it works on the current page's.
PAGES_AHEAD: Final = 1
_LENGTH = struct.Struct(">I")

Fetch = Callable[[], AsyncIterator[list[Item]]]


class _Spool:
    """Compressed batches in one growing file, in memory until it gets large."""

    def __init__(self) -> None:
        self._file: IO[bytes] = (
            tempfile.SpooledTemporaryFile(  # noqa: SIM115 - lives as long as the sync
                max_size=SPOOL_MEMORY_BYTES
            )
        )
        # Nothing marks the end of a sync's memo (it lives in Ocean's event), so the spool
        # closes its file as it is dropped; the file's own finaliser would warn (ResourceWarning).
        weakref.finalize(self, self._file.close)

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


class _Recording:
    """One list as its task reads it into the spool, followed by any number of readers."""

    def __init__(self, key: str, spool: _Spool) -> None:
        self._key = key
        self._spool = spool
        self._offsets: list[int] = []
        self._wanted = BATCHES_AHEAD
        self._error: Exception | None = None
        self._finished = False
        self._signal = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self, fetch: Fetch) -> None:
        self.task = asyncio.create_task(self._record(fetch), name=f"read {self._key}")

    async def follow(self) -> AsyncIterator[list[Item]]:
        """Every batch of the list in order, waiting for those not read yet; then the
        list's error, if it failed."""
        position = 0
        while True:
            await self._until(self._past(position))
            if position < len(self._offsets):
                # This reader has had `position + 1` batches: the list may run ahead of it.
                self._wanted = max(self._wanted, position + 1 + BATCHES_AHEAD)
                self._changed()
                yield self._spool.get(self._offsets[position])
                position += 1
            elif self._error is not None:
                raise self._error
            else:
                return

    async def _record(self, fetch: Fetch) -> None:
        try:
            async for batch in fetch():
                self._offsets.append(self._spool.put(batch))
                self._changed()
                await self._until(lambda: len(self._offsets) < self._wanted)
        except asyncio.CancelledError:
            self._error = VendorApiError(
                f"{self._key}: the read was stopped before the list ended"
            )
            raise
        # A bug as much as a vendor's failure: its readers are told, at their turn.
        except Exception as error:
            self._error = error
        finally:
            self._finished = True
            self._changed()

    def _past(self, position: int) -> Callable[[], bool]:
        """Whether there is a batch at `position` to read, or the list ended."""
        return lambda: position < len(self._offsets) or self._finished

    def _changed(self) -> None:
        self._signal.set()
        self._signal = asyncio.Event()

    async def _until(self, ready: Callable[[], bool]) -> None:
        while not ready():
            await self._signal.wait()


class FetchMemo:
    """What one sync reads, once. `since` is None in a full resync, else the incremental
    sync's cursor; `port` is what the sync may read of Port, for vendors that need it.
    """

    def __init__(
        self, since: datetime | None = None, port: PortView | None = None
    ) -> None:
        self.since = since
        self._port = port
        self._spool = _Spool()
        self._recordings: dict[str, _Recording] = {}
        self._values: dict[str, asyncio.Future[Any]] = {}
        self._sessions = 0

    @property
    def incremental(self) -> bool:
        return self.since is not None

    @asynccontextmanager
    async def session(self) -> AsyncIterator["FetchMemo"]:
        """A kind's use of the memo: what is still being read or worked out when the block
        ends (an error, a cancelled sync) is cancelled and forgotten, unless another kind's
        session is still open: those reads may be its own."""
        self._sessions += 1
        try:
            yield self
        finally:
            self._sessions -= 1
            if self._sessions == 0:
                self._stop_unfinished()

    async def remembered[T](self, key: str, compute: Callable[[], Awaitable[T]]) -> T:
        """`compute()`'s result the first time `key` is asked in this sync (kinds that run
        at once share the one computation), the same result every time after."""
        if key not in self._values:
            self._values[key] = asyncio.ensure_future(compute())
        return cast(T, await self._values[key])

    def reads(self, vendor: Vendor) -> Reads:
        """What the vendor's readers may ask of this sync (vendors/contract.py's `Reads`)."""
        return _VendorReads(self, vendor)

    async def pages(self, vendor: Vendor) -> list[Item]:
        key = f"{vendor.provider}:pages"

        async def fetch() -> AsyncIterator[list[Item]]:
            yield await vendor.pages()

        return [page async for batch in self.stream(key, fetch) for page in batch]

    def page_list(
        self, which: PageList, vendor: Vendor, page_id: str
    ) -> AsyncIterator[list[Item]]:
        """The vendor's `which` list of the page: all of it, or in an incremental sync what
        can have changed since the cursor."""
        return self.stream(*self._page_list(which, vendor, page_id))

    def prefetch(self, which: PageList, vendor: Vendor, page_id: str) -> None:
        """Starts reading the list, for a reader to come."""
        self._recording(*self._page_list(which, vendor, page_id))

    def held_in_port(self, kind: str) -> MappedKind:
        if self._port is None:
            raise PortReadError(f"what Port holds of {kind} is not known to this sync")
        return MappedKind(kind, self._port)

    def stream(self, key: str, fetch: Fetch) -> AsyncIterator[list[Item]]:
        """`fetch`'s batches, read once in this sync by a task of the memo: as they arrive
        the first time `key` is read, replayed from the recording (or its failure) after.
        """
        return self._recording(key, fetch).follow()

    def _page_list(
        self, which: PageList, vendor: Vendor, page_id: str
    ) -> tuple[str, Fetch]:
        reads = self.reads(vendor)
        return (
            f"{vendor.provider}:{page_id}:{which}",
            lambda: vendor.read_list(which, page_id, reads),
        )

    def _recording(self, key: str, fetch: Fetch) -> _Recording:
        recording = self._recordings.get(key)
        if recording is None:
            recording = self._recordings[key] = _Recording(key, self._spool)
            recording.start(fetch)
        return recording

    def _stop_unfinished(self) -> None:
        for key, recording in list(self._recordings.items()):
            if recording.task is not None and not recording.task.done():
                recording.task.cancel()
                del self._recordings[key]
        for key, value in list(self._values.items()):
            if not value.done():
                value.cancel()
                del self._values[key]


class _VendorReads:
    """This sync, as one vendor's readers see it."""

    def __init__(self, memo: FetchMemo, vendor: Vendor) -> None:
        self._memo = memo
        self._vendor = vendor

    @property
    def since(self) -> datetime | None:
        return self._memo.since

    def page_list(self, which: PageList, page_id: str) -> AsyncIterator[list[Item]]:
        return self._memo.page_list(which, self._vendor, page_id)

    def held_in_port(self, kind: str) -> MappedKind:
        return self._memo.held_in_port(kind)
