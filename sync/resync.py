"""What each kind yields in a resync, for every configured vendor, read side by side.

A kind walks each vendor's selected pages and the kind's list on each page (core/kinds.py says
which). The vendors are read at once, each within its own rate limit, so a resync of several
vendors takes as long as the slowest, not their sum. Failures are isolated and reported last:
a vendor whose page list fails, or a page whose list fails (whatever the error, a refused key
included), is skipped while every other vendor and page syncs, and then the kind's resync
raises an error naming each of them. Any error makes Ocean skip deleting stale entities, so
nothing that may still exist upstream is lost to a failed fetch.

Ocean 0.55.4 maps each batch a kind yields in a process pool of its own, forked for it. So a
kind gathers small lists (an incremental run's, a page's few groups) across status pages until a
batch holds ITEMS_PER_BATCH items, instead of one pool per API request. And it hands Ocean only
the fields the kind's mapping reads, where the mapping reads plain fields only (the shipped one
does; `reads_only` in held_in_port.py): Ocean's JQ serialises the whole item once per mapped
field, and an incident carries its updates, half its size, which its own mapping never reads. A
mapping that reads anything else (a custom expression, a selector, `itemsToParse`) gets every
field. The first batch of each vendor goes whole all the same: Ocean sends the first items of a
kind to Port as the examples its mapping editor shows, and those must show every field a mapping
can read.

Pages carry their overall status (page_statuses.py) and, when uptime is on, components their
uptime (uptime.py); neither ever fails a resync by itself.

The same code serves Ocean's incremental sync: there the memo is of the run's cursor, the
vendors' readers read only what can have changed since (fetch_memo.py), Ocean upserts what they
yield and deletes nothing, and a kind that fails keeps its cursor, so the next run reads the
same changes again.
"""

from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from loguru import logger

from client import Item, VendorError
from core.kinds import Kind, PageList
from sync.catalog import KnownPages, SyncedObjects, items_of, select_pages
from sync.fetch_memo import PAGES_AHEAD, FetchMemo
from sync.page_status import PageStatus
from sync.page_statuses import Resolved, page_statuses
from sync.side_by_side import side_by_side
from sync.uptime import UptimeRotation, component_uptimes, with_uptime
from vendors.contract import PortReadError, Vendor

# What a kind adds to a batch of one page's list before Ocean maps it.
Enrich = Callable[[Vendor, str, list[Item]], Awaitable[list[Item]]]
# The fewest items a kind gathers, across API responses and status pages, before it hands them to
# Ocean as one batch: one full list response. Each batch costs Ocean a pool of forked workers,
# so small lists are gathered; a full resync's batches stay the size of a response, because
# Ocean holds a whole batch while it maps it: three responses a batch raised a resync's peak
# memory by 6 MiB (3 x 1,000 incidents) for no CPU saving measurable once items are cut down.
ITEMS_PER_BATCH: Final = 100
Narrow = Callable[[list[Item]], list[Item]]


class SyncFailure(VendorError):
    """One vendor or page that could not be synced, named; its entities are kept in Port."""


class ResyncIncompleteError(ExceptionGroup[SyncFailure]):
    """A kind's resync left some vendors or pages out; it is raised after the rest synced."""


