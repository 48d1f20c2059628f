"""OnlineOrNot's webhooks: its status-page events read as triggers, and its webhook
registrations, one scope for the account, for live_events to keep exactly one of ours.

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
from core.kinds import Family
from vendors.contract import (
    InvalidEventError,
    Notification,
    Registration,
    Trigger,
    WebhookScope,
)
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


class WebhookAccount(WebhookScope):
    """The account's webhooks: one of ours covers every selected status page."""

    noun = "OnlineOrNot webhook"

    def __init__(self, api: WebhookApi, status_page_ids: Sequence[str]) -> None:
        self._api = api
        self._wanted = set(status_page_ids)

    async def registrations(self) -> AsyncIterator[list[Registration]]:
        async for batch in self._api.webhooks():
            yield [
                self._registration(webhook)
                for webhook in batch
                if isinstance(webhook.get("id"), str)
            ]

    async def delete(self, registration_id: str) -> None:
        await self._api.delete_webhook(registration_id)

    async def create(self, url: str, email: str | None) -> str:
        created = await self._api.create_webhook(url, EVENTS, sorted(self._wanted))
        return str(created.get("id"))

    def _registration(self, webhook: Item) -> Registration:
        url = webhook.get("url")
        return Registration(
            id=webhook["id"],
            url=url if isinstance(url, str) else "",
            problem=self._problem(webhook),
        )

    def _problem(self, webhook: Item) -> str | None:
        events = webhook.get("events")
        if not isinstance(events, list) or not set(EVENTS) <= set(events):
            return "it lacks some of the status-page incident events"
        if _status_page_ids(webhook) != self._wanted:
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
