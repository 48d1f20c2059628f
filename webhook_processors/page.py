"""The page's overall status, which every notification carries and the page API does not return."""

from loguru import logger
from port_ocean.core.handlers.webhook.webhook_event import WebhookEventRawResults

from client import Item, get_client
from integration import ObjectKind
from resync import with_status
from webhook_processors.base import StatuspageWebhookProcessor, no_change, upserted
from webhook_processors.payload import StatuspageEvent


class PageStatusWebhookProcessor(StatuspageWebhookProcessor):
    # Every notification carries its page, so this processor takes every event, and its
    # checks are what report a request that is no Statuspage notification at all.
    family = None
    kinds = (ObjectKind.STATUSPAGE, ObjectKind.PAGE)

    async def fetch(self, event: StatuspageEvent) -> Item:
        return await get_client().get_page(event.page_id)

    async def results_for(
        self, event: StatuspageEvent, kind: ObjectKind
    ) -> WebhookEventRawResults:
        if event.page_status is None:
            logger.info(
                f"A Statuspage webhook of page {event.page_id} carries no page status; "
                f"its {kind} entity is left as it is"
            )
            return no_change()
        page = await self.current(event)
        if page is None:
            # The page is what every other entity relates to: like the resync, keep it rather
            # than delete on one answer, and let the next resync report the missing page.
            logger.warning(
                f"Page {event.page_id} was not found in Statuspage; its {kind} entity is kept"
            )
            return no_change()
        return upserted([with_status(page, event.page_status)])
