"""Incident events: the incident and each of its updates follow the API."""

from loguru import logger
from port_ocean.core.handlers.webhook.webhook_event import WebhookEventRawResults

from core.kinds import Family, Kind
from sync.catalog import items_of
from vendors.contract import Trigger, Vendor
from webhook_processors.base import TriggerProcessor, deleted, no_change, upserted


class IncidentWebhookProcessor(TriggerProcessor):
    family = Family.INCIDENT

    async def results_for(
        self, vendor: Vendor, trigger: Trigger, kind: Kind
    ) -> WebhookEventRawResults:
        lookup = await self.look_up(vendor, trigger)
        if lookup.item is not None:
            return upserted(items_of(kind, [lookup.item]))
        if not lookup.gone:
            return no_change()
        logger.info(
            f"{vendor.name} confirms incident {trigger.subject_id} of page "
            f"{trigger.page_id} is gone; deleting its {kind.name} entities"
        )
        # The API has nothing left to describe it, so the trigger names what to delete,
        # updates included.
        gone = {
            "id": trigger.subject_id,
            "page_id": trigger.page_id,
            "provider": trigger.provider,
            "components": [],
            "incident_updates": [{"id": update_id} for update_id in trigger.update_ids],
        }
        return deleted(items_of(kind, [gone]))
