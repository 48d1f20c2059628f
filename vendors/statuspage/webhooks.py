"""Statuspage's webhooks: its notifications read as triggers, and its webhook subscribers, one
scope per page, for live_events to keep exactly one of ours on each.

Statuspage sends two families of notification: an incident was created or updated (`meta`,
`page`, `incident` with its `incident_updates`), or a component's status changed (`meta`,
`page`, `component_update`, `component`). Both carry the page's id and its overall status.
Only ids and the page status are taken from a notification; what gets upserted is read from
the API.
"""

import re
from collections.abc import AsyncIterator
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

PROVIDER: Final = "statuspage"
# Statuspage ids are short alphanumerics. Anything else is refused before it reaches an API
# path, where a `/` or `..` would address another endpoint.
_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


class SubscriberApi(Protocol):
    def webhook_subscribers(self, page_id: str) -> AsyncIterator[list[Item]]: ...

    async def create_webhook_subscriber(
        self, page_id: str, endpoint: str, email: str
    ) -> Item: ...

    async def delete_subscriber(self, page_id: str, subscriber_id: str) -> None: ...


def notification_of(payload: Any) -> Notification:
    if not isinstance(payload, dict):
        raise InvalidEventError("the body is not a JSON object")
    has_incident = "incident" in payload
    has_component = "component" in payload or "component_update" in payload
    if has_incident == has_component:
        raise InvalidEventError(
            "it is neither an incident nor a component notification"
        )
    family = Family.INCIDENT if has_incident else Family.COMPONENT
    page = _object(payload, "page")
    subject = _object(payload, family.value)
    page_id = _id(page, "page")
    update_ids = _update_ids(subject) if family is Family.INCIDENT else ()
    page_status = _page_status(page)
    triggers = [
        Trigger(PROVIDER, family, page_id, _id(subject, family.value), update_ids)
    ]
    if page_status is not None:
        triggers.append(Trigger(PROVIDER, Family.PAGE, page_id, page_id))
    return Notification(page_id, tuple(triggers), page_status)


def _object(payload: dict[str, Any], key: str) -> Item:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise InvalidEventError(f"`{key}` is missing or not an object")
    return value


def _id(item: Item, what: str) -> str:
    value = item.get("id")
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidEventError(f"the {what} id is missing or not a Statuspage id")
    return value


def _update_ids(incident: Item) -> tuple[str, ...]:
    updates = incident.get("incident_updates")
    if updates is None:
        return ()
    if not isinstance(updates, list) or not all(isinstance(u, dict) for u in updates):
        raise InvalidEventError("`incident.incident_updates` is not a list of objects")
    return tuple(_id(update, "incident update") for update in updates)


def _page_status(page: Item) -> dict[str, str] | None:
    fields = ("status_indicator", "status_description")
    if not all(isinstance(page.get(field), str) for field in fields):
        return None
    return {field: page[field] for field in fields}


class SubscriberScope(WebhookScope):
    """A page's webhook subscribers: each page needs one of ours."""

    noun = "webhook subscriber"

    def __init__(self, api: SubscriberApi, page_id: str) -> None:
        self._api = api
        self._page_id = page_id
        self.where = f"page {page_id}: "

    async def registrations(self) -> AsyncIterator[list[Registration]]:
        async for batch in self._api.webhook_subscribers(self._page_id):
            yield [
                _registration(subscriber)
                for subscriber in batch
                if isinstance(subscriber.get("id"), str)
            ]

    async def delete(self, registration_id: str) -> None:
        await self._api.delete_subscriber(self._page_id, registration_id)

    async def create(self, url: str, email: str | None) -> str:
        created = await self._api.create_webhook_subscriber(
            self._page_id, url, email or ""
        )
        return str(created.get("id"))


def _registration(subscriber: Item) -> Registration:
    endpoint, email = subscriber.get("endpoint"), subscriber.get("email")
    return Registration(
        id=subscriber["id"],
        url=endpoint if isinstance(endpoint, str) else "",
        problem=(
            "Statuspage quarantined it" if subscriber.get("quarantined_at") else None
        ),
        email=email if isinstance(email, str) else None,
    )
