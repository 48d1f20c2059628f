"""What the resync and the live events both make of the vendors' objects: incident updates
enriched to relate to their page and incident, the pages a vendor's settings select, and the
overall status the last webhook brought for each page.

The resync and the live-event processors both import this module, never each other.
"""

from dataclasses import dataclass, field

from client import Item
from vendors.base import Vendor

PageStatus = dict[str, str]


def updates_of(incident: Item) -> list[Item]:
    """An incident's updates, each carrying its page, incident and provider so a mapping can
    relate it."""
    return [
        {
            **update,
            "page_id": incident.get("page_id"),
            "incident_id": incident["id"],
            "provider": incident.get("provider"),
        }
        for update in incident.get("incident_updates") or []
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
    `status_description`) its last webhook brought. Statuspage's page API does not return
    that status, so a resync keeps what a webhook set; and a webhook that only changes the
    status needs no request to upsert the page."""

    _pages: dict[str, Item] = field(default_factory=dict)
    _statuses: dict[str, PageStatus] = field(default_factory=dict)

    def remember(self, page: Item) -> None:
        self._pages[page["id"]] = page

    def get(self, page_id: str) -> Item | None:
        return self._pages.get(page_id)

    def note_status(self, page_id: str, status: PageStatus) -> None:
        self._statuses[page_id] = status

    def with_status(self, page: Item) -> Item:
        """The page with the last status a webhook brought, if one did."""
        return {**page, **self._statuses.get(page["id"], {})}
