"""What the resync and the live events both make of the vendors' objects: a kind's items (an
incident's updates enriched to relate to their page and incident), the pages a vendor's
settings select, the overall status last known of each page, from a resync or a webhook, and
what this app has synced (pages and objects), which spares live events work on what is not
there.

The resync and the live-event processors both import this module, never each other.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from client import Item
from core.kinds import Family, Kind
from sync.page_status import PageStatus, StatusSource
from vendors.contract import Vendor

WallClock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def items_of(kind: Kind, listed: list[Item]) -> list[Item]:
    """The kind's items among items of its source list: those items, or for a nested kind
    the entries of each one's nested field (an incident's updates), each carrying its page,
    its parent and its provider so a mapping can relate it."""
    nested = kind.nested
    if nested is None:
        return listed
    return [
        {
            **child,
            "page_id": parent.get("page_id"),
            nested.parent_id: parent["id"],
            "provider": parent.get("provider"),
        }
        for parent in listed
        for child in parent.get(nested.field) or []
    ]


def select_pages(vendor: Vendor, pages: list[Item]) -> tuple[list[Item], list[str]]:
    """The pages the vendor's settings select, and the configured ids the account lacks."""
    wanted = {vendor.port_id(page_id): page_id for page_id in vendor.settings.page_ids}
    if not wanted:
        return pages, []
    found = {page["id"] for page in pages}
    selected = [page for page in pages if page["id"] in wanted]
    missing = [raw for port_id, raw in wanted.items() if port_id not in found]
    return selected, missing


def is_selected(vendor: Vendor, page_id: str) -> bool:
    page_ids = vendor.settings.page_ids
    return not page_ids or page_id in {vendor.port_id(p) for p in page_ids}


@dataclass
class KnownPages:
    """What this app last read of each page, and the overall status (`status_indicator`,
    `status_description`, `status_source`) last known of it.

    A resync brings a status for every page; a webhook brings one as it arrives. A webhook's
    status is Statuspage's own and as recent as it gets, so a resync's status replaces it
    only when it reflects a change newer than the webhook's arrival: a public status answer
    served from a cache, or lists read before the webhook's event, never undo it.
    """

    _pages: dict[str, Item] = field(default_factory=dict)
    _statuses: dict[str, PageStatus] = field(default_factory=dict)
    # The pages each vendor syncs, by provider, as its page list was last read.
    _synced: dict[str, frozenset[str]] = field(default_factory=dict)
    clock: WallClock = _utc_now

    def remember(self, page: Item) -> None:
        self._pages[page["id"]] = page

    def listed(self, provider: str, page_ids: Iterable[str]) -> None:
        """The pages the vendor's key lists and its settings select, as just read."""
        self._synced[provider] = frozenset(page_ids)

    def is_synced(self, provider: str, page_id: str) -> bool:
        """Whether the page is one the vendor syncs; True while its page list was never
        read, in a resync or at start: only a page known to be missing is not."""
        synced = self._synced.get(provider)
        return synced is None or page_id in synced

    def get(self, page_id: str) -> Item | None:
        return self._pages.get(page_id)

    def note_status(self, page_id: str, status: Mapping[str, str]) -> None:
        """The status (`status_indicator`, `status_description`) a webhook brought just now."""
        self._statuses[page_id] = PageStatus(
            status["status_indicator"],
            status["status_description"],
            StatusSource.WEBHOOK,
            self.clock(),
        )

    def keep(self, page_id: str, status: PageStatus) -> PageStatus:
        """Keeps a resync's status unless a webhook brought a more recent one; returns the
        status now known of the page."""
        known = self._statuses.get(page_id)
        if (
            known is None
            or known.source is not StatusSource.WEBHOOK
            or status.observed_at >= known.observed_at
        ):
            self._statuses[page_id] = status
        return self._statuses[page_id]

    def status_of(self, page_id: str) -> PageStatus | None:
        return self._statuses.get(page_id)

    def with_status(self, page: Item) -> Item:
        """The page with the status last known of it, if any."""
        status = self._statuses.get(page["id"])
        return {**page, **status.as_fields()} if status is not None else page


@dataclass
class SyncedObjects:
    """The components and incidents this app has synced, by vendor and family, and whether a
    full resync of them completed here. Once one did, an object confirmed gone that this app
    never synced is one Port does not hold for this integration, so a live event about it
    needs no Port call; until then, every deletion goes to Port (Ocean asks Port whether it
    holds the entity first). It errs only one way: an identifier is never forgotten, so at
    worst Port is asked in vain. Identifiers only: a few dozen bytes an object, about 1 MiB
    for 10,000 incidents; so an app whose listener takes no live events (a one-shot run)
    keeps none (`kept` False), since nothing would ever look them up."""

    kept: bool = True
    _ids: dict[tuple[str, Family], set[str]] = field(default_factory=dict)
    _resynced: set[tuple[str, Family]] = field(default_factory=set)

    def synced(
        self, provider: str, family: Family, ids: Iterable[str], resync: bool = False
    ) -> None:
        """Notes objects synced; `resync` when they are everything a full resync synced."""
        if not self.kept:
            return
        self._ids.setdefault((provider, family), set()).update(ids)
        if resync:
            self._resynced.add((provider, family))

    def never_synced(self, provider: str, family: Family, port_id: str) -> bool:
        key = (provider, family)
        return key in self._resynced and port_id not in self._ids.get(key, set())
