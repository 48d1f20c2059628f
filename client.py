"""The Statuspage API: auth, pagination, the shared rate limit, retries and typed errors."""

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from weakref import WeakKeyDictionary

import httpx
from loguru import logger
from port_ocean.context.ocean import ocean

from rate_limiter import SlidingWindowRateLimiter
from settings import StatuspageSettings, current_settings

PAGE_SIZE = 100
RATE_LIMIT_STATUSES = frozenset({420, 429})
AUTH_STATUSES = frozenset({401, 403})

Item = dict[str, Any]
Sleep = Callable[[float], Awaitable[None]]


class StatuspageError(Exception):
    """Base of every error this client raises; messages never carry the API key."""


class StatuspageAuthError(StatuspageError):
    """Statuspage refused the API key."""


class StatuspageNotFoundError(StatuspageError):
    """The object asked for does not exist (any more)."""


class StatuspageApiError(StatuspageError):
    """Statuspage kept failing or answered something unusable, after any retries."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying: server errors and transport failures back off exponentially with
    full jitter; rate-limit answers wait as long as the server asks."""

    max_attempts: int = 5
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 20.0
    max_rate_limit_waits: int = 20
    default_rate_limit_wait_seconds: float = 5.0

    def backoff(self, failed_attempts: int) -> float:
        ceiling = self.base_delay_seconds * 2 ** (failed_attempts - 1)
        return random.uniform(0, min(self.max_delay_seconds, ceiling))


class _RetryableFailure(Exception):
    """A transient failure worth another attempt; becomes StatuspageApiError when attempts run out."""


