"""The one way to a vendor's HTTP API.

Every request of every vendor, in resyncs and in live events, goes through `ApiClient.request`.
It sends on Ocean's own HTTP client (`OceanAsyncClient`: the hosted runtime's outbound IP blocker,
the third-party SSL settings and proxies) with Ocean's retries turned off, because the rules here
are ours and must hold under Ocean's test harness too, which swaps the transport:

- the vendor's rolling-window limit, shared by every caller of one API key;
- an overall deadline on every attempt, from connecting to the last byte, and a bound on the body;
- bounded, jittered retries of what is transient (5xx, time-outs, resets, unreadable bodies);
- rate-limit answers waited out as the server asks, but never longer than a ceiling;
- typed errors that say what to do and never carry a key;
- writes (`Write`) that are never repeated once they may have reached the vendor, unless sending
  them twice changes nothing, and whose 403 says the key lacks a permission, not that it is wrong.
- for a client that reads URLs taken from vendors' data (pages' public status), only the public
  internet (`PublicInternetOnly`), whatever Ocean's own outbound IP blocker (off by default
  outside Port's hosted runtime, and trusting some hosts by name) says.

`paginate` is the shared loop over a vendor's list pages, with an end whatever the server does.
"""

import asyncio
import ipaddress
import json
import math
import random
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Final

import httpx
from loguru import logger
from port_ocean.config.settings import SslClientSettings
from port_ocean.exceptions.clients import BlockedIPError
from port_ocean.helpers.async_client import OceanAsyncClient
from port_ocean.helpers.retry import RetryConfig
from port_ocean.helpers.ssl import resolve_verify_param

from core.rate_limiter import Sleep, SlidingWindowRateLimiter

Item = dict[str, Any]
AUTH_STATUSES = frozenset({401, 403})
# A list longer than this many pages (of up to 100 items) is taken for a server that never ends
# it: 200,000 objects, far past any real status page.
MAX_LIST_PAGES = 2_000


class VendorError(Exception):
    """Base of every error this client raises; messages never carry an API key."""


class VendorAuthError(VendorError):
    """The vendor refused the API key (401 or 403)."""


class VendorNotFoundError(VendorError):
    """The object asked for does not exist (any more), or the path is wrong."""


class VendorApiError(VendorError):
    """The vendor kept failing, refused what was asked or answered something unusable, after
    any retries."""


class Write(Enum):
    """A request that changes something at the vendor, by what sending it twice does."""

    # Leaves what sending it once leaves (a component's status): retried as a read is.
    REPEATABLE = "repeatable"
    # Makes a second one (an incident, an update): an attempt that may have reached the vendor
    # is never sent again, so a lost answer cannot declare an incident twice.
    ONCE = "once"


class AddressRefusedError(VendorError):
    """A URL a public-internet-only client does not read: not https, or its host resolves
    to an address that is not public. Nothing was sent."""


# Resolves a host name to its addresses (as text); the resolver is DNS, the boundary tests fake.
Resolve = Callable[[str, int], Awaitable[list[str]]]
# The NAT64 prefix through which an IPv6 address reaches any IPv4 one (RFC 6052).
_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")


