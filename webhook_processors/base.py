"""What every Statuspage processor shares: the token check, the shape check, the page filter,
and fetching from the API, once per event, what the event is about."""

import asyncio
from abc import abstractmethod
from typing import ClassVar

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

from client import Item, StatuspageNotFoundError
from integration import ObjectKind
from settings import current_settings
from webhook_processors.payload import (
    EventFamily,
    InvalidEventError,
    StatuspageEvent,
    family_of,
    parse_event,
)
from webhook_processors.security import delivery_is_trusted

WEBHOOK_PATH = "/webhook"


class StatuspageWebhookProcessor(AbstractWebhookProcessor):
    """Ocean builds one processor per event and calls `handle_event` once per mapped kind;
    the API is asked once however many kinds use the answer."""

    # The notification family a processor takes; None takes every notification.
    family: ClassVar[EventFamily | None]
    kinds: ClassVar[tuple[ObjectKind, ...]]

    def __init__(self, event: WebhookEvent) -> None:
        super().__init__(event)
        self._current: asyncio.Task[Item | None] | None = None

    @abstractmethod
    async def fetch(self, event: StatuspageEvent) -> Item:
        """The API's version of what `event` is about; raises StatuspageNotFoundError if gone."""

    @abstractmethod
    async def results_for(
        self, event: StatuspageEvent, kind: ObjectKind
    ) -> WebhookEventRawResults:
        """What `kind` gains and loses from `event`."""

    async def should_process_event(self, event: WebhookEvent) -> bool:
        return self.family is None or family_of(event.payload) is self.family

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        return list(self.kinds)

    async def authenticate(self, payload: EventPayload, headers: EventHeaders) -> bool:
        return delivery_is_trusted(self.event._original_request)

    async def validate_payload(self, payload: EventPayload) -> bool:
        try:
            parse_event(payload)
        except InvalidEventError as error:
            logger.warning(
                f"Ignored a Statuspage webhook: {error}. Nothing was changed."
            )
            return False
        return True

    async def handle_event(
        self, payload: EventPayload, resource: ResourceConfig
    ) -> WebhookEventRawResults:
        event = parse_event(payload)
        page_ids = current_settings().page_ids
        if page_ids and event.page_id not in page_ids:
            logger.info(
                f"Ignored a Statuspage {event.family} webhook of page {event.page_id}: "
                "the page is not in statuspageIds"
            )
            return no_change()
        return await self.results_for(event, ObjectKind(resource.kind))

    async def current(self, event: StatuspageEvent) -> Item | None:
        """What `event` is about as the API has it now, or None if the API no longer has it."""
        if self._current is None:
            self._current = asyncio.ensure_future(self._fetch_unless_gone(event))
        return await self._current

    async def _fetch_unless_gone(self, event: StatuspageEvent) -> Item | None:
        try:
            return await self.fetch(event)
        except StatuspageNotFoundError:
            return None


def upserted(items: list[Item]) -> WebhookEventRawResults:
    return WebhookEventRawResults(updated_raw_results=items, deleted_raw_results=[])


def deleted(items: list[Item]) -> WebhookEventRawResults:
    return WebhookEventRawResults(updated_raw_results=[], deleted_raw_results=items)


def no_change() -> WebhookEventRawResults:
    return WebhookEventRawResults(updated_raw_results=[], deleted_raw_results=[])
