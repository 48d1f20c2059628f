"""Atlassian Statuspage's API dialect: `OAuth` keys, `page`/`per_page` or `limit` paging, a
rolling limit answered with 420 or 429, `{"error": ...}` bodies. Its objects are the common
shape already, so they pass through as the API returns them, with `provider` added. A page's
published status comes from its public status API (public_status.py).

An incremental sync reads, per page, the incidents still open, the maintenance upcoming and
under way (three short lists), and the newest incidents until the first page holding one last
updated before the cursor: usually four requests, whatever the page's history.

Writes: an incident or a maintenance (an incident with status `scheduled`) is declared with
`POST /pages/{id}/incidents` and updated or resolved with `PATCH` on it, a component's status
set with `PATCH` on the component. A declared one carries the run that asked for it in its
`metadata` (`{"port": {"run_id": ...}}`), and the page's incidents of the same name are looked
through for it first, so a run Port delivers twice finds the first delivery's incident instead
of declaring another.
"""

from collections.abc import AsyncIterator, Collection
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from port_ocean.core.incremental import (
    ClientSideCutoffStrategy,
    paginate_with_strategy,
)

from client import Dialect, Item, VendorApiError, Write, paginate
from core.settings import (
    MAX_RATE_LIMIT_REQUESTS,
    MAX_RATE_LIMIT_WINDOW_SECONDS,
    RATE_LIMIT_REQUESTS,
    RATE_LIMIT_WINDOW,
    RateLimit,
    Setting,
    api_host,
    id_list,
    secret_key,
    whole_number,
)
from vendors.contract import (
    CLOCK_SKEW_ALLOWANCE,
    ComponentChange,
    IncidentChange,
    Made,
    NewIncident,
    NewMaintenance,
    Notification,
    PublishedStatus,
    Reads,
    Vendor,
    WebhookScope,
    Written,
    objects,
)
from vendors.statuspage.public_status import (
    PUBLIC_DIALECT,
    error_message,
    published_status,
    status_url,
)
from vendors.statuspage.webhooks import PROVIDER, SubscriberScope, notification_of

DEFAULT_HOST: Final = "https://api.statuspage.io"
API_PATH: Final = "/v1"
PAGE_SIZE: Final = 100
RATE_LIMIT: Final = RateLimit(requests=60, window_seconds=60)
KEY: Final = Setting("statuspageApiKey", "api_key", secret_key(), secret=True)
# The incident lists narrowed by status: open incidents (investigating, identified,
# monitoring), maintenance scheduled and not started, and maintenance under way.
OPEN_INCIDENT_LISTS: Final = ("unresolved", "upcoming", "active_maintenance")
# Where a declared incident's metadata names the run that declared it.
RUN_METADATA: Final = ("port", "run_id")


