"""Component events: the component follows the API."""

from loguru import logger
from port_ocean.core.handlers.webhook.webhook_event import WebhookEventRawResults

from core.kinds import Family, Kind
from vendors.contract import Trigger, Vendor
from webhook_processors.base import TriggerProcessor, deleted, no_change, upserted


class ComponentWebhookProcessor(TriggerProcessor):
    family = Family.COMPONENT

    async def results_for(
        self, vendor: Vendor, trigger: Trigger, kind: Kind
    ) -> WebhookEventRawResults:
        lookup = await self.look_up(vendor, trigger)
        if lookup.item is not None:
            return upserted([lookup.item])
        if not lookup.gone:
            return no_change()
        logger.info(
            f"{vendor.name} confirms component {trigger.subject_id} of page "
            f"{trigger.page_id} is gone; deleting its entity"
        )
        # The trigger does not say whether the component was a group. Without `group` the
        # shipped selector (`.group == false`) would let no deletion through, and deleting an
        # identifier Port does not hold changes nothing.
        gone = {
            "id": trigger.subject_id,
            "page_id": trigger.page_id,
            "provider": trigger.provider,
            "group": False,
        }
        return deleted([gone])
