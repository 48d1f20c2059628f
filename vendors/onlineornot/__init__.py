"""OnlineOrNot's API dialect: Bearer tokens, every answer in a `{result, success, errors}`
envelope, lists paged with `page`/`per_page` and described by `result_info`, an undocumented
rate limit (429 and Retry-After are honoured), and its own objects normalised into the common
shape (see normalise.py) with `onlineornot-` ids.

Incidents: the list gives each incident's base fields only; its components and updates come
from its detail route. So each listed incident is read once more, and a resync of N incidents
on a page costs ceil(N/100) list requests plus N detail requests. Nothing else is read per
incident: the detail carries the updates, so their own list route is never asked. A detail
that answers 404 fails only its incident, which is kept as Port holds it
(vendors/contract.py's `vanished_incidents`: one Port search per kind, only then).

An incremental sync cannot narrow the list (it has no filter and no documented order), so it
reads the list whole, but reads in detail only the incidents still open or whose entry shows a
change since the cursor: ceil(N/100) requests plus one per such incident.

Writes (bodies in writes.py): an incident is created, updated and resolved by posting its
updates, a component's status set with `PATCH`, a maintenance scheduled with its own route.
OnlineOrNot offers no idempotency key, so it cannot tell a create it already made: a run
delivered twice is kept from creating twice by what the first delivery recorded on the run.
A link is the incident's page on the status page (`<page url>/incidents/<id>`).
"""

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

from client import Dialect, Item, VendorApiError, VendorNotFoundError, Write, paginate
from core.settings import RateLimit, Setting, api_host, id_list, secret_key
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
    parsed_time,
    vanished_incidents,
)
from vendors.onlineornot import normalise, writes
from vendors.onlineornot.normalise import IDS, PROVIDER
from vendors.onlineornot.webhooks import DESCRIPTION, WebhookAccount, notification_of

