"""Incident events: the incident and each of its updates follow the API."""

from loguru import logger
from port_ocean.core.handlers.webhook.webhook_event import WebhookEventRawResults

from client import Item
from integration import ObjectKind
from live_events.pending import Family, Trigger
from sync.catalog import updates_of
from vendors.contract import Vendor
from webhook_processors.base import TriggerProcessor, deleted, no_change, upserted


class IncidentWebhookProcessor(TriggerProcessor):
    family = Family.INCIDENT
    kinds = (ObjectKind.INCIDENT, ObjectKind.INCIDENT_UPDATE)

    async def fetch(self, vendor: Vendor, trigger: Trigger) -> Item:
        return await vendor.incident(trigger.page_id, trigger.subject_id)

    async def results_for(
        self, vendor: Vendor, trigger: Trigger, kind: ObjectKind
    ) -> WebhookEventRawResults:
        lookup = await self.look_up(vendor, trigger)
        if lookup.item is not None:
            return upserted(_items_of(lookup.item, kind))
        if not lookup.gone:
            return no_change()
        logger.info(
            f"{vendor.dialect.name} confirms incident {trigger.subject_id} of page "
            f"{trigger.page_id} is gone; deleting its {kind} entities"
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
        return deleted(_items_of(gone, kind))


def _items_of(incident: Item, kind: ObjectKind) -> list[Item]:
    return [incident] if kind is ObjectKind.INCIDENT else updates_of(incident)
