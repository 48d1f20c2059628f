"""OnlineOrNot's webhooks: its status-page events read as triggers, and its webhook
registrations kept delivering to this integration, exactly one of ours.

OnlineOrNot sends `status_page.incident.started`, `.updated` and `.resolved` as
`{api_version, type, data: {object: {object: "status_page", id, ..., incident: {id, ...}}}}`,
unsigned. Only the two ids are taken from a delivery; the incident is read from the API.
There are no component, maintenance or page-status events.

A webhook is an account-level object naming the status pages it covers, so one webhook of ours
covers every selected page. Creating one needs a paid plan: OnlineOrNot answers 403 otherwise.
"""

import re
from collections.abc import AsyncIterator, Sequence
from typing import Any, Final, Protocol

from client import Item
from live_events.endpoint import OurEndpoint, keep_one_of_ours
from live_events.pending import Family, InvalidEventError, Notification, Trigger
from vendors.onlineornot.normalise import PROVIDER, port_id

EVENTS: Final = (
    "status_page.incident.started",
    "status_page.incident.updated",
    "status_page.incident.resolved",
)
DESCRIPTION: Final = "Port Ocean status-page integration (live events)"
# OnlineOrNot ids are opaque short strings. Anything else is refused before it reaches an
# API path, where a `/` or `..` would address another endpoint.
_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


class WebhookApi(Protocol):
    def webhooks(self) -> AsyncIterator[list[Item]]: ...

    async def create_webhook(
        self, url: str, events: Sequence[str], status_page_ids: Sequence[str]
    ) -> Item: ...

    async def delete_webhook(self, webhook_id: str) -> None: ...


def notification_of(payload: Any) -> Notification:
    if not isinstance(payload, dict):
        raise InvalidEventError("the body is not a JSON object")
    if payload.get("type") not in EVENTS:
        raise InvalidEventError(
            f"its type is none of the status-page incident events ({', '.join(EVENTS)})"
        )
    data = payload.get("data")
    status_page = data.get("object") if isinstance(data, dict) else None
    if not isinstance(status_page, dict):
        raise InvalidEventError("`data.object` is missing or not an object")
    incident = status_page.get("incident")
    if not isinstance(incident, dict):
        raise InvalidEventError("`data.object.incident` is missing or not an object")
    page_id = port_id(_id(status_page, "status page"))
    trigger = Trigger(
        PROVIDER, Family.INCIDENT, page_id, port_id(_id(incident, "incident"))
    )
    return Notification(page_id, (trigger,))


def _id(item: Item, what: str) -> str:
    value = item.get("id")
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidEventError(f"the {what} id is missing or not an OnlineOrNot id")
    return value


async def ensure_webhook(
    api: WebhookApi, endpoint: OurEndpoint, status_page_ids: Sequence[str]
) -> None:
    """Leaves exactly one webhook of ours, delivering the pages' incident events to
    `endpoint`; replaces ours when it is stale, and never touches anyone else's."""
    wanted = set(status_page_ids)
    await keep_one_of_ours(
        api.webhooks(),
        _url_of,
        endpoint,
        lambda webhook: _stale_reason(endpoint, webhook, wanted),
        api.delete_webhook,
        lambda: api.create_webhook(endpoint.url, EVENTS, sorted(wanted)),
        "OnlineOrNot webhook",
    )


def _stale_reason(endpoint: OurEndpoint, webhook: Item, wanted: set[str]) -> str | None:
    address = endpoint.stale_reason(_url_of(webhook))
    if address is not None:
        return address
    events = webhook.get("events")
    if not isinstance(events, list) or not set(EVENTS) <= set(events):
        return "it lacks some of the status-page incident events"
    if _status_page_ids(webhook) != wanted:
        return "it covers other status pages than the selected ones"
    return None


def _status_page_ids(webhook: Item) -> set[str]:
    pages = webhook.get("status_pages")
    if not isinstance(pages, list):
        return set()
    return {
        page["id"]
        for page in pages
        if isinstance(page, dict) and isinstance(page.get("id"), str)
    }


def _url_of(webhook: Item) -> str:
    url = webhook.get("url")
    return url if isinstance(url, str) else ""