DEFAULT_HOST: Final = "https://api.onlineornot.com"
API_PATH: Final = "/v1"
PAGE_SIZE: Final = 100
# OnlineOrNot documents no limit. Five a second on average keeps a resync brisk and polite;
# a 429 pauses every request of the key for as long as its Retry-After asks (at most 60 s).
RATE_LIMIT: Final = RateLimit(requests=300, window_seconds=60)
KEY: Final = Setting("onlineornotApiKey", "api_key", secret_key(), secret=True)
PAGE_IDS: Final = Setting("onlineornotStatusPageIds", "page_ids", id_list())


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
    api_path = API_PATH
    ids = IDS
    setting_rows = (
        KEY,
        Setting("onlineornotHost", "host", api_host(DEFAULT_HOST, API_PATH)),
        PAGE_IDS,
    )
    page_ids_setting = PAGE_IDS.name
    rate_limit = RATE_LIMIT
    dialect = Dialect(
        name="OnlineOrNot",
        key_setting=KEY.name,
        auth_scheme="Bearer",
        error_message=_error_message,
        rate_limit_statuses=frozenset({429}),
    )
    webhook_path = "/webhook/onlineornot"
    webhooks_refused_means = (
        "OnlineOrNot's webhooks need a paid OnlineOrNot plan (or a token allowed to "
        "manage them); OnlineOrNot changes reach Port at the next resync instead"
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

    async def component_groups(
        self, page_id: str, reads: Reads
    ) -> AsyncIterator[list[Item]]:
        path = f"{self._page_path(page_id)}/groups"
        async for batch in self._paginate(path):
            yield [normalise.component_group(raw, page_id) for raw in batch]

    async def components(self, page_id: str, reads: Reads) -> AsyncIterator[list[Item]]:
        path = f"{self._page_path(page_id)}/components"
        async for batch in self._paginate(path):
            yield [normalise.component(raw, page_id) for raw in batch]

    async def component(self, page_id: str, component_id: str) -> Item:
        path = f"{self._page_path(page_id)}/components/{self._segment(component_id)}"
        return normalise.component(await self._object(path), page_id)

    async def incidents(self, page_id: str, reads: Reads) -> AsyncIterator[list[Item]]:
        """Each listed incident as its detail route has it (one request per incident); in an
        incremental sync, only those still open or changed since its cursor."""
        path = f"{self._page_path(page_id)}/incidents"
        since = reads.since
        async for listed in self._paginate(path):
            if since is not None:
                cutoff = since - CLOCK_SKEW_ALLOWANCE
                listed = [raw for raw in listed if _may_have_changed(raw, cutoff)]
            if listed:
                yield await self._details(path, listed, page_id, reads)

    async def incident(self, page_id: str, incident_id: str) -> Item:
        path = self._incident_path(page_id, incident_id)
        return normalise.incident(await self._object(path), page_id)

    def notification_of(self, payload: Any) -> Notification:
        return notification_of(payload)

    def webhook_scopes(self, page_ids: list[str]) -> list[WebhookScope]:
        """One webhook of the account covers every selected page; with none selected, none
        is kept (nor touched)."""
        if not page_ids:
            return []
        return [WebhookAccount(self, [self.vendor_id(p) for p in page_ids])]

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

    async def create_incident(self, new: NewIncident) -> Written:
        path = f"{self._page_path(new.page_id)}/incidents"
        created = await self._object(path, "POST", writes.incident(new), Write.ONCE)
        impact = writes.impact(new)
        if impact is not None:
            path = f"{path}/{_quoted(created['id'])}"
            created = await self._object(path, "PATCH", impact, Write.REPEATABLE)
        incident = normalise.incident(created, new.page_id)
        return await self._written(Made.INCIDENT, incident, new.components)

    async def update_incident(self, change: IncidentChange) -> Written:
        path = f"{self._incident_path(change.page_id, change.incident_id)}/updates"
        await self._object(path, "POST", writes.update(change), Write.ONCE)
        incident = await self.incident(change.page_id, change.incident_id)
        return await self._written(Made.INCIDENT, incident, change.components)

    async def set_component_status(self, change: ComponentChange) -> Written:
        path = f"{self._page_path(change.page_id)}/components/"
        path += self._segment(change.component_id)
        raw = await self._object(
            path, "PATCH", writes.component(change), Write.REPEATABLE
        )
        component = normalise.component(raw, change.page_id)
        return await self._written(Made.COMPONENT, component)

    async def schedule_maintenance(self, new: NewMaintenance) -> Written:
        path = f"{self._page_path(new.page_id)}/scheduled_maintenance"
        raw = await self._object(path, "POST", writes.maintenance(new), Write.ONCE)
        return await self._written(
            Made.MAINTENANCE, normalise.maintenance(raw, new.page_id)
        )

    async def written(self, made: Made, page_id: str, object_id: str) -> Written:
        if made is not Made.MAINTENANCE:
            return await super().written(made, page_id, object_id)
        path = f"{self._page_path(page_id)}/scheduled_maintenance/"
        raw = await self._object(path + self._segment(object_id))
        item = normalise.maintenance(raw, page_id)
        return Written(made, item, await self.link_to(made, item), found=True)

    async def link_to(self, made: Made, item: Item) -> str | None:
        return await self.link_on_its_page(item) if made is Made.INCIDENT else None

    async def _written(
        self, made: Made, item: Item, changed: Collection[str] = ()
    ) -> Written:
        """What the write made, and the components it changed, read again (an incident
        names its components only)."""
        components = tuple([await self.component(item["page_id"], c) for c in changed])
        return Written(
            made, item, await self.link_to(made, item), components=components
        )

    def _incident_path(self, page_id: str, incident_id: str) -> str:
        return f"{self._page_path(page_id)}/incidents/{self._segment(incident_id)}"

    async def _details(
        self, path: str, listed: list[Item], page_id: str, reads: Reads
    ) -> list[Item]:
        read, vanished = [], []
        for raw in listed:
            try:
                detail = await self._object(f"{path}/{_quoted(raw['id'])}")
            except VendorNotFoundError:
                vanished.append(self.port_id(raw["id"]))
                continue
            read.append(normalise.incident(detail, page_id))
        if vanished:
            read += await vanished_incidents(reads, IDS, PROVIDER, page_id, vanished)
        return read

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

    async def _object(
        self,
        path: str,
        method: str = "GET",
        json: Any = None,
        write: Write | None = None,
    ) -> Item:
        body = await self.api.request(method, path, json=json, write=write)
        result = _result(body, method, path)
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
