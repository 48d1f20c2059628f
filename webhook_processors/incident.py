"""Incident notifications: the incident and each of its updates follow the API."""

from loguru import logger
from port_ocean.core.handlers.webhook.webhook_event import WebhookEventRawResults

from client import Item, get_client
from integration import ObjectKind
from resync import updates_of
from webhook_processors.base import StatuspageWebhookProcessor, deleted, upserted
from webhook_processors.payload import EventFamily, StatuspageEvent


class IncidentWebhookProcessor(StatuspageWebhookProcessor):
    family = EventFamily.INCIDENT
    kinds = (ObjectKind.INCIDENT, ObjectKind.INCIDENT_UPDATE)

    async def fetch(self, event: StatuspageEvent) -> Item:
        return await get_client().get_incident(event.page_id, event.subject_id)

    async def results_for(
        self, event: StatuspageEvent, kind: ObjectKind
    ) -> WebhookEventRawResults:
        incident = await self.current(event)
        if incident is not None:
            return upserted(_items_of(incident, kind))
        logger.info(
            f"Incident {event.subject_id} of page {event.page_id} no longer exists in "
            f"Statuspage; deleting its {kind} entities"
        )
        # The API has nothing left to describe it, so the notification names what to delete,
        # updates included.
        return deleted(_items_of({**event.subject, "page_id": event.page_id}, kind))


def _items_of(incident: Item, kind: ObjectKind) -> list[Item]:
    return [incident] if kind is ObjectKind.INCIDENT else updates_of(incident)
