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
"""

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from client import (
    ApiClient,
    Dialect,
    Item,
    VendorApiError,
    VendorNotFoundError,
)
from core.settings import (
    Config,
    InvalidSettingError,
    RateLimit,
    VendorSettings,
    api_host,
    optional_key,
)
from sync.fetch_memo import current_memo
from sync.page_status import PublishedStatus
from vendors.contract import Vendor
from vendors.pingpong import normalise
from vendors.pingpong.history import Listed, past_incidents
from vendors.pingpong.normalise import ID_PREFIX, PROVIDER
from vendors.pingpong.routes import ROUTES, Route

DEFAULT_HOST: Final = "https://api.pingpong.one/rest/v1"
KEY_SETTING: Final = "pingpongApiKey"
PAGE_ID_SETTING: Final = "pingpongPageId"
# PingPong documents no limit. A resync costs about six requests, so one a second on average
# is ample and polite; a 429 pauses every request of the token as its Retry-After asks.
RATE_LIMIT: Final = RateLimit(requests=60, window_seconds=60)
# Lists are bare arrays, never paged: one answer holds the whole list, and a longer one is
# taken for something wrong rather than synced (the body is bounded in bytes as well).
MAX_LIST_ITEMS: Final = 20_000
BATCH_SIZE: Final = 100
_PAGE_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


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


@dataclass(frozen=True)
class PingPongSettings(VendorSettings):
    # The identifier of the project's page; None: a slug of the project's name.
    page_id: str | None = None


class PingPongVendor(Vendor):
    provider = PROVIDER
    api_path = "/rest/v1"
    id_prefix = ID_PREFIX
    key_setting = KEY_SETTING
    # PingPong has one page per token: this setting names it, it selects nothing.
    page_ids_setting = PAGE_ID_SETTING
    dialect = Dialect(
        name="PingPong",
        key_setting=KEY_SETTING,
        auth_scheme="Token",
        error_message=_error_message,
        rate_limit_statuses=frozenset({429}),
    )

    @classmethod
    def read_settings(cls, config: Config) -> VendorSettings | None:
        api_key = optional_key(config.get("pingpong_api_key"))
        if api_key is None:
            return None
        return PingPongSettings(
            provider=PROVIDER,
            api_key=api_key,
            host=api_host(
                "pingpongHost",
                config.get("pingpong_host"),
                DEFAULT_HOST,
                [cls.api_path],
            ),
            page_ids=(),
            rate_limit=RATE_LIMIT,
            page_id=_page_id_setting(config.get("pingpong_page_id")),
        )

    def __init__(
        self,
        settings: VendorSettings,
        api: ApiClient,
        public_api: ApiClient | None = None,
    ) -> None:
        super().__init__(settings, api, public_api)
        self.configured_page_id = (
            settings.page_id if isinstance(settings, PingPongSettings) else None
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

    async def component_groups(self, page_id: str) -> AsyncIterator[list[Item]]:
        """The group list, with any group it lacks taken from the components that embed
        it; each group with its members' ids."""
        groups = {raw["id"]: raw for raw in await self._list(ROUTES.groups)}
        members: dict[str, list[str]] = {}
        async for components in current_memo().components(self, page_id):
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

    async def components(self, page_id: str) -> AsyncIterator[list[Item]]:
        for batch in _batches(await self._list(ROUTES.components)):
            yield [normalise.component(raw, page_id) for raw in batch]

    async def component(self, page_id: str, component_id: str) -> Item:
        raw = await self._object(ROUTES.component, self.vendor_id(component_id))
        return normalise.component(raw, page_id)

    async def incidents(self, page_id: str) -> AsyncIterator[list[Item]]:
        """The ongoing incidents and the maintenance, then the incidents Port holds that
        have left the ongoing list (history.py)."""
        listed = Listed()
        for route in (ROUTES.incidents, ROUTES.maintenance):
            raws = await self._list(route)
            listed.note(route, [raw["id"] for raw in raws])
            for batch in _batches(raws):
                yield [self._normalised(route, raw, page_id) for raw in batch]
        async for batch in past_incidents(self, page_id, listed):
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
        if self.configured_page_id is not None:
            return self.configured_page_id
        try:
            return normalise.page_id_of(live.get("project"))
        except ValueError:
            raise VendorApiError(
                "PingPong's /live names no project, so its page has no identifier: set "
                f"{PAGE_ID_SETTING}"
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


def _page_id_setting(value: object) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not _PAGE_ID.match(text):
        raise InvalidSettingError(
            PAGE_ID_SETTING,
            "expected up to 64 letters, digits, '.', '_' or '-', starting with a letter "
            f"or digit, such as acme-status; got {text!r}",
        )
    return text


def _has_id(item: object) -> bool:
    return (
        isinstance(item, dict) and isinstance(item.get("id"), str) and bool(item["id"])
    )


def _batches(items: Sequence[Item]) -> list[list[Item]]:
    return [list(items[i : i + BATCH_SIZE]) for i in range(0, len(items), BATCH_SIZE)]
