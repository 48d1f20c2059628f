"""The webhook route's front door: a delivery is refused before Ocean reads or queues it.

Ocean 0.55.4 reads each webhook body whole, asks Port for the mapping, queues the event and
answers 200 before any processor's `authenticate` runs. So a forger would be told "ok" and every
forged request would cost a Port call. This ASGI middleware sits in front of Ocean's app and, on
the webhook route only, answers 401 to a delivery without our token and 413 to a body larger
than MAX_BODY_BYTES, reading no more of it than that. The processors check the token again, so
an event that reaches them some other way is refused too.
"""

from typing import Final

from loguru import logger
from port_ocean.context.ocean import ocean
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webhook_processors.base import WEBHOOK_PATH
from webhook_processors.security import delivery_is_trusted

# Statuspage notifications are a few kilobytes; an incident with a long history stays far
# below this.
MAX_BODY_BYTES: Final = 1024 * 1024


class WebhookGate:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != _webhook_route():
            await self._app(scope, receive, send)
            return
        request = Request(scope)
        if not delivery_is_trusted(request):
            await _refuse(401, "Unauthorized", scope, receive, send)
            return
        try:
            body = await _body_within_limit(request, receive)
        except ClientDisconnect:
            return  # half a notification: nothing may act on it, and nobody hears an answer
        if body is None:
            logger.warning(
                "Refused a Statuspage webhook: its body is larger than the "
                f"{MAX_BODY_BYTES} bytes accepted. Nothing was changed."
            )
            await _refuse(413, "Payload too large", scope, receive, send)
            return
        await self._app(scope, _replaying(body, receive), send)


def _webhook_route() -> str:
    return f"{ocean.app.route_prefix}/integration{WEBHOOK_PATH}"


async def _body_within_limit(request: Request, receive: Receive) -> bytes | None:
    """The whole body, or None as soon as it is known to exceed MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        body.extend(message.get("body", b""))
        if len(body) > MAX_BODY_BYTES:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then defers to the server."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(
    status: int, reason: str, scope: Scope, receive: Receive, send: Send
) -> None:
    await JSONResponse({"status": "refused", "reason": reason}, status_code=status)(
        scope, receive, send
    )
