"""Statuspage-shaped webhook notifications and their delivery.

Statuspage POSTs two payload families to webhook subscribers: incident
notifications (`meta`, `page`, `incident`) and component status changes
(`meta`, `page`, `component_update`, `component`). The emulator only ever
delivers to loopback addresses, so it can never send traffic off the machine.
"""

import ipaddress
from dataclasses import dataclass
from typing import Final

import httpx

from .model import JsonObject, PageState

DOCUMENTATION_URL: Final = (
    "https://doers.statuspage.io/customer-notifications/webhooks/"
)
_TIMEOUT: Final = httpx.Timeout(10.0, connect=2.0)


class NotLoopbackError(ValueError):
    """The emulator refuses to deliver to an address outside this machine."""


@dataclass(frozen=True)
class Delivery:
    """The outcome of one POST: the receiver's status code, or why it failed."""

    url: str
    status_code: int | None
    error: str | None = None
    subscriber_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def incident_payload(
    page: PageState, incident: JsonObject, subscriber_id: str | None = None
) -> JsonObject:
    return {
        "meta": _meta(page, subscriber_id),
        "page": _page_summary(page),
        "incident": incident,
    }


def component_payload(
    page: PageState,
    component: JsonObject,
    component_update: JsonObject,
    subscriber_id: str | None = None,
) -> JsonObject:
    return {
        "meta": _meta(page, subscriber_id),
        "page": _page_summary(page),
        "component_update": component_update,
        "component": {
            "created_at": component["created_at"],
            "id": component["id"],
            "name": component["name"],
            "status": component["status"],
        },
    }


def is_loopback_url(url: str) -> bool:
    host = httpx.URL(url).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback(url: str) -> None:
    if not is_loopback_url(url):
        raise NotLoopbackError(f"refusing to deliver a webhook off this machine: {url}")


@dataclass(frozen=True)
class Notification:
    """A payload addressed to one receiver, optionally a page's subscriber."""

    url: str
    payload: JsonObject
    subscriber_id: str | None = None


def send(notification: Notification) -> Delivery:
    """POST the payload; receivers off this machine are skipped, not contacted."""
    url, subscriber_id = notification.url, notification.subscriber_id
    if not is_loopback_url(url):
        return Delivery(url, None, "not a loopback address; not sent", subscriber_id)
    try:
        with httpx.Client(timeout=_TIMEOUT) as client:
            response = client.post(url, json=notification.payload)
    except httpx.HTTPError as error:
        return Delivery(url, None, type(error).__name__, subscriber_id)
    return Delivery(url, response.status_code, None, subscriber_id)


def _page_summary(page: PageState) -> JsonObject:
    return {
        "id": page.page_id,
        "status_indicator": page.status_indicator,
        "status_description": page.status_description,
    }


def _meta(page: PageState, subscriber_id: str | None) -> JsonObject:
    subdomain = page.page.get("subdomain") or page.page_id
    token = subscriber_id or page.page_id
    return {
        "unsubscribe": f"https://{subdomain}.statuspage.io/?unsubscribe={token}",
        "documentation": DOCUMENTATION_URL,
    }
