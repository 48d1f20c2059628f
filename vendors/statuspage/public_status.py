"""A Statuspage page's published status: its public status API, `<page url>/api/v2/status.json`,
on the page's own domain or on `<subdomain>.statuspage.io`, which needs no key and answers
`{"page": {..., "updated_at"}, "status": {"indicator", "description"}}`.

A private page (viewers must be team members) or an IP-restricted one is not asked: its status
API would not answer a stranger, so the resync derives its status instead.
"""

import re
from typing import Any, Final
from urllib.parse import urlsplit

from client import Dialect, Item, VendorApiError
from vendors.contract import INDICATORS, PublishedStatus, parsed_time

STATUS_PATH: Final = "/api/v2/status.json"
# A subdomain is a single DNS label; anything else must not become part of a host name.
_SUBDOMAIN: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)


def error_message(body: Any) -> str | None:
    """Statuspage's error bodies, its API's and its public pages' alike: `{"error": ...}`."""
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])
    return None


PUBLIC_DIALECT = Dialect(
    name="Statuspage public status API",
    key_setting="",
    auth_scheme=None,
    error_message=error_message,
    rate_limit_statuses=frozenset({420, 429}),
)


def status_url(page: Item) -> str | None:
    """Where the page publishes its status, or None when it does not publish it to us."""
    if page.get("viewers_must_be_team_members") is True or page.get("ip_restrictions"):
        return None
    url = page.get("url")
    if isinstance(url, str) and url:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname:
            return url.rstrip("/") + STATUS_PATH
    subdomain = page.get("subdomain")
    if isinstance(subdomain, str) and _SUBDOMAIN.fullmatch(subdomain):
        return f"https://{subdomain}.statuspage.io{STATUS_PATH}"
    return None


def published_status(body: Any, url: str) -> PublishedStatus:
    """The status in a status API answer; raises VendorApiError when it has none we know."""
    status = body.get("status") if isinstance(body, dict) else None
    indicator = status.get("indicator") if isinstance(status, dict) else None
    description = status.get("description") if isinstance(status, dict) else None
    if indicator not in INDICATORS or not isinstance(description, str):
        raise VendorApiError(
            f"{url} answered no status indicator this integration knows"
        )
    page = body.get("page")
    updated_at = parsed_time(page.get("updated_at")) if isinstance(page, dict) else None
    return PublishedStatus(str(indicator), description, updated_at)
