"""What every live-event processor shares: the token check, the trigger check, and reading from
the vendor's API, once per event, the object a trigger names.

Deliveries reach Ocean's queue reduced to triggers (see live_events/gate.py). Ocean builds one
processor per event and calls `handle_event` once per mapped kind; the API is asked once however
many kinds use the answer. An object is deleted only when the API confirms it gone: a second
404 after a pause, while its page is still readable. Any other doubt changes nothing and leaves
the object to the next resync. An object confirmed gone that this app never synced, after a
full resync here (sync/catalog.py's `SyncedObjects`), is not in Port: nothing is deleted, and
Port is not asked.
"""

import asyncio
from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Final

from loguru import logger
from port_ocean.core.handlers.port_app_config.models import ResourceConfig
from port_ocean.core.handlers.webhook.abstract_webhook_processor import (
    AbstractWebhookProcessor,
)
from port_ocean.core.handlers.webhook.webhook_event import (
    EventHeaders,
    EventPayload,
    WebhookEvent,
    WebhookEventRawResults,
)
from starlette.requests import Request

from client import Item, VendorError, VendorNotFoundError
from core.kinds import Family, Kind, kind_named, kinds_of
from live_events.pending import triggers_of
from live_events.trust import WebhookRoute
from runtime import current_runtime
from vendors.contract import InvalidEventError, Trigger, Vendor

# Long enough for a read replica to catch up with a write, short enough for a live event.
CONFIRM_PAUSE_SECONDS: Final = 2.0


@dataclass(frozen=True)
class Lookup:
    """What the API says of a trigger's object: `item` if it has it, `gone` if it confirmed it
    does not (and Port may hold it); neither when in doubt, or when there is nothing to do.
    """

    item: Item | None = None
    gone: bool = False


class TriggerProcessor(AbstractWebhookProcessor):
    """The processor of one live-event family, for every vendor; it answers for the kinds
    the kind table gives the family."""

    family: ClassVar[Family]

    def __init__(self, event: WebhookEvent) -> None:
        super().__init__(event)
        self._lookup: asyncio.Task[Lookup] | None = None

    async def fetch(self, vendor: Vendor, trigger: Trigger) -> Item:
        """The API's version of what `trigger` names; raises VendorNotFoundError if gone."""
        return await vendor.read_one(self.family, trigger.page_id, trigger.subject_id)

    @abstractmethod
    async def results_for(
        self, vendor: Vendor, trigger: Trigger, kind: Kind
    ) -> WebhookEventRawResults:
        """What `kind` gains and loses from `trigger`."""

    async def should_process_event(self, event: WebhookEvent) -> bool:
        trigger = _trigger_of(event.payload, self.family)
        if trigger is None:
            return False
        # A worker has taken the event up: a delivery about the same object from now on may
        # say something newer than what is about to be read, so it must queue again.
        current_runtime().live_events.pending.taken(trigger)
        return True

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        return [kind.name for kind in kinds_of(self.family)]

    async def authenticate(self, payload: EventPayload, headers: EventHeaders) -> bool:
        request = self.event._original_request
        # Ocean 0.55.4 passes processors the payload and headers only; the URL, where the
        # token is, is on the original request. Events relayed through a queue lack it.
        if not isinstance(request, Request):
            logger.warning(
                "Refused a webhook whose URL is not available, so its token cannot be "
                "checked. Nothing was changed."
            )
            return False
        route = self._route()
        sender = request.client.host if request.client else None
        return route is not None and current_runtime().live_events.trusts(
            route, request.scope["query_string"], sender
        )

    async def validate_payload(self, payload: EventPayload) -> bool:
        try:
            triggers = triggers_of(payload)
        except InvalidEventError as error:
            logger.warning(f"Ignored a webhook event: {error}. Nothing was changed.")
            return False
        route = self._route()
        # A trigger names its vendor; it must be the one whose route it came in on.
        return route is not None and all(
            t.provider == route.vendor.provider for t in triggers
        )

    def _route(self) -> WebhookRoute | None:
        """The webhook route the event came in on, if it is known."""
        request = self.event._original_request
        if not isinstance(request, Request):
            return None
        return current_runtime().live_events.route(request.url.path)

    async def handle_event(
        self, payload: EventPayload, resource: ResourceConfig
    ) -> WebhookEventRawResults:
        trigger = _trigger_of(payload, self.family)
        vendor = current_runtime().vendor(trigger.provider) if trigger else None
        if trigger is None or vendor is None:
            return no_change()
        return await self.results_for(vendor, trigger, kind_named(resource.kind))

    async def look_up(self, vendor: Vendor, trigger: Trigger) -> Lookup:
        """What the API says now of the object `trigger` names, asked once per event."""
        if self._lookup is None:
            self._lookup = asyncio.ensure_future(self._confirmed(vendor, trigger))
        return await self._lookup

    async def _confirmed(self, vendor: Vendor, trigger: Trigger) -> Lookup:
        await asyncio.sleep(current_runtime().live_events.pending.reading(trigger))
        what = f"{vendor.name} {trigger.family} {trigger.subject_id} of page {trigger.page_id}"
        for attempt in range(2):
            if attempt:
                await asyncio.sleep(CONFIRM_PAUSE_SECONDS)
            try:
                return Lookup(item=await self._read(vendor, trigger))
            except VendorNotFoundError:
                continue
            except VendorError as error:
                return _in_doubt(what, f"it could not be read ({error})")
        try:
            await vendor.page(trigger.page_id)
        except VendorError as error:
            return _in_doubt(
                what, f"it answered 404 but its page could not be read ({error})"
            )
        return self._gone(vendor, trigger, what)

    async def _read(self, vendor: Vendor, trigger: Trigger) -> Item:
        """The object, noted as synced: the processor upserts it."""
        item = await self.fetch(vendor, trigger)
        synced = current_runtime().synced_objects
        synced.synced(vendor.provider, self.family, [trigger.subject_id])
        return item

    def _gone(self, vendor: Vendor, trigger: Trigger, what: str) -> Lookup:
        synced = current_runtime().synced_objects
        if synced.never_synced(vendor.provider, self.family, trigger.subject_id):
            logger.info(
                f"Live events: {what} is gone, and this app never synced it: Port holds "
                "nothing to delete"
            )
            return Lookup()
        return Lookup(gone=True)


def _in_doubt(what: str, reason: str) -> Lookup:
    logger.warning(
        f"Live events: {what}: {reason}; its entities are left as they are until the next "
        "resync"
    )
    return Lookup()


def _trigger_of(payload: EventPayload, family: Family) -> Trigger | None:
    try:
        triggers = triggers_of(payload)
    except InvalidEventError:
        return None
    return next((t for t in triggers if t.family is family), None)


def upserted(items: list[Item]) -> WebhookEventRawResults:
    return WebhookEventRawResults(updated_raw_results=items, deleted_raw_results=[])


def deleted(items: list[Item]) -> WebhookEventRawResults:
    return WebhookEventRawResults(updated_raw_results=[], deleted_raw_results=items)


def no_change() -> WebhookEventRawResults:
    return WebhookEventRawResults(updated_raw_results=[], deleted_raw_results=[])