class StatuspageVendor(Vendor):
    provider = PROVIDER
    api_path = API_PATH
    setting_rows = (
        KEY,
        Setting("statuspageHost", "host", api_host(DEFAULT_HOST, API_PATH)),
        Setting("statuspageIds", "page_ids", id_list()),
        Setting(
            "rateLimitRequests",
            RATE_LIMIT_REQUESTS,
            whole_number(RATE_LIMIT.requests, MAX_RATE_LIMIT_REQUESTS),
        ),
        Setting(
            "rateLimitWindowSeconds",
            RATE_LIMIT_WINDOW,
            whole_number(int(RATE_LIMIT.window_seconds), MAX_RATE_LIMIT_WINDOW_SECONDS),
        ),
    )
    page_ids_setting = "statuspageIds"
    rate_limit = RATE_LIMIT
    dialect = Dialect(
        name="Statuspage",
        key_setting=KEY.name,
        auth_scheme="OAuth",
        error_message=error_message,
        rate_limit_statuses=frozenset({420, 429}),
    )
    reads_uptime = True
    webhook_path = "/webhook"
    webhook_needs_email = True
    public_dialect = PUBLIC_DIALECT

    async def pages(self) -> list[Item]:
        return [_with_provider(page) for page in await self._list("/pages")]

    async def page(self, page_id: str) -> Item:
        return _with_provider(await self._object(f"/pages/{page_id}", "page"))

    def component_groups(self, page_id: str, reads: Reads) -> AsyncIterator[list[Item]]:
        return self._catalog(f"/pages/{page_id}/component-groups", "per_page")

    def components(self, page_id: str, reads: Reads) -> AsyncIterator[list[Item]]:
        # Never unpaginated: Statuspage allows an unpaginated component list once a minute.
        return self._catalog(f"/pages/{page_id}/components", "per_page")

    async def component(self, page_id: str, component_id: str) -> Item:
        return _with_provider(
            await self._object(
                f"/pages/{page_id}/components/{component_id}", "component"
            )
        )

    def incidents(self, page_id: str, reads: Reads) -> AsyncIterator[list[Item]]:
        """Every incident and maintenance of the page; in an incremental sync, those that
        can have changed since its cursor."""
        if reads.since is None:
            return self._all_incidents(page_id)
        return self._incidents_since(page_id, reads.since)

    def _all_incidents(self, page_id: str) -> AsyncIterator[list[Item]]:
        return self._catalog(f"/pages/{page_id}/incidents", "limit")

    async def incident(self, page_id: str, incident_id: str) -> Item:
        return _with_provider(
            await self._object(f"/pages/{page_id}/incidents/{incident_id}", "incident")
        )

    async def _incidents_since(
        self, page_id: str, since: datetime
    ) -> AsyncIterator[list[Item]]:
        """Every open incident and upcoming or running maintenance, whenever it last
        changed, then the newest incidents changed since `since`, each once."""
        seen: set[str] = set()
        for name in OPEN_INCIDENT_LISTS:
            path = f"/pages/{page_id}/incidents/{name}"
            async for batch in self._catalog(path, "per_page"):
                if fresh := _not_seen(batch, seen):
                    yield fresh
        # The list is newest first: once a page holds an incident last updated before the
        # cutoff, the pages after it hold older ones, and those still open were read above.
        newest = paginate_with_strategy(
            self._all_incidents(page_id),
            cursor=since - CLOCK_SKEW_ALLOWANCE,
            strategy=_ChangedSince(stop_field="updated_at"),
        )
        async for batch in newest:
            if fresh := _not_seen(batch, seen):
                yield fresh

    async def published_status(self, page: Item) -> PublishedStatus | None:
        url = status_url(page)
        if url is None or self.public_api is None:
            return None
        return published_status(await self.public_api.request("GET", url), url)

    async def component_uptime(
        self, page_id: str, component_id: str, days: int
    ) -> float | None:
        # Whole days, ending today, as the endpoint counts them (`start` and `end` included).
        end = datetime.now(UTC).date()
        start = end - timedelta(days=days - 1)
        uptime = await self._object(
            f"/pages/{page_id}/components/{component_id}/uptime",
            "component uptime",
            params={"start": start.isoformat(), "end": end.isoformat()},
        )
        percentage = uptime.get("uptime_percentage")
        if isinstance(percentage, bool) or not isinstance(percentage, int | float):
            return None
        return float(percentage)

    def uptime_eligible(self, component: Item) -> bool:
        # Statuspage computes uptime for components that showcase it, not for groups.
        return component.get("group") is not True and component.get("showcase") is True

    def notification_of(self, payload: Any) -> Notification:
        return notification_of(payload)

    def webhook_scopes(self, page_ids: list[str]) -> list[WebhookScope]:
        return [SubscriberScope(self, page_id) for page_id in page_ids]

    def webhook_subscribers(self, page_id: str) -> AsyncIterator[list[Item]]:
        """Every webhook subscriber of the page, quarantined ones included."""
        # Unlike the other lists, subscribers are counted from page 0.
        return self._paginate(
            f"/pages/{page_id}/subscribers",
            "limit",
            filters={"type": "webhook", "state": "all"},
            first_page=0,
        )

    async def create_webhook_subscriber(
        self, page_id: str, endpoint: str, email: str
    ) -> Item:
        body = {"subscriber": {"endpoint": endpoint, "email": email}}
        return await self._object(
            f"/pages/{page_id}/subscribers", "subscriber", method="POST", json=body
        )

    async def delete_subscriber(self, page_id: str, subscriber_id: str) -> None:
        await self.api.request(
            "DELETE", f"/pages/{page_id}/subscribers/{subscriber_id}"
        )

    async def create_incident(self, new: NewIncident) -> Written:
        fields: Item = {
            "name": new.name,
            "status": new.status,
            "body": new.body,
            "component_ids": list(new.components),
            "components": dict(new.components),
        }
        if new.impact is not None:
            fields["impact_override"] = new.impact
        if new.notify is not None:
            fields["deliver_notifications"] = new.notify
        return await self._declare(
            Made.INCIDENT, new.page_id, fields, new.idempotency_key, new.components
        )

    async def schedule_maintenance(self, new: NewMaintenance) -> Written:
        fields: Item = {
            "name": new.name,
            "status": "scheduled",
            "body": new.body,
            "scheduled_for": new.scheduled_for.isoformat(),
            "scheduled_until": new.scheduled_until.isoformat(),
            "component_ids": list(new.component_ids),
        }
        return await self._declare(
            Made.MAINTENANCE, new.page_id, fields, new.idempotency_key
        )

    async def update_incident(self, change: IncidentChange) -> Written:
        path = f"/pages/{change.page_id}/incidents/{change.incident_id}"
        fields: Item = {"status": change.status, "body": change.body}
        if change.components:
            # `component_ids` is the incident's whole list: those it has keep their place.
            current = await self.incident(change.page_id, change.incident_id)
            has = [c["id"] for c in objects(current.get("components")) if "id" in c]
            fields["component_ids"] = list(dict.fromkeys([*has, *change.components]))
            fields["components"] = dict(change.components)
        incident = await self._object(
            path, "incident", "PATCH", {"incident": fields}, write=Write.ONCE
        )
        return await self._written(Made.INCIDENT, incident, change.components)

    async def set_component_status(self, change: ComponentChange) -> Written:
        path = f"/pages/{change.page_id}/components/{change.component_id}"
        body = {"component": {"status": change.status}}
        component = await self._object(
            path, "component", "PATCH", body, write=Write.REPEATABLE
        )
        return await self._written(Made.COMPONENT, component)

    async def _declare(
        self,
        made: Made,
        page_id: str,
        fields: Item,
        run_id: str,
        changed: Collection[str] = (),
    ) -> Written:
        """Declares an incident or maintenance for the run, unless it was declared already."""
        earlier = await self._declared_for(page_id, str(fields["name"]), run_id)
        if earlier is not None:
            return Written(made, earlier, await self.link_to(made, earlier), found=True)
        owner, key = RUN_METADATA
        fields = {**fields, "metadata": {owner: {key: run_id}}}
        path = f"/pages/{page_id}/incidents"
        incident = await self._object(
            path, "incident", "POST", {"incident": fields}, write=Write.ONCE
        )
        return await self._written(made, incident, changed)

    async def _declared_for(self, page_id: str, name: str, run_id: str) -> Item | None:
        """The page's incident of this name whose metadata names the run, among the newest
        of that name (a run's own incident is among its page's newest)."""
        params = {"q": name, "page": 1, "limit": PAGE_SIZE}
        named = await self._list(f"/pages/{page_id}/incidents", params)
        owner, key = RUN_METADATA
        for incident in named:
            metadata = incident.get("metadata")
            mine = metadata.get(owner) if isinstance(metadata, dict) else None
            if isinstance(mine, dict) and mine.get(key) == run_id:
                return _with_provider(incident)
        return None

    async def _written(
        self, made: Made, raw: Item, changed: Collection[str] = ()
    ) -> Written:
        """What the write made; an incident embeds its components, those it changed too."""
        item = _with_provider(raw)
        components = tuple(
            _with_provider(component)
            for component in objects(item.get("components"))
            if component.get("id") in changed
        )
        return Written(
            made, item, await self.link_to(made, item), components=components
        )

    async def _catalog(self, path: str, size_param: str) -> AsyncIterator[list[Item]]:
        async for batch in self._paginate(path, size_param):
            yield [_with_provider(item) for item in batch]

    async def _paginate(
        self,
        path: str,
        size_param: str,
        filters: dict[str, str] | None = None,
        first_page: int = 1,
    ) -> AsyncIterator[list[Item]]:
        """Each page of a list; a page shorter than asked is the last one."""

        async def fetch_page(number: int) -> tuple[list[Item], bool]:
            params = {**(filters or {}), "page": number, size_param: PAGE_SIZE}
            batch = await self._list(path, params)
            return batch, len(batch) < PAGE_SIZE

        async for batch in paginate(fetch_page, f"Statuspage {path}", first_page):
            yield batch

    async def _list(
        self, path: str, params: dict[str, Any] | None = None
    ) -> list[Item]:
        body = await self.api.request("GET", path, params=params)
        if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
            raise VendorApiError(
                f"Statuspage GET {path} answered {type(body).__name__}, expected a JSON "
                "array of objects"
            )
        return body

    async def _object(
        self,
        path: str,
        what: str,
        method: str = "GET",
        json: Any = None,
        params: dict[str, Any] | None = None,
        write: Write | None = None,
    ) -> Item:
        body = await self.api.request(method, path, params, json, write)
        if not isinstance(body, dict):
            raise VendorApiError(
                f"Statuspage answered {type(body).__name__} for a {what}, expected an object"
            )
        return body


def _with_provider(item: Item) -> Item:
    return {**item, "provider": PROVIDER}


def _not_seen(batch: list[Item], seen: set[str]) -> list[Item]:
    fresh = [item for item in batch if item.get("id") not in seen]
    seen.update(str(item.get("id")) for item in fresh)
    return fresh


class _ChangedSince(ClientSideCutoffStrategy):
    """Ocean's newest-first cutoff, except that an incident whose `updated_at` cannot be read
    counts as changed (kept, and no reason to stop) instead of failing the page."""

    def should_stop(self, item: dict[str, Any], cursor: datetime | None) -> bool:
        try:
            return super().should_stop(item, cursor)
        except ValueError:
            return False
