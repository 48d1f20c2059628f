"""The webhook routes' front door: each delivery is checked, reduced to triggers and coalesced
before Ocean reads or queues it.

Ocean 0.55.4 reads each webhook body whole, asks Port for the mapping, queues the event with its
whole body in an unbounded queue and answers 200 before any processor checks anything. So, on
each configured vendor's webhook route only, this ASGI middleware in front of Ocean's app:

1. answers 401 to a delivery without the vendor's token, and 413 to a body over MAX_BODY_BYTES
   (reading no more of it than that);
2. reads the delivery as the vendor's notification; one it cannot act on (bad JSON, an unknown
   shape, a page not selected, or, with no page ids set, a page the vendor's page list did not
   have when last read) is answered 200 and ignored, with the reason logged, at no vendor read;
3. notes the page's overall status when the delivery carries one;
4. admits each trigger to the app's pending set: one already waiting for the same object
   answers this delivery too, and when the set is full the trigger is dropped (the next resync
   brings the change) with a warning;
5. hands Ocean, in the body's place, only the triggers admitted, a few hundred bytes.

The processors check the token again, so an event that reaches them some other way is refused.
"""

import json
from collections.abc import Callable
from typing import Final

from loguru import logger
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from live_events.pending import forwarded_body
from live_events.trust import LiveEvents, WebhookRoute
from sync.catalog import KnownPages, is_selected
from vendors.contract import InvalidEventError, Notification, Trigger, Vendor

# A status-page notification is a few kilobytes; an incident with a long history stays far
# below this.
MAX_BODY_BYTES: Final = 1024 * 1024


class WebhookGate:
    """`live_events` is the running app's live-event state, read at each request (main.py
    hands the gate its accessor: the app's runtime is built after the gate is added)."""

    def __init__(self, app: ASGIApp, live_events: Callable[[], LiveEvents]) -> None:
        self._app = app
        self._live_events = live_events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        live_events = self._live_events()
        route = live_events.route(scope["path"])
        if route is None:
            await self._app(scope, receive, send)
            return
        await self._guard(route, live_events, scope, receive, send)

    async def _guard(
        self,
        route: WebhookRoute,
        live_events: LiveEvents,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        vendor = route.vendor
        request = Request(scope)
        sender = request.client.host if request.client else None
        if not live_events.trusts(route, scope["query_string"], sender):
            await _answer(401, "refused", "Unauthorized", scope, receive, send)
            return
        try:
            body = await _body_within_limit(request, receive)
        except ClientDisconnect:
            return  # half a delivery: nothing may act on it, and nobody hears an answer
        if body is None:
            logger.warning(
                f"Refused a {vendor.name} webhook: its body is larger than the "
                f"{MAX_BODY_BYTES} bytes accepted. Nothing was changed."
            )
            await _answer(413, "refused", "Payload too large", scope, receive, send)
            return
        notification = _notification(vendor, body, live_events.known_pages)
        if notification is None:
            await _answer(200, "ignored", None, scope, receive, send)
            return
        admitted = _admit(vendor, live_events, notification)
        if not admitted:
            await _answer(200, "coalesced", None, scope, receive, send)
            return
        forwarded = json.dumps(forwarded_body(admitted)).encode()
        await self._app(
            _with_length(scope, len(forwarded)), _replaying(forwarded, receive), send
        )


def _notification(
    vendor: Vendor, body: bytes, known_pages: KnownPages
) -> Notification | None:
    """The delivery as the vendor's notification, or None (logged) if nothing may act on it."""
    name = vendor.name
    try:
        notification = vendor.notification_of(json.loads(body))
    except (ValueError, InvalidEventError) as error:
        reason = (
            error if isinstance(error, InvalidEventError) else "the body is not JSON"
        )
        logger.warning(f"Ignored a {name} webhook: {reason}. Nothing was changed.")
        return None
    if not is_selected(vendor, notification.page_id):
        logger.info(
            f"Ignored a {name} webhook of page {notification.page_id}: the page is not in "
            f"{vendor.page_ids_setting}"
        )
        return None
    if not known_pages.is_synced(vendor.provider, notification.page_id):
        logger.info(
            f"Ignored a {name} webhook of page {notification.page_id}: the page is not "
            f"among those {name} listed when last read"
        )
        return None
    return notification


def _admit(
    vendor: Vendor, live_events: LiveEvents, notification: Notification
) -> list[Trigger]:
    """The notification's triggers that must be queued; notes the page status it carries."""
    if notification.page_status is not None:
        live_events.known_pages.note_status(
            notification.page_id, notification.page_status
        )
    admitted = []
    for trigger in notification.triggers:
        verdict = live_events.pending.admit(trigger)
        if verdict is None:
            logger.warning(
                f"Live events: {len(live_events.pending)} objects are already waiting "
                f"to be read; dropped the {vendor.name} {trigger.family} "
                f"{trigger.subject_id} event of page {trigger.page_id}. The next resync "
                "brings the change."
            )
        elif verdict:
            admitted.append(trigger)
    return admitted


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


def _with_length(scope: Scope, length: int) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app `body`, then defers to the server."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(
    status: int,
    outcome: str,
    reason: str | None,
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    content = {"status": outcome} | ({"reason": reason} if reason else {})
    await JSONResponse(content, status_code=status)(scope, receive, send)
