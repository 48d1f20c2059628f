"""Component status notifications: the component follows the API."""

from loguru import logger
from port_ocean.core.handlers.webhook.webhook_event import WebhookEventRawResults

from client import Item, get_client
from integration import ObjectKind
from webhook_processors.base import StatuspageWebhookProcessor, deleted, upserted
from webhook_processors.payload import EventFamily, StatuspageEvent


class ComponentWebhookProcessor(StatuspageWebhookProcessor):
    family = EventFamily.COMPONENT
    kinds = (ObjectKind.COMPONENT,)

    async def fetch(self, event: StatuspageEvent) -> Item:
        return await get_client().get_component(event.page_id, event.subject_id)

    async def results_for(
        self, event: StatuspageEvent, kind: ObjectKind
    ) -> WebhookEventRawResults:
        component = await self.current(event)
        if component is not None:
            return upserted([component])
        logger.info(
            f"Component {event.subject_id} of page {event.page_id} no longer exists in "
            "Statuspage; deleting its entity"
        )
        # The notification does not say whether the component was a group. Without `group`
        # the shipped selector (`.group == false`) would let no deletion through, and deleting
        # an identifier Port does not hold changes nothing.
        return deleted([{"group": False, **event.subject, "page_id": event.page_id}])
