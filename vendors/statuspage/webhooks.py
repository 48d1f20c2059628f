"""Statuspage's webhooks: its notifications read as triggers, and its webhook subscribers kept
pointing at this integration, exactly one of ours per page.

Statuspage sends two families of notification: an incident was created or updated (`meta`,
`page`, `incident` with its `incident_updates`), or a component's status changed (`meta`,
`page`, `component_update`, `component`). Both carry the page's id and its overall status.
Only ids and the page status are taken from a notification; what gets upserted is read from
the API.
"""

import re
from collections.abc import AsyncIterator
from typing import Any, Protocol

from client import Item
from live_events.endpoint import OurEndpoint, keep_one_of_ours
from live_events.pending import Family, InvalidEventError, Notification, Trigger

PROVIDER = "statuspage"
# Statuspage ids are short alphanumerics. Anything else is refused before it reaches an API
# path, where a `/` or `..` would address another endpoint.
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


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


async def ensure_subscriber(
    api: SubscriberApi, page_id: str, endpoint: OurEndpoint
) -> None:
    """Leaves exactly one webhook subscriber of ours on the page, delivering to `endpoint`."""
    await keep_one_of_ours(
        api.webhook_subscribers(page_id),
        _endpoint_of,
        endpoint,
        lambda subscriber: _stale_reason(endpoint, subscriber),
        lambda subscriber_id: api.delete_subscriber(page_id, subscriber_id),
        lambda: api.create_webhook_subscriber(
            page_id, endpoint.url, endpoint.email or ""
        ),
        "webhook subscriber",
        where=f"page {page_id}: ",
    )


def _stale_reason(endpoint: OurEndpoint, subscriber: Item) -> str | None:
    quarantined = (
        "Statuspage quarantined it" if subscriber.get("quarantined_at") else None
    )
    return endpoint.stale_reason(
        _endpoint_of(subscriber), disabled=quarantined, email=subscriber.get("email")
    )


def _endpoint_of(subscriber: Item) -> str:
    endpoint = subscriber.get("endpoint")
    return endpoint if isinstance(endpoint, str) else ""
