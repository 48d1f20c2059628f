"""The front door every request passes before its route.

API requests (everything outside /_sandbox) are authenticated, rate limited,
delayed by the configured latency, possibly faulted, and logged, each in the
dialect of its path (Statuspage's, or OnlineOrNot's: see dialect.py). Requests to
the pages' public status APIs (under /public) need no key and are not counted
against one, but are delayed, faulted and logged alike. Control requests under
/_sandbox skip all of that but must come from this machine.
"""

import asyncio
import ipaddress
import math
import time
from collections.abc import Callable, Sequence
from typing import Final
from urllib.parse import parse_qs, urlencode

from fastapi.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api import PUBLIC_PREFIX
from .core import EmulatorCore
from .dialect import Dialect, dialect_of
from .errors import error_response
from .faults import Fault
from .journal import LoggedRequest

CONTROL_PREFIX: Final = "/_sandbox"
_PAUSE_STEP_SECONDS: Final = 0.05
_HTML_ERROR_PAGE: Final = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1></body></html>"
)


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
                    rate_limited=outcome.rate_limited,
                )
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
        dialect = dialect_of(str(scope["path"]))
        if str(scope["path"]).startswith(f"{PUBLIC_PREFIX}/"):
            await self._admitted(scope, receive, send, template, dialect)
            return
        key = _api_key(dialect, scope)
        if key is None or not self._core.is_valid_key(key):
            unauthorized = dialect.error(401, "Could not authenticate")
            await unauthorized(scope, receive, send)
            return
        wait = self._core.admit(key, arrived)
        if wait is not None:
            outcome.rate_limited = True
            status = dialect.rate_limit_status or self._core.rate_limit_status
            await _rate_limited(dialect, status, wait)(scope, receive, send)
            return
        await self._admitted(scope, receive, send, template, dialect)

    async def _admitted(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        template: str | None,
        dialect: Dialect,
    ) -> None:
        await self._pause(self._core.latency)
        fault = self._core.take_fault(
            str(scope["method"]), str(scope["path"]), template
        )
        await self._serve(scope, receive, send, dialect, fault)

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        dialect: Dialect,
        fault: Fault | None,
    ) -> None:
        if fault is None:
            await self._app(scope, receive, send)
        elif fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            answer = dialect.error(fault.status, "Injected fault", headers=headers)
            await answer(scope, receive, send)
        elif fault.kind == "slow":
            await self._pause(fault.seconds)
            await self._app(scope, receive, send)
        elif fault.kind == "html":
            await HTMLResponse(_HTML_ERROR_PAGE)(scope, receive, send)
        elif fault.kind == "endless":
            await self._app(_first_page_of(scope), receive, send)
        else:
            start, body = await self._captured(scope, receive)
            await self._serve_instead(fault, start, body, send)

    async def _serve_instead(
        self, fault: Fault, start: Message, body: bytes, send: Send
    ) -> None:
        """The real answer (`start`, `body`), spoiled as `fault` says."""
        if fault.kind == "shape":
            body = b'{"data": ' + body + b"}"
        elif fault.kind == "malformed":
            body = body[: len(body) // 2] or b"{"
        await send(_with_length(start, len(body)))
        if fault.kind == "cut":
            # Half the body, then the app returns mid-answer: the server drops the connection.
            await send(
                {
                    "type": "http.response.body",
                    "body": body[: len(body) // 2],
                    "more_body": True,
                }
            )
        elif fault.kind == "trickle":
            for offset in range(len(body)):
                await self._pause(fault.seconds)
                if self._core.stopping:
                    return
                more = offset + 1 < len(body)
                await send(
                    {
                        "type": "http.response.body",
                        "body": body[offset : offset + 1],
                        "more_body": more,
                    }
                )
        else:
            await send({"type": "http.response.body", "body": body})

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up early if the server is stopping."""
        deadline = time.monotonic() + seconds
        while not self._core.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, _PAUSE_STEP_SECONDS))

    async def _captured(self, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
        """The answer the route gives, held back instead of sent."""
        start: Message = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self._app(scope, receive, capture)
        return start, bytes(body)


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


def _with_length(start: Message, length: int) -> Message:
    headers = [
        (name, value)
        for name, value in start.get("headers", [])
        if name.lower() != b"content-length"
    ]
    return {**start, "headers": [*headers, (b"content-length", str(length).encode())]}


def _first_page_of(scope: Scope) -> Scope:
    query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
    query["page"] = ["1"]
    return {**scope, "query_string": urlencode(query, doseq=True).encode()}


def _rate_limited(dialect: Dialect, status: int, wait: float) -> JSONResponse:
    seconds = max(1, math.ceil(wait))
    return dialect.error(
        status,
        f"Rate limit exceeded; retry in {seconds} seconds",
        headers={"Retry-After": str(seconds)},
    )


def _api_key(dialect: Dialect, scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            return dialect.key(value.decode("latin-1"))
    return None


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