async def _resolve(host: str, port: int) -> list[str]:
    answers = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    )
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def is_public_address(address: str) -> bool:
    """Whether an address is on the public internet: not private, loopback, link-local
    (cloud metadata services among them), shared (carrier NAT), reserved, multicast or
    unspecified, nor an IPv6 form of such an IPv4 address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone is no part of it
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class PublicInternetOnly:
    """Requests go only to https URLs whose host resolves to public addresses, every one of
    them; each request is sent to the address checked (with the host name kept for TLS and
    the Host header), so that a second DNS answer cannot point it elsewhere."""

    resolve: Resolve = _resolve

    async def pinned(self, request: httpx.Request) -> httpx.Request:
        """The request, sent to a checked address; AddressRefusedError when it must not go."""
        url = request.url
        if url.scheme != "https":
            raise AddressRefusedError(f"{url}: only https URLs are read")
        try:
            addresses = await self._addresses_of(url.host, url.port or 443)
        except OSError as error:
            raise _RetryableFailure(
                f"{url.host} could not be resolved ({error})"
            ) from None
        private = [a for a in addresses if not is_public_address(a)]
        if not addresses or private:
            raise AddressRefusedError(
                f"{url}: {url.host} resolves to "
                f"{', '.join(private) or 'no address'}, not a public address"
            )
        request.url = url.copy_with(host=addresses[0])
        request.extensions = {**request.extensions, "sni_hostname": url.host}
        return request

    async def _addresses_of(self, host: str, port: int) -> list[str]:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return await self.resolve(host, port)
        return [host]  # an address already: no DNS


@dataclass(frozen=True)
class Dialect:
    """What differs between vendors' HTTP APIs, as far as sending a request goes."""

    name: str
    # The setting holding the key, named when the vendor refuses it.
    key_setting: str
    # None for a public API: no Authorization header is sent at all.
    auth_scheme: str | None
    # The message inside one of the vendor's error bodies, if it has one.
    error_message: Callable[[Any], str | None]
    rate_limit_statuses: frozenset[int] = frozenset({429})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying: server errors and transport failures back off exponentially with
    full jitter; rate-limit answers wait as long as the server asks, up to a ceiling."""

    max_attempts: int = 5
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 20.0
    max_rate_limit_waits: int = 20
    default_rate_limit_wait_seconds: float = 5.0
    # Connect to last byte, per attempt: a server trickling its answer cannot hold a request.
    deadline_seconds: float = 60.0
    max_body_bytes: int = 64 * 1024 * 1024

    def backoff(self, failed_attempts: int) -> float:
        ceiling = self.base_delay_seconds * 2 ** (failed_attempts - 1)
        return random.uniform(0, min(self.max_delay_seconds, ceiling))


class _RetryableFailure(Exception):
    """A transient failure worth another attempt; becomes VendorApiError when attempts run out."""

    def __init__(self, reason: str, may_have_arrived: bool = True) -> None:
        super().__init__(reason)
        # False only when the request certainly never reached the vendor (no connection).
        self.may_have_arrived = may_have_arrived


# How a client verifies TLS: a context, or whether to verify at all.
Tls = ssl.SSLContext | bool


def vendor_tls(settings: SslClientSettings) -> Tls:
    """How every vendor client of an app verifies TLS: Ocean's third-party SSL settings
    (OCEAN__SSL__THIRD_PARTY__*), resolved as OceanAsyncClient resolves them, but once. A
    client left to resolve them builds a context of its own and loads the CA bundle into it,
    about 0.8 MiB a client, and an app has up to two a vendor."""
    verify = resolve_verify_param(settings)
    return httpx.create_ssl_context() if verify is True else verify


class ApiClient:
    def __init__(
        self,
        dialect: Dialect,
        base_url: str,
        api_key: str | None,
        limiter: SlidingWindowRateLimiter,
        retry_policy: RetryPolicy = RetryPolicy(),
        max_server_wait_seconds: float | None = None,
        sleep: Sleep = asyncio.sleep,
        destinations: PublicInternetOnly | None = None,
        tls: Tls | None = None,
    ) -> None:
        """`tls` is shared by the app's clients (`vendor_tls`); None leaves it to Ocean."""
        self.dialect = dialect
        # None: wherever the URL points (the vendor's API host, from the settings).
        self._destinations = destinations
        self._limiter = limiter
        self._retry_policy = retry_policy
        # A server may ask for any wait; the default ceiling is one rate-limit window, after
        # which the limit has certainly reset.
        self._max_server_wait = max_server_wait_seconds or limiter.window_seconds
        self._sleep = sleep
        headers = {"Accept": "application/json"}
        if dialect.auth_scheme is not None and api_key is not None:
            headers["Authorization"] = f"{dialect.auth_scheme} {api_key}"
        # Without `tls`, Ocean resolves its third-party SSL settings for this client alone.
        verify: dict[str, Any] = {} if tls is None else {"verify": tls}
        self._http = OceanAsyncClient(
            # Ocean's retries would multiply ours and ignore our limiter; ours decide.
            retry_config=RetryConfig(max_attempts=0),
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(retry_policy.deadline_seconds),
            follow_redirects=False,
            **verify,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def paused_for(self) -> float:
        """How much longer the vendor asked this key's requests to hold off (a rate-limit
        answer's Retry-After); 0 when it did not."""
        return self._limiter.paused_for()

    async def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        write: Write | None = None,
    ) -> Any:
        """The one way to the API: waits for the rate limiter, retries what is transient and
        turns every other failure into a typed error. Returns the decoded JSON body. A
        `write` is retried only as far as its kind allows."""
        failed_attempts = 0
        rate_limit_waits = 0
        while True:
            try:
                async with self._limiter.slot():
                    status, headers, body = await self._attempt(
                        method, path, params, json
                    )
                if status in self.dialect.rate_limit_statuses:
                    rate_limit_waits += 1
                    self._pause_for_rate_limit(
                        status, headers, method, path, rate_limit_waits
                    )
                    continue
                return self._decode(status, body, method, path, write)
            except _RetryableFailure as failure:
                if write is Write.ONCE and failure.may_have_arrived:
                    raise VendorApiError(
                        f"{self.dialect.name} {method} {path} failed ({failure}) and is not "
                        f"sent again, as it may have been made: check {self.dialect.name} "
                        "before trying again"
                    ) from None
                failed_attempts += 1
                if failed_attempts >= self._retry_policy.max_attempts:
                    raise VendorApiError(
                        f"{self.dialect.name} {method} {path} failed after "
                        f"{failed_attempts} attempts: {failure}"
                    ) from None
                delay = self._retry_policy.backoff(failed_attempts)
                logger.warning(
                    f"{self.dialect.name} {method} {path} failed ({failure}); "
                    f"attempt {failed_attempts}/{self._retry_policy.max_attempts}, "
                    f"retrying in {delay:.1f}s"
                )
                await self._sleep(delay)

    async def _attempt(
        self, method: str, path: str, params: dict[str, Any] | None, json: Any
    ) -> tuple[int, httpx.Headers, bytes]:
        """One request and its whole body, within the deadline and the body bound."""
        deadline = self._retry_policy.deadline_seconds
        try:
            async with asyncio.timeout(deadline):
                request = self._http.build_request(
                    method, path, params=params, json=json
                )
                if self._destinations is not None:
                    request = await self._destinations.pinned(request)
                response = await self._http.send(request, stream=True)
                try:
                    body = await _read_bounded(
                        response, self._retry_policy.max_body_bytes
                    )
                finally:
                    await response.aclose()
        except TimeoutError:
            raise _RetryableFailure(
                f"no complete answer within the {deadline:g}s deadline"
            ) from None
        except BlockedIPError as blocked:
            raise VendorApiError(
                f"{self.dialect.name} {method} {path} was blocked by Ocean's outbound "
                f"IP blocker: {blocked}. Point the host setting at a public address."
            ) from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise _RetryableFailure(
                f"{type(error).__name__}: {error}", may_have_arrived=False
            ) from None
        except httpx.TransportError as error:
            raise _RetryableFailure(f"{type(error).__name__}: {error}") from None
        return response.status_code, response.headers, body

    def _pause_for_rate_limit(
        self, status: int, headers: httpx.Headers, method: str, path: str, waits: int
    ) -> None:
        name = self.dialect.name
        if waits > self._retry_policy.max_rate_limit_waits:
            raise VendorApiError(
                f"{name} {method} {path} was still rate limited (HTTP {status}) after "
                f"{waits - 1} waits; lower the rate limit this integration uses for it"
            )
        asked = retry_after_seconds(headers)
        if asked is None:
            wait = self._retry_policy.default_rate_limit_wait_seconds
            reason = "no usable Retry-After"
        elif asked > self._max_server_wait:
            wait = self._max_server_wait
            reason = f"Retry-After asked {asked:.0f}s, capped"
        else:
            wait = asked
            reason = "as Retry-After asked"
        logger.warning(
            f"{name} rate limit hit (HTTP {status}) on {method} {path}; "
            f"pausing all its requests for {wait:.1f}s ({reason})"
        )
        self._limiter.pause(wait)

    def _decode(
        self, status: int, body: bytes, method: str, path: str, write: Write | None
    ) -> Any:
        name = self.dialect.name
        if status == 403 and write is not None:
            # The key was recognised (it reads); a write it may not make wants another role.
            raise VendorApiError(
                f"{name} refused {method} {path} with HTTP 403: {self._error_text(body)}. "
                "The key is valid but may not make this change: give it a role or "
                "permission that can write to this page"
            )
        if status in AUTH_STATUSES and self.dialect.auth_scheme is None:
            raise VendorAuthError(
                f"{name} refused access (HTTP {status} on {method} {path}): it is not public"
            )
        if status in AUTH_STATUSES:
            raise VendorAuthError(
                f"{name} refused the API key (HTTP {status} on {method} {path}). Check the "
                f"{self.dialect.key_setting} setting: the key must exist and have access "
                "to what is synced."
            )
        if 300 <= status < 400:
            # Redirects are not followed (a key must not travel to another host), and
            # another attempt would be sent the same way.
            raise VendorApiError(
                f"{name} answered {method} {path} with a redirect (HTTP {status}), which "
                "is not followed"
            )
        if status == 404:
            raise VendorNotFoundError(
                f"{name} has no such object: {method} {path} answered 404"
            )
        if status >= 500:
            raise _RetryableFailure(f"HTTP {status}")
        if status >= 400:
            raise VendorApiError(
                f"{name} refused {method} {path} with HTTP {status}: "
                f"{self._error_text(body)}"
            )
        if status == 204 or not body:
            return None
        try:
            return _json(body)
        except ValueError:
            raise _RetryableFailure(
                f"HTTP {status} with a body that is not JSON"
            ) from None

    def _error_text(self, body: bytes) -> str:
        try:
            message = self.dialect.error_message(_json(body))
        except ValueError:
            message = None
        text = message if message is not None else body.decode("utf-8", "replace")
        return " ".join(text.split())[:200]


