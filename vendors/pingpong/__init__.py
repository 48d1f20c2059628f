"""PingPong's API dialect: `Token` auth, `{"detail": ...}` errors, every list a bare JSON array
(no paging), an undocumented rate limit (429 and Retry-After are honoured), and its objects
normalised into the common shape (see normalise.py) with `pingpong-` ids. It sends no webhooks.

One token is one project, which is one status page with no id of its own: the page's
identifier is `pingpongPageId`, or else a slug of the project's name. Its paths are in
routes.py, most of them inferred; a 404 on an inferred list path fails what it lists, naming
the path. Incidents: the list shows ongoing ones only, so those Port holds that have left it
are kept, and re-read by id until known resolved (history.py).

A resync reads /live, /status, /groups, /components, /incidents and /maintenance once each:
six requests, plus one per incident that left the ongoing list since Port last saw it.

It writes nothing: its write paths and verbs are inferred, not documented, and a guessed write
could change the wrong thing. Each write refuses at once, before any request.
"""

from collections.abc import AsyncIterator, Sequence
from typing import Any, Final

from client import Dialect, Item, VendorApiError, VendorNotFoundError
from core.kinds import PageList
from core.settings import RateLimit, Setting, api_host, matching, secret_key
from vendors.contract import PublishedStatus, Reads, Vendor
from vendors.pingpong import normalise
from vendors.pingpong.history import Listed, past_incidents
from vendors.pingpong.normalise import IDS, PROVIDER
from vendors.pingpong.routes import ROUTES, Route

DEFAULT_HOST: Final = "https://api.pingpong.one/rest/v1"
API_PATH: Final = "/rest/v1"
KEY: Final = Setting("pingpongApiKey", "api_key", secret_key(), secret=True)
PAGE_ID: Final = Setting(
    "pingpongPageId",
    "page_id",
    matching(
        r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
        "up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, "
        "such as acme-status",
    ),
)
# PingPong documents no limit. A resync costs about six requests, so one a second on average
# is ample and polite; a 429 pauses every request of the token as its Retry-After asks.
RATE_LIMIT: Final = RateLimit(requests=60, window_seconds=60)
# Lists are bare arrays, never paged: one answer holds the whole list, and a longer one is
# taken for something wrong rather than synced (the body is bounded in bytes as well).
MAX_LIST_ITEMS: Final = 20_000
BATCH_SIZE: Final = 100


def _error_message(body: Any) -> str | None:
    """`{"detail": ...}`, or Django REST Framework's `{"field": ["message", ...]}`."""
    if not isinstance(body, dict):
        return None
    detail = body.get("detail")
    if isinstance(detail, str):
        return detail
    problems = [
        f"{field}: {'; '.join(str(m) for m in messages)}"
        for field, messages in body.items()
        if isinstance(messages, list)
    ]
    return "; ".join(problems) or None


