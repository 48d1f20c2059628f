"""incident.io's status-page API dialect: Bearer keys, `/v2` paths, cursor paging (`page_size`
up to 250, `after` the last id read, `pagination_meta.after` given while more remain), an error
envelope (`{type, status, errors: [{code, message}]}`), 1,200 requests a minute per key, 429
with Retry-After; its objects normalised into the common shape (normalise.py) with `incidentio-`
ids. It sends no status-page webhooks: its pages are polled.

A resync reads the status-page list once (one request per 250 pages) and, per page, its
structure (1), its incidents (one per 250) and its maintenance (one per 250). The components
list reads the structure, and the page's incidents through the sync (`Reads`) to derive each
component's status; the groups come with it (flagged `group`), so nothing is read twice. An
incremental sync reads the same: the lists have no "changed since" filter, and they are cheap.
"""

import math
from collections.abc import AsyncIterator, Collection
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

from loguru import logger

from client import Dialect, Item, VendorApiError, VendorNotFoundError, Write, paginate
from core.kinds import PageList
from core.settings import RateLimit, Setting, api_host, id_list, secret_key
from vendors.contract import (
    ComponentChange,
    IncidentChange,
    Made,
    NewIncident,
    NewMaintenance,
    Reads,
    Vendor,
    Written,
    objects,
    text,
)
from vendors.incidentio import normalise, writes
from vendors.incidentio.normalise import IDS, PROVIDER, ComponentStatuses

DEFAULT_HOST: Final = "https://api.incident.io"
API_PATH: Final = "/v2"
PAGE_SIZE: Final = 250
# incident.io's documented limit: 1,200 requests a minute per API key.
RATE_LIMIT: Final = RateLimit(requests=1_200, window_seconds=60)
KEY: Final = Setting("incidentioApiKey", "api_key", secret_key(), secret=True)
PAGE_IDS: Final = Setting("incidentioStatusPageIds", "page_ids", id_list())
# The lists of a page's incidents: (path, the answer's field, how each is normalised).
INCIDENT_LISTS: Final = (
    ("/status_page_incidents", "status_page_incidents", normalise.incident),
    ("/status_page_maintenances", "status_page_maintenances", normalise.maintenance),
)


def _error_message(body: Any) -> str | None:
    """The messages of the error envelope's `errors`; else its `type`."""
    if not isinstance(body, dict):
        return None
    said = [
        m for error in objects(body.get("errors")) if (m := text(error.get("message")))
    ]
    return "; ".join(said) or text(body.get("type"))