async def paginate(
    fetch_page: Callable[[int], Awaitable[tuple[list[Item], bool]]],
    what: str,
    first_page: int = 1,
) -> AsyncIterator[list[Item]]:
    """Yields the items of each page of a list until `fetch_page(n)` says page n was the last.

    A server that ignores paging would make this loop forever, holding every page: a page
    that repeats the one before, or a list past MAX_LIST_PAGES pages, fails the list instead
    (so nothing is deleted on its account)."""
    previous: tuple[object, ...] | None = None
    for number in range(first_page, first_page + MAX_LIST_PAGES):
        items, last = await fetch_page(number)
        identity = tuple(item.get("id", repr(item)) for item in items)
        if items and identity == previous:
            raise VendorApiError(
                f"{what}: page {number} repeated page {number - 1}, so the server seems to "
                "ignore paging; the list was not synced"
            )
        previous = identity
        if items:
            yield items
        if last:
            return
    raise VendorApiError(
        f"{what}: still not ended after {MAX_LIST_PAGES} pages; the list was not synced"
    )


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """The wait a Retry-After header asks for (seconds or an HTTP date), or None when it is
    absent or nonsense (negative, not finite, unparseable)."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value, headers.get("Date"))
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until(moment: str, date_header: str | None) -> float | None:
    try:
        retry_at = parsedate_to_datetime(moment)
        now = parsedate_to_datetime(date_header) if date_header else datetime.now(UTC)
        return max((retry_at - now).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


async def _read_bounded(response: httpx.Response, limit: int) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) > limit:
            raise VendorApiError(
                f"{response.request.method} {response.request.url.path} answered a body "
                f"over {limit} bytes; it was not read further"
            )
    return bytes(body)


def _json(body: bytes) -> Any:
    return json.loads(body)
