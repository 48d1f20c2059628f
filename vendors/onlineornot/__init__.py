"""OnlineOrNot's API dialect: Bearer tokens, every answer in a `{result, success, errors}`
envelope, lists paged with `page`/`per_page` and described by `result_info`, an undocumented
rate limit (429 and Retry-After are honoured), and its own objects normalised into the common
shape (see normalise.py) with `onlineornot-` ids.

Incidents: the list gives each incident's base fields only; its components and updates come
from its detail route. So each listed incident is read once more, and a resync of N incidents
on a page costs ceil(N/100) list requests plus N detail requests. Nothing else is read per
incident: the detail carries the updates, so their own list route is never asked.

An incremental sync cannot narrow the list (it has no filter and no documented order), so it
reads the list whole, but reads in detail only the incidents still open or whose entry shows a
change since the cursor: ceil(N/100) requests plus one per such incident.
"""

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

from loguru import logger

from client import (
    Dialect,
    Item,
    VendorApiError,
    VendorAuthError,
    VendorError,
    paginate,
)
from core.settings import (
    Config,
    RateLimit,
    VendorSettings,
    api_host,
    id_list,
    optional_key,
)
from live_events.endpoint import OurEndpoint
from live_events.pending import Notification
from live_events.security import redact_token
from sync.page_status import PublishedStatus
from vendors.contract import CLOCK_SKEW_ALLOWANCE, Vendor
from vendors.fields import parsed_time
from vendors.onlineornot import normalise
from vendors.onlineornot.normalise import ID_PREFIX, PROVIDER
from vendors.onlineornot.webhooks import DESCRIPTION, ensure_webhook, notification_of

DEFAULT_HOST: Final = "https://api.onlineornot.com"
PAGE_SIZE: Final = 100
# OnlineOrNot documents no limit. Five a second on average keeps a resync brisk and polite;
# a 429 pauses every request of the key for as long as its Retry-After asks (at most 60 s).
RATE_LIMIT: Final = RateLimit(requests=300, window_seconds=60)
KEY_SETTING: Final = "onlineornotApiKey"


