"""A page's overall status, which a delivery may carry and a page API may not return.

The page is upserted as this app last read it (a resync reads every page), with the newest
status a delivery brought; the page is read from the API only when this app has not seen it
yet. So an event costs one request, for the object it is about.
"""

import asyncio

from loguru import logger
from port_ocean.core.handlers.webhook.webhook_event import (
    WebhookEvent,
    WebhookEventRawResults,
)

from client import Item, VendorError
from core.kinds import Family, Kind
from runtime import current_runtime
from vendors.contract import Trigger, Vendor
from webhook_processors.base import TriggerProcessor, no_change, upserted


class PageStatusWebhookProcessor(TriggerProcessor):
    family = Family.PAGE

    def __init__(self, event: WebhookEvent) -> None:
        super().__init__(event)
        self._page: asyncio.Task[Item] | None = None

    async def fetch(self, vendor: Vendor, trigger: Trigger) -> Item:
        known = current_runtime().known_pages
        page = known.get(trigger.page_id)
        if page is None:
            page = await vendor.page(trigger.page_id)
            known.remember(page)
        return page

    async def results_for(
        self, vendor: Vendor, trigger: Trigger, kind: Kind
    ) -> WebhookEventRawResults:
        if self._page is None:  # one read however many page kinds are mapped
            self._page = asyncio.ensure_future(self.fetch(vendor, trigger))
        try:
            page = await self._page
        except VendorError as error:
            # The page is what every other entity relates to: never delete it on a live event;
            # the next resync reports a page that is really gone.
            logger.warning(
                f"Page {trigger.page_id} could not be read from {vendor.name}; its "
                f"{kind.name} entity is kept: {error}"
            )
            return no_change()
        return upserted([current_runtime().known_pages.with_status(page)])