class PingPongVendor(Vendor):
    provider = PROVIDER
    api_path = API_PATH
    ids = IDS
    setting_rows = (
        KEY,
        Setting("pingpongHost", "host", api_host(DEFAULT_HOST, API_PATH)),
        PAGE_ID,
    )
    # PingPong has one page per token: this setting names it, it selects nothing.
    page_ids_setting = PAGE_ID.name
    rate_limit = RATE_LIMIT
    writes_refused = (
        "its API's write paths are unconfirmed (documented without their paths), so this "
        "integration sends PingPong no writes"
    )
    dialect = Dialect(
        name="PingPong",
        key_setting=KEY.name,
        auth_scheme="Token",
        error_message=_error_message,
        rate_limit_statuses=frozenset({429}),
    )

    async def pages(self) -> list[Item]:
        live = await self._object(ROUTES.live)
        return [normalise.page(live, self._page_id(live))]

    async def page(self, page_id: str) -> Item:
        (page,) = await self.pages()
        if page["id"] != page_id:
            raise VendorNotFoundError(
                f"PingPong's one page is {page['id']}, not {page_id}"
            )
        return page

    async def published_status(self, page: Item) -> PublishedStatus | None:
        return normalise.published_status(await self._object(ROUTES.status))

    async def component_groups(
        self, page_id: str, reads: Reads
    ) -> AsyncIterator[list[Item]]:
        """The group list, with any group it lacks taken from the components that embed
        it; each group with its members' ids."""
        groups = {raw["id"]: raw for raw in await self._list(ROUTES.groups)}
        members: dict[str, list[str]] = {}
        async for components in reads.page_list(PageList.COMPONENTS, page_id):
            for component in components:
                embedded = component["raw"].get("group")
                if component["group_id"] is None or not isinstance(embedded, dict):
                    continue
                groups.setdefault(embedded["id"], embedded)
                members.setdefault(component["group_id"], []).append(component["id"])
        for batch in _batches(list(groups.values())):
            yield [
                normalise.component_group(
                    raw, page_id, members.get(normalise.port_id(raw["id"]), [])
                )
                for raw in batch
            ]

    async def components(self, page_id: str, reads: Reads) -> AsyncIterator[list[Item]]:
        for batch in _batches(await self._list(ROUTES.components)):
            yield [normalise.component(raw, page_id) for raw in batch]

    async def component(self, page_id: str, component_id: str) -> Item:
        raw = await self._object(ROUTES.component, self.vendor_id(component_id))
        return normalise.component(raw, page_id)

    async def incidents(self, page_id: str, reads: Reads) -> AsyncIterator[list[Item]]:
        """The ongoing incidents and the maintenance, then the incidents Port holds that
        have left the ongoing list (history.py)."""
        listed = Listed()
        for route in (ROUTES.incidents, ROUTES.maintenance):
            raws = await self._list(route)
            listed.note(route, [raw["id"] for raw in raws])
            for batch in _batches(raws):
                yield [self._normalised(route, raw, page_id) for raw in batch]
        async for batch in past_incidents(self, page_id, listed, reads):
            yield batch

    async def incident(self, page_id: str, incident_id: str) -> Item:
        """An incident, or else a maintenance, by id."""
        try:
            return await self.read_by_id(
                ROUTES.incident, self.vendor_id(incident_id), page_id
            )
        except VendorNotFoundError:
            return await self.read_by_id(
                ROUTES.maintenance_item, self.vendor_id(incident_id), page_id
            )

    async def read_by_id(self, route: Route, vendor_id: str, page_id: str) -> Item:
        """One incident (ROUTES.incident) or maintenance (ROUTES.maintenance_item)."""
        return self._normalised(route, await self._object(route, vendor_id), page_id)

    def _page_id(self, live: Item) -> str:
        if self.settings.page_id is not None:
            return self.settings.page_id
        try:
            return normalise.page_id_of(live.get("project"))
        except ValueError:
            raise VendorApiError(
                "PingPong's /live names no project, so its page has no identifier: set "
                f"{PAGE_ID.name}"
            ) from None

    @staticmethod
    def _normalised(route: Route, raw: Item, page_id: str) -> Item:
        if route in (ROUTES.maintenance, ROUTES.maintenance_item):
            return normalise.maintenance(raw, page_id)
        return normalise.incident(raw, page_id)

    async def _get(self, route: Route, object_id: str | None = None) -> Any:
        try:
            return await self.api.request("GET", route.path(object_id))
        except VendorNotFoundError:
            if object_id is not None:
                raise  # the object may be gone: the caller decides what that means
            raise VendorNotFoundError(route.not_found()) from None

    async def _list(self, route: Route) -> list[Item]:
        body = await self._get(route)
        if not isinstance(body, list) or not all(_has_id(item) for item in body):
            raise VendorApiError(
                f"PingPong GET {route.template} answered {type(body).__name__}, expected "
                "a JSON array of objects with ids"
            )
        if len(body) > MAX_LIST_ITEMS:
            raise VendorApiError(
                f"PingPong GET {route.template} listed {len(body)} objects, more than the "
                f"{MAX_LIST_ITEMS} accepted; the list was not synced"
            )
        return body

    async def _object(self, route: Route, object_id: str | None = None) -> Item:
        body = await self._get(route, object_id)
        if not isinstance(body, dict) or (object_id is not None and not _has_id(body)):
            raise VendorApiError(
                f"PingPong GET {route.template} answered {type(body).__name__}, expected "
                "an object" + (" with an id" if object_id is not None else "")
            )
        return body


def _has_id(item: object) -> bool:
    return (
        isinstance(item, dict) and isinstance(item.get("id"), str) and bool(item["id"])
    )


def _batches(items: Sequence[Item]) -> list[list[Item]]:
    return [list(items[i : i + BATCH_SIZE]) for i in range(0, len(items), BATCH_SIZE)]
