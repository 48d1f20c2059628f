"""What each kind yields in a resync, for every configured vendor.

Each kind walks the vendors, their selected pages, and one list per page. Failures are isolated
and reported last: a vendor whose page list fails, or a page whose list fails (whatever the
error, a refused key included), is skipped while every other vendor and page syncs, and then
the kind's resync raises an error naming each of them. Any error makes Ocean skip deleting
stale entities, so nothing that may still exist upstream is lost to a failed fetch.

Ocean 0.55.4 maps each batch a kind yields in a process pool of its own: it forks its workers,
and each worker compiles every JQ pattern of the mapping again. So a kind hands Ocean batches
gathered from RESPONSES_PER_BATCH list responses, across a list's API pages and across status
pages, not one batch per API request.

Pages carry their overall status (page_status_sync.py) and, when uptime is on, components
their uptime (component_uptime.py); neither ever fails a resync by itself.

The same handlers serve Ocean's incremental sync (see main.py): there the memo reads only what
can have changed since the kind's cursor (fetch_memo.py, `Vendor.incidents_since`), Ocean
upserts what they yield and deletes nothing, and a kind that fails keeps its cursor, so the
next run reads the same changes again.
"""

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final

from loguru import logger

from catalog import KnownPages, select_pages, updates_of
from client import Item, VendorError
from component_uptime import component_uptimes, with_uptime
from fetch_memo import PAGES_AHEAD, FetchMemo, PageList, current_memo
from page_status import PageStatus
from page_status_sync import Resolved, page_statuses
from runtime import current_runtime
from vendors.base import Vendor

# What a kind makes of a batch of one page's list before Ocean maps it.
Enrich = Callable[[Vendor, str, list[Item]], Awaitable[list[Item]]]
# How many of the API's list responses (up to 100 items each) a kind gathers into one batch for
# Ocean. Ocean's cost per batch (a pool of forked workers, each compiling the mapping) is then
# paid a third as often. Ocean holds the batch while it maps it, so its size is the memory
# price: 1,000 incidents a batch saved a little more CPU but raised the peak memory of a
# 10 x 1,000 resync by 10 MiB (164 to 174); three responses cost about 5 MiB.
RESPONSES_PER_BATCH: Final = 3


class SyncFailure(VendorError):
    """One vendor or page that could not be synced, named; its entities are kept in Port."""


class ResyncIncompleteError(ExceptionGroup[SyncFailure]):
    """A kind's resync left some vendors or pages out; it is raised after the rest synced."""


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


async def _selected_pages(
    memo: FetchMemo, vendor: Vendor, failures: _Failures
) -> list[Item]:
    try:
        pages = await memo.pages(vendor)
    except VendorError as error:
        failures.add(f"{vendor.provider}: listing its pages", error)
        return []
    selected, missing = select_pages(vendor, pages)
    failures.missing_pages(vendor, missing)
    return selected


async def resync_pages(kind: str) -> AsyncIterator[list[Item]]:
    runtime = current_runtime()
    known = runtime.known_pages
    memo = current_memo()
    failures = _Failures(kind)
    async with memo.session():
        for vendor in runtime.vendors:
            pages = await _selected_pages(memo, vendor, failures)
            statuses = await page_statuses(vendor, memo, pages, known.clock)
            synced = []
            for page in pages:
                known.remember(page)
                if _status_known(
                    known, vendor, page["id"], statuses[page["id"]], failures
                ):
                    synced.append(known.with_status(page))
            if synced:
                yield synced
            sources = Counter(str(page["status_source"]) for page in synced)
            logger.info(
                f"{kind}: synced {len(synced)} {vendor.provider} page(s){_since(memo)}, "
                f"status from {dict(sources)}"
            )
    failures.raise_if_any()


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


async def _resync_each_page(
    kind: str, which: PageList, enrich: Enrich | None = None
) -> AsyncIterator[list[Item]]:
    """The items of `which` list of every selected page of every vendor, in batches gathered
    from RESPONSES_PER_BATCH responses, each page's list read while Ocean maps the page
    before."""
    memo = current_memo()
    failures = _Failures(kind)
    gathered: list[Item] = []
    responses = 0
    async with memo.session():
        for vendor in current_runtime().vendors:
            pages = [
                page["id"] for page in await _selected_pages(memo, vendor, failures)
            ]
            total = synced_pages = 0
            for position, page_id in enumerate(pages):
                for upcoming in pages[position + 1 : position + 1 + PAGES_AHEAD]:
                    memo.prefetch(which, vendor, upcoming)
                try:
                    async for batch in memo.page_list(which, vendor, page_id):
                        if enrich is not None:
                            batch = await enrich(vendor, page_id, batch)
                        total += len(batch)
                        gathered += batch
                        responses += 1
                        if responses == RESPONSES_PER_BATCH:
                            yield gathered
                            gathered, responses = [], 0
                    synced_pages += 1
                except VendorError as error:
                    failures.add(f"{vendor.provider} page {page_id}", error)
            logger.info(
                f"{kind}: synced {total} item(s) from {synced_pages} {vendor.provider} "
                f"page(s){_since(memo)}"
            )
        if gathered:
            yield gathered
    failures.raise_if_any()


def _since(memo: FetchMemo) -> str:
    return "" if memo.since is None else f", changed since {memo.since.isoformat()}"


async def resync_component_groups(kind: str) -> AsyncIterator[list[Item]]:
    async for batch in _resync_each_page(kind, PageList.COMPONENT_GROUPS):
        yield batch


async def resync_components(kind: str) -> AsyncIterator[list[Item]]:
    memo = current_memo()
    rotation = current_runtime().uptime_rotation

    async def with_uptimes(
        vendor: Vendor, page_id: str, components: list[Item]
    ) -> list[Item]:
        uptimes = await component_uptimes(vendor, memo, rotation)
        return [
            with_uptime(component, uptimes.get((page_id, component["id"])))
            for component in components
        ]

    async for batch in _resync_each_page(kind, PageList.COMPONENTS, with_uptimes):
        yield batch


async def resync_incidents(kind: str) -> AsyncIterator[list[Item]]:
    async for batch in _resync_each_page(kind, PageList.INCIDENTS):
        yield batch


async def resync_incident_updates(kind: str) -> AsyncIterator[list[Item]]:
    async def updates(
        _vendor: Vendor, _page_id: str, incidents: list[Item]
    ) -> list[Item]:
        return [update for incident in incidents for update in updates_of(incident)]

    async for batch in _resync_each_page(kind, PageList.INCIDENTS, updates):
        yield batch