class StatuspageClient:
    def __init__(
        self,
        host: str,
        api_key: str,
        limiter: SlidingWindowRateLimiter,
        retry_policy: RetryPolicy = RetryPolicy(),
        timeout_seconds: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._limiter = limiter
        self._retry_policy = retry_policy
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=_api_base_url(host),
            headers={"Authorization": f"OAuth {api_key}", "Accept": "application/json"},
            timeout=timeout_seconds,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_pages(self) -> list[Item]:
        return _as_list(await self._request("GET", "/pages"), "/pages")

    async def get_page(self, page_id: str) -> Item:
        return _as_object(await self._request("GET", f"/pages/{page_id}"), "page")

    async def get_component(self, page_id: str, component_id: str) -> Item:
        return _as_object(
            await self._request("GET", f"/pages/{page_id}/components/{component_id}"),
            "component",
        )

    async def get_incident(self, page_id: str, incident_id: str) -> Item:
        return _as_object(
            await self._request("GET", f"/pages/{page_id}/incidents/{incident_id}"),
            "incident",
        )

    def iter_component_groups(self, page_id: str) -> AsyncIterator[list[Item]]:
        return self._paginate(f"/pages/{page_id}/component-groups", "per_page")

    def iter_components(self, page_id: str) -> AsyncIterator[list[Item]]:
        # Never unpaginated: Statuspage allows an unpaginated component list once a minute.
        return self._paginate(f"/pages/{page_id}/components", "per_page")

    def iter_incidents(self, page_id: str) -> AsyncIterator[list[Item]]:
        return self._paginate(f"/pages/{page_id}/incidents", "limit")

    def iter_webhook_subscribers(self, page_id: str) -> AsyncIterator[list[Item]]:
        """Every webhook subscriber of the page, quarantined ones included."""
        # Unlike the other lists, subscribers are counted from page 0.
        return self._paginate(
            f"/pages/{page_id}/subscribers",
            "limit",
            filters={"type": "webhook", "state": "all"},
            first_page=0,
        )

    async def create_webhook_subscriber(
        self, page_id: str, endpoint: str, email: str
    ) -> Item:
        body = {"subscriber": {"endpoint": endpoint, "email": email}}
        return _as_object(
            await self._request("POST", f"/pages/{page_id}/subscribers", json=body),
            "subscriber",
        )

    async def delete_subscriber(self, page_id: str, subscriber_id: str) -> None:
        await self._request("DELETE", f"/pages/{page_id}/subscribers/{subscriber_id}")

    async def _paginate(
        self,
        path: str,
        size_param: str,
        filters: dict[str, str] | None = None,
        first_page: int = 1,
    ) -> AsyncIterator[list[Item]]:
        """Yields each page of a list; a page shorter than asked is the last one."""
        page = first_page
        while True:
            params = {**(filters or {}), "page": page, size_param: PAGE_SIZE}
            batch = _as_list(await self._request("GET", path, params=params), path)
            if batch:
                yield batch
            if len(batch) < PAGE_SIZE:
                return
            page += 1

    async def _request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """The one way to the API: waits for the rate limiter, retries what is transient and
        turns every other failure into a typed error."""
        failed_attempts = 0
        rate_limit_waits = 0
        while True:
            try:
                async with self._limiter.slot():
                    response = await _send_guarded(
                        self._http, method, path, params=params, json=json
                    )
                if response.status_code in RATE_LIMIT_STATUSES:
                    rate_limit_waits += 1
                    self._pause_for_rate_limit(response, method, path, rate_limit_waits)
                    continue
                return _decode(response, method, path)
            except _RetryableFailure as failure:
                failed_attempts += 1
                if failed_attempts >= self._retry_policy.max_attempts:
                    raise StatuspageApiError(
                        f"{method} {path} failed after {failed_attempts} attempts: {failure}"
                    ) from None
                delay = self._retry_policy.backoff(failed_attempts)
                logger.warning(
                    f"Statuspage {method} {path} failed ({failure}); "
                    f"attempt {failed_attempts}/{self._retry_policy.max_attempts}, "
                    f"retrying in {delay:.1f}s"
                )
                await self._sleep(delay)

    def _pause_for_rate_limit(
        self, response: httpx.Response, method: str, path: str, waits: int
    ) -> None:
        if waits > self._retry_policy.max_rate_limit_waits:
            raise StatuspageApiError(
                f"{method} {path} was still rate limited (HTTP {response.status_code}) after "
                f"{waits - 1} waits; lower rateLimitRequests or raise rateLimitWindowSeconds"
            )
        wait = _retry_after_seconds(response)
        if wait is None:
            wait = self._retry_policy.default_rate_limit_wait_seconds
        logger.warning(
            f"Statuspage rate limit hit (HTTP {response.status_code}) on {method} {path}; "
            f"pausing all requests for {wait:.1f}s"
        )
        self._limiter.pause(wait)


def _api_base_url(host: str) -> str:
    host = host.rstrip("/")
    return host if host.endswith("/v1") else f"{host}/v1"


async def _send_guarded(
    http: httpx.AsyncClient, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    try:
        return await http.request(method, path, **kwargs)
    except httpx.TransportError as error:
        raise _RetryableFailure(f"{type(error).__name__}: {error}") from None


def _decode(response: httpx.Response, method: str, path: str) -> Any:
    status = response.status_code
    if status in AUTH_STATUSES:
        raise StatuspageAuthError(
            f"Statuspage refused the API key (HTTP {status} on {method} {path}). "
            "Check the statuspageApiKey setting: the key must exist and have access to the pages."
        )
    if status == 404:
        raise StatuspageNotFoundError(
            f"Statuspage has no such object: {method} {path} answered 404"
        )
    if status >= 500:
        raise _RetryableFailure(f"HTTP {status}")
    if status >= 400:
        raise StatuspageApiError(
            f"{method} {path} was refused with HTTP {status}: {_error_text(response)}"
        )
    if status == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise _RetryableFailure(f"HTTP {status} with a body that is not JSON") from None


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])[:200]
    return str(body)[:200]


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        retry_at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    date_header = response.headers.get("Date")
    now = parsedate_to_datetime(date_header) if date_header else None
    if now is None:
        return None
    return max((retry_at - now).total_seconds(), 0.0)


def _as_list(body: Any, path: str) -> list[Item]:
    if not isinstance(body, list):
        raise StatuspageApiError(
            f"GET {path} answered {type(body).__name__}, expected a JSON array"
        )
    return body


def _as_object(body: Any, what: str) -> Item:
    if not isinstance(body, dict):
        raise StatuspageApiError(
            f"Statuspage answered {type(body).__name__} for a {what}, expected an object"
        )
    return body


_limiters: dict[str, SlidingWindowRateLimiter] = {}
_clients: "WeakKeyDictionary[object, StatuspageClient]" = WeakKeyDictionary()


def limiter_for(settings: StatuspageSettings) -> SlidingWindowRateLimiter:
    """One limiter per API key in this process, whichever client or kind asks."""
    key = hashlib.sha256(settings.api_key.encode()).hexdigest()
    limiter = _limiters.get(key)
    if limiter is None:
        limiter = SlidingWindowRateLimiter(
            settings.rate_limit_requests, settings.rate_limit_window_seconds
        )
        _limiters[key] = limiter
    return limiter


def get_client() -> StatuspageClient:
    """The client of the running integration, built from its config on first use."""
    app = ocean.app
    client = _clients.get(app)
    if client is None:
        settings = current_settings()
        client = StatuspageClient(
            settings.host, settings.api_key, limiter_for(settings)
        )
        _clients[app] = client
    return client