class IncidentIoVendor(Vendor):
    provider = PROVIDER
    api_path = API_PATH
    ids = IDS
    setting_rows = (
        KEY,
        Setting("incidentioHost", "host", api_host(DEFAULT_HOST, API_PATH)),
        PAGE_IDS,
    )
    page_ids_setting = PAGE_IDS.name
    rate_limit = RATE_LIMIT
    dialect = Dialect(
        name="incident.io",
        key_setting=KEY.name,
        auth_scheme="Bearer",
        error_message=_error_message,
        rate_limit_statuses=frozenset({429}),
    )
    reads_uptime = True
    # Component availability is in incident.io's newer API only: once the account answers
    # 404, it is not asked again for as long as this vendor runs (set on the instance).
    _availability_missing = False

    async def pages(self) -> list[Item]:
        return [
            normalise.page(raw)
            async for batch in self._paginate("/status_pages", "status_pages")
            for raw in batch
        ]

    async def page(self, page_id: str) -> Item:
        """The page, from the page list (the API's own read of one page is newer than the
        list and may be missing)."""
        found = next((p for p in await self.pages() if p["id"] == page_id), None)
        if found is None:
            raise VendorNotFoundError(f"incident.io lists no status page {page_id}")
        return found

    async def component_groups(
        self, page_id: str, reads: Reads
    ) -> AsyncIterator[list[Item]]:
        """The groups and sub-pages, which the components list carries."""
        async for placed in reads.page_list(PageList.COMPONENTS, page_id):
            if groups := [item for item in placed if item["group"]]:
                yield groups

    async def components(self, page_id: str, reads: Reads) -> AsyncIterator[list[Item]]:
        """The page's structure, its groups and sub-pages flagged `group`, its components
        with the status the page's incidents (as this sync read them) give them."""
        placed = await self._placed(
            page_id, reads.page_list(PageList.INCIDENTS, page_id)
        )
        if placed:
            yield placed

    async def component(self, page_id: str, component_id: str) -> Item:
        """One placement, with its status: the page's structure and incidents are read."""
        placed = await self._placed(page_id, self._incidents(page_id))
        for item in placed:
            if item["id"] == component_id and not item["group"]:
                return item
        raise VendorNotFoundError(
            f"incident.io status page {page_id} places no component {component_id}"
        )

    def incidents(self, page_id: str, reads: Reads) -> AsyncIterator[list[Item]]:
        """Every incident and maintenance of the page, each with its updates; an incremental
        sync reads them all too."""
        return self._incidents(page_id)

    async def incident(self, page_id: str, incident_id: str) -> Item:
        """An incident, or else a maintenance, by id, if it is on the page."""
        segment = self._segment(incident_id)
        try:
            raw = await self._object(
                f"/status_page_incidents/{segment}", "status_page_incident"
            )
            found = normalise.incident(raw, page_id)
        except VendorNotFoundError:
            raw = await self._object(
                f"/status_page_maintenances/{segment}", "status_page_maintenance"
            )
            found = normalise.maintenance(raw, page_id)
        if raw.get("status_page_id") != self.vendor_id(page_id):
            raise VendorNotFoundError(
                f"incident.io incident {incident_id} is not on status page {page_id}"
            )
        return found

    async def component_uptime(
        self, page_id: str, component_id: str, days: int
    ) -> float | None:
        """The availability incident.io computes over the last `days` days (full and partial
        outages count as down); None, without asking again, once the account answers 404.
        """
        if self._availability_missing:
            return None
        path = (
            f"/status_pages/{self._segment(page_id)}/components/"
            f"{quote(normalise.placed_component_id(page_id, component_id), safe='')}/availability"
        )
        end = datetime.now(UTC)
        window = {
            "start_at": (end - timedelta(days=days)).isoformat(),
            "end_at": end.isoformat(),
        }
        try:
            availability = await self._object(path, "availability", window)
        except VendorNotFoundError:
            self._availability_missing = True
            logger.warning(
                "component: incident.io answered 404 for component availability, which "
                "this account does not have; incident.io uptime is not read again while "
                "the integration runs"
            )
            return None
        try:
            percent = float(str(availability.get("availability_percent")))
        except ValueError:
            return None
        return percent if math.isfinite(percent) else None

    def uptime_eligible(self, component: Item) -> bool:
        # Every component but those whose page is set not to show their uptime.
        return (
            component.get("group") is not True
            and component.get("showcase") is not False
        )

    # Writes (writes.py says what is sent). A component's status is not written: it follows
    # from the incidents and maintenances that name the component.

    async def create_incident(self, new: NewIncident) -> Written:
        path = "/status_page_incidents"
        raw = await self._object(
            path, "status_page_incident", None, writes.incident(new)
        )
        incident = normalise.incident(raw, new.page_id)
        return await self._written(Made.INCIDENT, incident, new.components)

    async def update_incident(self, change: IncidentChange) -> Written:
        """Posts an update; a resolving one returns the incident's components to
        operational, so those are read again too."""
        body = writes.update(change)
        await self.api.request(
            "POST", "/status_page_incident_updates", json=body, write=Write.ONCE
        )
        incident = await self.incident(change.page_id, change.incident_id)
        changed = list(change.components)
        if change.status == writes.RESOLVED:
            changed += [c["id"] for c in objects(incident.get("components"))]
        return await self._written(Made.INCIDENT, incident, changed)

    async def set_component_status(self, change: ComponentChange) -> Written:
        raise self._refused(
            "set a component's status",
            "a component's status there follows from the incidents and maintenances "
            "that name it; declare or update an incident giving it its status",
        )

    async def schedule_maintenance(self, new: NewMaintenance) -> Written:
        path = "/status_page_maintenances"
        created = writes.maintenance(new)
        raw = await self._object(path, "status_page_maintenance", None, created)
        return await self._written(
            Made.MAINTENANCE, normalise.maintenance(raw, new.page_id)
        )

    async def link_to(self, made: Made, item: Item) -> str | None:
        return await self.link_on_its_page(item)

    async def _written(
        self, made: Made, item: Item, changed: Collection[str] = ()
    ) -> Written:
        """What the write made, and the components it changed as the page now places them
        (one read of the page's structure and incidents, whatever their number)."""
        components: tuple[Item, ...] = ()
        if changed:
            page_id = item["page_id"]
            placed = await self._placed(page_id, self._incidents(page_id))
            components = tuple(
                c for c in placed if c["id"] in changed and not c["group"]
            )
        return Written(
            made, item, await self.link_to(made, item), components=components
        )

    def _segment(self, port_id: str) -> str:
        """The vendor's id in one of Port's identifiers, as one path segment."""
        return quote(self.vendor_id(port_id), safe="")

    async def _placed(
        self, page_id: str, incidents: AsyncIterator[list[Item]]
    ) -> list[Item]:
        """The page's structure placed (normalise.structure), each component with the status
        `incidents` give it."""
        path = f"/status_page_structures/{self._segment(page_id)}"
        structure = await self._object(path, "current_structure")
        items = structure.get("items")
        if not isinstance(items, list):
            raise VendorApiError(
                f"incident.io GET {path} answered a structure without its items"
            )
        statuses = ComponentStatuses(datetime.now(UTC))
        async for batch in incidents:
            statuses.add(batch)
        return normalise.structure(items, page_id, statuses)

    async def _incidents(self, page_id: str) -> AsyncIterator[list[Item]]:
        params = {"status_page_id": self.vendor_id(page_id)}
        for path, field, normalised in INCIDENT_LISTS:
            async for batch in self._paginate(path, field, params):
                yield [normalised(raw, page_id) for raw in batch]

    async def _paginate(
        self, path: str, field: str, params: dict[str, str] | None = None
    ) -> AsyncIterator[list[Item]]:
        """Each page of a list, 250 items asked a page, the next after the cursor the last
        one gave; the list ends at a page with no cursor to follow (or no items)."""
        cursor: str | None = None

        async def fetch_page(_: int) -> tuple[list[Item], bool]:
            nonlocal cursor
            query: dict[str, Any] = {**(params or {}), "page_size": PAGE_SIZE}
            if cursor is not None:
                query["after"] = cursor
            body = await self.api.request("GET", path, params=query)
            items = _listed(body, field, path)
            meta = body.get("pagination_meta")
            cursor = text(meta.get("after")) if isinstance(meta, dict) else None
            return items, cursor is None or not items

        async for batch in paginate(fetch_page, f"incident.io GET {path}"):
            yield batch

    async def _object(
        self,
        path: str,
        field: str,
        params: dict[str, Any] | None = None,
        created: Item | None = None,
    ) -> Item:
        """The answer's `field` object: of a GET, or of the POST that creates `created`.
        A create carries its idempotency key, so sending it again is safe (REPEATABLE).
        """
        method = "GET" if created is None else "POST"
        write = None if created is None else Write.REPEATABLE
        body = await self.api.request(method, path, params, created, write)
        found = body.get(field) if isinstance(body, dict) else None
        if not isinstance(found, dict):
            raise VendorApiError(
                f"incident.io {method} {path} answered no `{field}` object"
            )
        return found


def _listed(body: Any, field: str, path: str) -> list[Item]:
    items = body.get(field) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]
        for item in items
    ):
        raise VendorApiError(
            f"incident.io GET {path} answered no `{field}` list of objects with ids"
        )
    return items
