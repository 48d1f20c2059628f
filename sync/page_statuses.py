"""Each page's overall status in a resync, worked out once per resync for every page kind.

Where the vendor publishes the page's status (Statuspage: a public page's status API), that is
the status. Otherwise, for a private page or when the published status cannot be read, it is
derived (see sync/page_status.py) from the page's components and incidents, read through the
resync's memo: the component and incident kinds replay those lists, so deriving costs no
request they would not make anyway.

A failing public host must not cost every page its deadline: after a few failures in a row,
the rest of the vendor's pages are derived for this resync. A page whose published status is on
an address the integration does not read (client.py's `PublicInternetOnly`) is derived too, with
one line saying why; that is no failure of the host. Nothing here fails a resync.
"""

from loguru import logger

from client import AddressRefusedError, Item, VendorError
from core.kinds import PageList
from sync.breaker import FailuresInARow
from sync.catalog import WallClock
from sync.fetch_memo import FetchMemo
from sync.page_status import PageStatus, StatusDerivation, StatusSource
from vendors.contract import PublishedStatus, Vendor

# A page's status, or why none could be had.
Resolved = PageStatus | VendorError


async def page_statuses(
    vendor: Vendor, memo: FetchMemo, pages: list[Item], clock: WallClock
) -> dict[str, Resolved]:
    """The status of each of `pages`, by page id; the same answer for every caller in one
    resync."""
    return await memo.remembered(
        f"{vendor.provider}:page_statuses",
        lambda: _PageStatuses(vendor, memo, clock).of(pages),
    )


class _PageStatuses:
    def __init__(self, vendor: Vendor, memo: FetchMemo, clock: WallClock) -> None:
        self._vendor = vendor
        self._memo = memo
        self._clock = clock
        self._published_failures = FailuresInARow(
            f"{vendor.provider}: published status reads",
            "the status of its other pages is derived in this resync",
        )

    async def of(self, pages: list[Item]) -> dict[str, Resolved]:
        return {page["id"]: await self._status(page) for page in pages}

    async def _status(self, page: Item) -> Resolved:
        published = await self._published(page)
        now = self._clock()
        if published is not None:
            # Dated by the page's last change: an answer served from a cache from before a
            # webhook's event cannot pass for newer than the webhook.
            observed = min(published.updated_at or now, now)
            return PageStatus(
                published.indicator,
                published.description,
                StatusSource.PUBLIC_API,
                observed,
            )
        try:
            return await self._derived(page["id"])
        except VendorError as error:
            return error

    async def _published(self, page: Item) -> PublishedStatus | None:
        failures = self._published_failures
        if failures.tripped:
            return None
        try:
            published = await self._vendor.published_status(page)
        except AddressRefusedError as refused:
            logger.warning(
                f"{self._vendor.provider} page {page['id']}: its published status is not "
                f"read, so it is derived: {refused}. For a status page on a private "
                "address, set allowPrivateStatusUrls"
            )
            return None
        except VendorError as error:
            logger.warning(
                f"{self._vendor.provider} page {page['id']}: its published status could "
                f"not be read, so it is derived from its components and incidents: {error}"
            )
            failures.failed()
            return None
        if published is not None:
            failures.succeeded()
        return published

    async def _derived(self, page_id: str) -> PageStatus:
        derivation = StatusDerivation()
        reads = self._memo.reads(self._vendor)
        async for components in reads.page_list(PageList.COMPONENTS, page_id):
            derivation.add_components(components)
        async for incidents in reads.page_list(PageList.INCIDENTS, page_id):
            derivation.add_incidents(incidents)
        return derivation.result(self._clock())
