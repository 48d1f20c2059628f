"""The shape of Statuspage's webhook notifications, checked before anything acts on one.

Statuspage sends two families of notification: an incident was created or updated (`meta`,
`page`, `incident` with its `incident_updates`), or a component's status changed (`meta`,
`page`, `component_update`, `component`). Both carry the page's id and its overall status.
Only ids are taken from a notification; what gets upserted is fetched from the API.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from client import Item

# Statuspage ids are short alphanumerics. Anything else is refused before it reaches an API
# path, where a `/` or `..` would address another endpoint.
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class EventFamily(StrEnum):
    INCIDENT = "incident"
    COMPONENT = "component"


class InvalidEventError(ValueError):
    """A notification this integration cannot act on; the message says why, without echoing it."""


@dataclass(frozen=True)
class StatuspageEvent:
    family: EventFamily
    page_id: str
    # The id of the incident or component the notification is about.
    subject_id: str
    # The notification's own copy of that incident or component: only used to delete the
    # entities of one the API no longer has.
    subject: Item
    # `status_indicator` and `status_description`, when the notification carries both.
    page_status: dict[str, str] | None


def family_of(payload: Any) -> EventFamily | None:
    if not isinstance(payload, dict):
        return None
    has_incident = "incident" in payload
    has_component = "component" in payload or "component_update" in payload
    if has_incident == has_component:
        return None
    return EventFamily.INCIDENT if has_incident else EventFamily.COMPONENT


def parse_event(payload: Any) -> StatuspageEvent:
    if not isinstance(payload, dict):
        raise InvalidEventError("the body is not a JSON object")
    family = family_of(payload)
    if family is None:
        raise InvalidEventError(
            "it is neither an incident nor a component notification"
        )
    page = _object(payload, "page")
    subject = _object(payload, family.value)
    if family is EventFamily.INCIDENT:
        _check_update_ids(subject)
    return StatuspageEvent(
        family=family,
        page_id=_id(page, "page"),
        subject_id=_id(subject, family.value),
        subject=subject,
        page_status=_page_status(page),
    )


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


def _check_update_ids(incident: Item) -> None:
    updates = incident.get("incident_updates")
    if updates is None:
        return
    if not isinstance(updates, list) or not all(isinstance(u, dict) for u in updates):
        raise InvalidEventError("`incident.incident_updates` is not a list of objects")
    for update in updates:
        _id(update, "incident update")


def _page_status(page: Item) -> dict[str, str] | None:
    fields = ("status_indicator", "status_description")
    if not all(isinstance(page.get(field), str) for field in fields):
        return None
    return {field: page[field] for field in fields}