@dataclass(frozen=True)
class Resync:
    """One sync of one app: its vendors, the sync's memo, and what outlives the sync."""

    vendors: Sequence[Vendor]
    memo: FetchMemo
    known_pages: KnownPages
    uptime_rotation: UptimeRotation
    synced_objects: SyncedObjects = field(default_factory=SyncedObjects)

    async def kind(self, kind: Kind) -> AsyncIterator[list[Item]]:
        """Every batch the kind yields, from every vendor; raises ResyncIncompleteError
        naming what failed, after the rest."""
        failures = _Failures(kind.name)
        source = kind.source
        if source is None:
            per_vendor = [self._pages(kind, v, failures) for v in self.vendors]
        else:
            per_vendor = [self._lists(kind, source, v, failures) for v in self.vendors]
        async with self.memo.session():
            async for batch in side_by_side(per_vendor):
                yield batch
        failures.raise_if_any()

    async def _pages(
        self, kind: Kind, vendor: Vendor, failures: "_Failures"
    ) -> AsyncGenerator[list[Item]]:
        known = self.known_pages
        pages, _ = await self._selected_pages(vendor, failures)
        statuses = await page_statuses(vendor, self.memo, pages, known.clock)
        synced = []
        for page in pages:
            known.remember(page)
            if _status_known(known, vendor, page["id"], statuses[page["id"]], failures):
                synced.append(known.with_status(page))
        if synced:
            yield synced
        sources = Counter(str(page["status_source"]) for page in synced)
        logger.info(
            f"{kind.name}: synced {len(synced)} {vendor.provider} page(s)"
            f"{_since(self.memo)}, status from {dict(sources)}"
        )

    async def _lists(
        self, kind: Kind, which: PageList, vendor: Vendor, failures: "_Failures"
    ) -> AsyncGenerator[list[Item]]:
        """The kind's items in the vendor's selected pages, each page's `which` list read
        while Ocean maps the page before."""
        enrich = self._with_uptimes if which is PageList.COMPONENTS else None
        selected, whole = await self._selected_pages(vendor, failures)
        pages = [p["id"] for p in selected]
        total = synced_pages = 0
        # The family SyncedObjects keeps the kind's ids under; none for a kind nested in another
        # kind's items (updates), or where no ids are kept, since they would cost memory for
        # nothing.
        keeps_ids = kind.nested is None and self.synced_objects.kept
        family = kind.family if keeps_ids else None
        ids: set[str] = set()
        gathered: list[Item] = []
        # Ocean's examples come from a kind's first items: the vendor's first batch is whole.
        narrow: Narrow = _whole
        narrowing = self._narrowing(kind)
        for position, page_id in enumerate(pages):
            for upcoming in pages[position + 1 : position + 1 + PAGES_AHEAD]:
                self.memo.prefetch(which, vendor, upcoming)
            try:
                async for listed in self.memo.page_list(which, vendor, page_id):
                    if enrich is not None:
                        listed = await enrich(vendor, page_id, listed)
                    batch = items_of(kind, listed)
                    total += len(batch)
                    if family is not None:
                        ids.update(item["id"] for item in batch)
                    gathered += batch
                    if len(gathered) >= ITEMS_PER_BATCH:
                        # While Ocean maps the batch, this frame keeps no item whole that it
                        # handed Ocean cut down: only Ocean's copy stays in memory.
                        ready, gathered, listed, batch = narrow(gathered), [], [], []
                        yield ready
                        narrow = narrowing
                synced_pages += 1
            except VendorError as error:
                failures.add(f"{vendor.provider} page {page_id}", error)
        if gathered:
            ready, gathered = narrow(gathered), []
            yield ready
        if family is not None:
            whole = whole and synced_pages == len(pages) and not self.memo.incremental
            self.synced_objects.synced(vendor.provider, family, ids, resync=whole)
        logger.info(
            f"{kind.name}: synced {total} item(s) from {synced_pages} "
            f"{vendor.provider} page(s){_since(self.memo)}"
        )

    def _narrowing(self, kind: Kind) -> Narrow:
        """What a batch of the kind is cut down to before Ocean maps it: the fields its
        mapping reads, when that is all it reads; else the items whole."""
        try:
            fields = self.memo.held_in_port(kind.name).reads_only
        except PortReadError:
            fields = None
        if fields is None:
            return _whole
        return lambda items: [
            {name: item[name] for name in fields if name in item} for item in items
        ]

    async def _selected_pages(
        self, vendor: Vendor, failures: "_Failures"
    ) -> tuple[list[Item], bool]:
        """The vendor's pages its settings select, and whether that is all of them (the
        page list read, no configured page missing)."""
        try:
            pages = await self.memo.pages(vendor)
        except VendorError as error:
            failures.add(f"{vendor.provider}: listing its pages", error)
            return [], False
        selected, missing = select_pages(vendor, pages)
        failures.missing_pages(vendor, missing)
        self.known_pages.listed(vendor.provider, [page["id"] for page in selected])
        return selected, not missing

    async def _with_uptimes(
        self, vendor: Vendor, page_id: str, components: list[Item]
    ) -> list[Item]:
        uptimes = await component_uptimes(vendor, self.memo, self.uptime_rotation)
        return [
            with_uptime(component, uptimes.get((page_id, component["id"])))
            for component in components
        ]


class _Failures:
    """What failed in one kind's resync, reported together at its end."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._failures: list[SyncFailure] = []

    def add(self, where: str, error: VendorError) -> None:
        logger.error(f"{self.kind}: {where} failed, its entities are kept: {error}")
        failure = SyncFailure(f"{where}: {error}")
        failure.__cause__ = error
        self._failures.append(failure)

    def missing_pages(self, vendor: Vendor, missing: list[str]) -> None:
        if missing:
            self._failures.append(
                SyncFailure(
                    f"{vendor.provider}: {vendor.page_ids_setting} lists page(s) this API "
                    f"key cannot see: {', '.join(missing)}. Remove them from "
                    f"{vendor.page_ids_setting} or use an API key of the organization "
                    "that owns them"
                )
            )

    def raise_if_any(self) -> None:
        if self._failures:
            named = "; ".join(str(failure) for failure in self._failures)
            raise ResyncIncompleteError(f"{self.kind}: {named}", self._failures)


def _status_known(
    known: KnownPages,
    vendor: Vendor,
    page_id: str,
    resolved: Resolved,
    failures: _Failures,
) -> bool:
    """Whether the page has a status to sync with: the resync's (unless a webhook brought a
    newer one), or else the last one known. A page with none is left out and named, so its
    status in Port is not blanked."""
    if isinstance(resolved, PageStatus):
        known.keep(page_id, resolved)
        return True
    if known.status_of(page_id) is not None:
        logger.warning(
            f"{vendor.provider} page {page_id}: its status could not be derived; it keeps "
            f"the last one known: {resolved}"
        )
        return True
    failures.add(f"{vendor.provider} page {page_id} (its status)", resolved)
    return False


def _whole(items: list[Item]) -> list[Item]:
    return items


def _since(memo: FetchMemo) -> str:
    return "" if memo.since is None else f", changed since {memo.since.isoformat()}"