def _error_message(body: Any) -> str | None:
    """The messages of an error envelope's `errors`, with their codes."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return None
    messages = [
        _described(error)
        for error in errors
        if isinstance(error, dict) and isinstance(error.get("message"), str)
    ]
    return "; ".join(messages) or None


def _described(error: dict[str, Any]) -> str:
    code = error.get("code")
    return f"{error['message']} (code {code})" if code is not None else error["message"]


class OnlineOrNotVendor(Vendor):
    provider = PROVIDER
    api_path = "/v1"
    id_prefix = ID_PREFIX
    key_setting = KEY_SETTING
    page_ids_setting = "onlineornotStatusPageIds"
    dialect = Dialect(
        name="OnlineOrNot",
        key_setting=KEY_SETTING,
        auth_scheme="Bearer",
        error_message=_error_message,
        rate_limit_statuses=frozenset({429}),
    )
    webhook_path = "/webhook/onlineornot"

    @classmethod
    def read_settings(cls, config: Config) -> VendorSettings | None:
        api_key = optional_key(config.get("onlineornot_api_key"))
        if api_key is None:
            return None
        return VendorSettings(
            provider=PROVIDER,
            api_key=api_key,
            host=api_host(
                "onlineornotHost",
                config.get("onlineornot_host"),
                DEFAULT_HOST,
                [cls.api_path],
            ),
            page_ids=id_list(
                "onlineornotStatusPageIds", config.get("onlineornot_status_page_ids")
            ),
            rate_limit=RATE_LIMIT,
        )

    async def pages(self) -> list[Item]:
        return [
            normalise.page(raw)
            async for batch in self._paginate("/status_pages")
            for raw in batch
        ]

    async def page(self, page_id: str) -> Item:
        return normalise.page(await self._object(self._page_path(page_id)))

    async def published_status(self, page: Item) -> PublishedStatus | None:
        # The status page object carries its own status, read with the page list: no request.
        indicator, description = page.get("status_indicator"), page.get(
            "status_description"
        )
        if isinstance(indicator, str) and isinstance(description, str):
            return PublishedStatus(indicator, description)
        return None

    async def component_groups(self, page_id: str) -> AsyncIterator[list[Item]]:
        path = f"{self._page_path(page_id)}/groups"
        async for batch in self._paginate(path):
            yield [normalise.component_group(raw, page_id) for raw in batch]

    async def components(self, page_id: str) -> AsyncIterator[list[Item]]:
        path = f"{self._page_path(page_id)}/components"
        async for batch in self._paginate(path):
            yield [normalise.component(raw, page_id) for raw in batch]

    async def component(self, page_id: str, component_id: str) -> Item:
        path = f"{self._page_path(page_id)}/components/{self._segment(component_id)}"
        return normalise.component(await self._object(path), page_id)

    async def incidents(self, page_id: str) -> AsyncIterator[list[Item]]:
        """Each listed incident as its detail route has it (one request per incident)."""
        path = f"{self._page_path(page_id)}/incidents"
        async for listed in self._paginate(path):
            yield await self._details(path, listed, page_id)

    async def incidents_since(
        self, page_id: str, since: datetime
    ) -> AsyncIterator[list[Item]]:
        """The listed incidents still open or changed since `since`, in detail."""
        path = f"{self._page_path(page_id)}/incidents"
        cutoff = since - CLOCK_SKEW_ALLOWANCE
        async for listed in self._paginate(path):
            changed = [raw for raw in listed if _may_have_changed(raw, cutoff)]
            if changed:
                yield await self._details(path, changed, page_id)

    async def incident(self, page_id: str, incident_id: str) -> Item:
        path = f"{self._page_path(page_id)}/incidents/{self._segment(incident_id)}"
        return normalise.incident(await self._object(path), page_id)

    def notification_of(self, payload: Any) -> Notification:
        return notification_of(payload)

    async def ensure_webhooks(self, endpoint: OurEndpoint, page_ids: list[str]) -> None:
        if not page_ids:
            logger.info(
                "Live events: no OnlineOrNot status page is selected; its webhooks are unchanged"
            )
            return
        try:
            await ensure_webhook(self, endpoint, [self.vendor_id(p) for p in page_ids])
        except VendorAuthError as error:
            # What a free plan answers: webhooks are a paid feature. Not fatal.
            logger.warning(
                "Live events: OnlineOrNot refused to manage webhooks, which need a paid "
                "OnlineOrNot plan (or a token allowed to manage them); OnlineOrNot changes "
                f"reach Port at the next resync instead. {redact_token(str(error), endpoint.token)}"
            )
        except VendorError as error:
            logger.error(
                f"Live events: could not set up the OnlineOrNot webhook for {endpoint.route}: "
                f"{redact_token(str(error), endpoint.token)}"
            )

    def webhooks(self) -> AsyncIterator[list[Item]]:
        return self._paginate("/webhooks")

    async def create_webhook(
        self, url: str, events: Sequence[str], status_page_ids: Sequence[str]
    ) -> Item:
        body = {
            "url": url,
            "description": DESCRIPTION,
            "events": list(events),
            "status_page_ids": list(status_page_ids),
        }
        return await self._object("/webhooks", method="POST", json=body)

    async def delete_webhook(self, webhook_id: str) -> None:
        await self.api.request("DELETE", f"/webhooks/{_quoted(webhook_id)}")

    async def _details(self, path: str, listed: list[Item], page_id: str) -> list[Item]:
        return [
            normalise.incident(
                await self._object(f"{path}/{_quoted(raw['id'])}"), page_id
            )
            for raw in listed
        ]

    def _segment(self, port_id: str) -> str:
        return _quoted(self.vendor_id(port_id))

    def _page_path(self, page_id: str) -> str:
        return f"/status_pages/{self._segment(page_id)}"

    async def _paginate(self, path: str) -> AsyncIterator[list[Item]]:
        """Each page of a list, 100 items asked a page. The list ends at an empty page, once
        `result_info.total_count` items were read or, without a total, at a page shorter
        than the page size the server says it used."""
        read = 0

        async def fetch_page(number: int) -> tuple[list[Item], bool]:
            nonlocal read
            body = await self.api.request(
                "GET", path, params={"page": number, "per_page": PAGE_SIZE}
            )
            items = _listed(_result(body, "GET", path), path)
            read += len(items)
            return items, _is_last(items, read, body.get("result_info"))

        async for batch in paginate(fetch_page, f"OnlineOrNot GET {path}"):
            yield batch

    async def _object(self, path: str, method: str = "GET", json: Any = None) -> Item:
        result = _result(await self.api.request(method, path, json=json), method, path)
        if not isinstance(result, dict) or not isinstance(result.get("id"), str):
            raise VendorApiError(
                f"OnlineOrNot {method} {path} answered a result that is not an object "
                "with an id"
            )
        return result


def _result(body: Any, method: str, path: str) -> Any:
    """What an envelope carries; a body that is no envelope, or one reporting failure, is
    an error (with the envelope's messages)."""
    if not isinstance(body, dict) or "result" not in body:
        raise VendorApiError(
            f"OnlineOrNot {method} {path} answered {type(body).__name__}, expected its "
            "{result, success, errors} envelope"
        )
    if body.get("success") is False:
        raise VendorApiError(
            f"OnlineOrNot {method} {path} reported a failure: "
            f"{_error_message(body) or 'no message given'}"
        )
    return body["result"]


def _listed(result: Any, path: str) -> list[Item]:
    if not isinstance(result, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in result
    ):
        raise VendorApiError(
            f"OnlineOrNot GET {path} answered a result that is not a list of objects "
            "with ids"
        )
    return result


def _is_last(items: list[Item], read: int, info: Any) -> bool:
    if not items:
        return True
    info = info if isinstance(info, dict) else {}
    total = _whole_number(info.get("total_count"))
    if total is not None:
        return read >= total
    size = _whole_number(info.get("per_page")) or PAGE_SIZE
    return len(items) < size


def _may_have_changed(listed: Item, cutoff: datetime) -> bool:
    """Whether an incident's list entry leaves open a change at or after `cutoff`: it has not
    ended, or it was updated, ended or last noted since; a time that cannot be read counts
    as a change."""
    if not listed.get("ended"):
        return True
    latest = listed.get("latest_update")
    stamps = [
        listed.get("updated_at"),
        listed.get("ended"),
        latest.get("date_happened") if isinstance(latest, dict) else None,
    ]
    return any(
        (moment := parsed_time(stamp)) is None or moment >= cutoff
        for stamp in stamps
        if stamp is not None
    )


def _whole_number(value: object) -> int | None:
    """A count of result_info, which some routes send as a string ("100")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value if isinstance(value, int) and value >= 0 else None


def _quoted(vendor_id: str) -> str:
    # An id is one path segment, whatever it holds.
    return quote(vendor_id, safe="")
