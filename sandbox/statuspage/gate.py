"""The front door every request passes before its route.

API requests (everything outside /_sandbox) are authenticated, rate limited,
delayed by the configured latency, possibly faulted, and logged. Requests to the
pages' public status APIs (under /public) need no key and are not counted against
one, but are delayed, faulted and logged alike. Control requests under /_sandbox
skip all of that but must come from this machine.
"""

import asyncio
import ipaddress
import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import parse_qs

from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api import PUBLIC_PREFIX
from .core import EmulatorCore
from .errors import error_response
from .faults import Fault
from .journal import LoggedRequest

CONTROL_PREFIX: Final = "/_sandbox"
_PAUSE_STEP_SECONDS: Final = 0.05
_COMPONENTS_LIST: Final = "/v1/pages/{page_id}/components"
_PAGINATION_PARAMS: Final = frozenset({"page", "per_page"})
_AUTHORIZATION: Final = re.compile(r"^OAuth\s+(?P<key>\S+)\s*$", re.IGNORECASE)


class ApiGate:
    """ASGI middleware in front of the routes; see the module docstring."""

    def __init__(
        self, app: ASGIApp, core: EmulatorCore, api_routes: Sequence[BaseRoute]
    ) -> None:
        self._app = app
        self._core = core
        self._api_routes = api_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
        elif str(scope["path"]).startswith(CONTROL_PREFIX):
            await self._control(scope, receive, send)
        else:
            await self._api(scope, receive, send)

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _from_loopback(scope):
            forbidden = error_response(403, "The control API only answers this machine")
            await forbidden(scope, receive, send)
            return
        await self._app(scope, receive, send)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = self._core.now()
        template = _route_template(self._api_routes, scope)

        def log(outcome: _Outcome) -> None:
            self._core.record_request(
                LoggedRequest(
                    method=str(scope["method"]),
                    path=str(scope["path"]),
                    query=bytes(scope.get("query_string", b"")).decode("latin-1"),
                    status=outcome.status,
                    timestamp=arrived,
                    route=template,
                ),
                rate_limited=outcome.rate_limited,
            )

        outcome = _Outcome(log)
        try:
            await self._answer(
                scope, receive, outcome.watching(send), template, outcome, arrived
            )
        finally:
            outcome.finish()

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        template: str | None,
        outcome: "_Outcome",
        arrived: float,
    ) -> None:
        if str(scope["path"]).startswith(f"{PUBLIC_PREFIX}/"):
            await self._admitted(scope, receive, send, template)
            return
        key = _api_key(scope)
        if key is None or not self._core.is_valid_key(key):
            unauthorized = error_response(401, "Could not authenticate")
            await unauthorized(scope, receive, send)
            return
        wait = self._core.admit(
            key,
            arrived,
            unpaginated_components=_unpaginated_components(scope, template),
        )
        if wait is not None:
            outcome.rate_limited = True
            await _rate_limited(self._core.rate_limit_status, wait)(
                scope, receive, send
            )
            return
        await self._admitted(scope, receive, send, template)

    async def _admitted(
        self, scope: Scope, receive: Receive, send: Send, template: str | None
    ) -> None:
        await self._pause(self._core.latency)
        fault = self._core.take_fault(
            str(scope["method"]), str(scope["path"]), template
        )
        await self._serve(scope, receive, send, fault)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, fault: Fault | None
    ) -> None:
        if fault is None:
            await self._app(scope, receive, send)
        elif fault.kind == "status":
            await error_response(fault.status, "Injected fault")(scope, receive, send)
        elif fault.kind == "slow":
            await self._pause(fault.seconds)
            await self._app(scope, receive, send)
        else:
            await self._serve_truncated(scope, receive, send)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up early if the server is stopping."""
        deadline = time.monotonic() + seconds
        while not self._core.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, _PAUSE_STEP_SECONDS))

    async def _serve_truncated(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Answer with the first half of the real body: never valid JSON."""
        start: dict[str, Any] = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self._app(scope, receive, capture)
        cut = bytes(body[: len(body) // 2]) or b"{"
        headers = [
            (name, value)
            for name, value in start.get("headers", [])
            if name.lower() != b"content-length"
        ]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": cut})


class _Outcome:
    """What was answered, logged as the last byte leaves: a client holding its
    answer always finds its request in the log."""

    def __init__(self, log: Callable[["_Outcome"], None]) -> None:
        self.status = 500  # stays so if the app fails before answering
        self.rate_limited = False
        self._log = log
        self._logged = False

    def watching(self, send: Send) -> Send:
        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get(
                "more_body", False
            ):
                self.finish()
            await send(message)

        return watched

    def finish(self) -> None:
        if not self._logged:
            self._logged = True
            self._log(self)


def _rate_limited(status: int, wait: float) -> JSONResponse:
    seconds = max(1, math.ceil(wait))
    return error_response(
        status,
        f"Rate limit exceeded; retry in {seconds} seconds",
        headers={"Retry-After": str(seconds)},
    )


def _api_key(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            match = _AUTHORIZATION.match(value.decode("latin-1"))
            return match.group("key") if match else None
    return None


def _unpaginated_components(scope: Scope, template: str | None) -> bool:
    if scope["method"] != "GET" or template != _COMPONENTS_LIST:
        return False
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    names = parse_qs(query, keep_blank_values=True).keys()
    return not names & _PAGINATION_PARAMS


def _route_template(routes: Sequence[BaseRoute], scope: Scope) -> str | None:
    """The path template of the route the request will reach, if any."""
    method_mismatch: str | None = None
    for route in routes:
        if not isinstance(route, Route):
            continue
        match = route.matches(scope)[0]
        if match is Match.FULL:
            return route.path
        if match is Match.PARTIAL and method_mismatch is None:
            method_mismatch = route.path  # answered 405, still this route
    return method_mismatch


def _from_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return False
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False
