"""Wiring: one resync handler per kind, and the start-up check of the settings."""

from loguru import logger
from port_ocean.context.ocean import ocean
from port_ocean.core.ocean_types import ASYNC_GENERATOR_RESYNC_TYPE

from integration import ObjectKind
from resync import (
    resync_component_groups,
    resync_components,
    resync_incident_updates,
    resync_incidents,
    resync_pages,
)
from settings import current_settings


@ocean.on_resync(ObjectKind.STATUSPAGE)
async def on_resync_statuspages(kind: str) -> ASYNC_GENERATOR_RESYNC_TYPE:
    async for batch in resync_pages(kind):
        yield batch


@ocean.on_resync(ObjectKind.PAGE)
async def on_resync_pages(kind: str) -> ASYNC_GENERATOR_RESYNC_TYPE:
    async for batch in resync_pages(kind):
        yield batch


@ocean.on_resync(ObjectKind.COMPONENT_GROUP)
async def on_resync_component_groups(kind: str) -> ASYNC_GENERATOR_RESYNC_TYPE:
    async for batch in resync_component_groups(kind):
        yield batch


@ocean.on_resync(ObjectKind.COMPONENT)
async def on_resync_components(kind: str) -> ASYNC_GENERATOR_RESYNC_TYPE:
    async for batch in resync_components(kind):
        yield batch


@ocean.on_resync(ObjectKind.INCIDENT)
async def on_resync_incidents(kind: str) -> ASYNC_GENERATOR_RESYNC_TYPE:
    async for batch in resync_incidents(kind):
        yield batch


@ocean.on_resync(ObjectKind.INCIDENT_UPDATE)
async def on_resync_incident_updates(kind: str) -> ASYNC_GENERATOR_RESYNC_TYPE:
    async for batch in resync_incident_updates(kind):
        yield batch


@ocean.on_start()
async def on_start() -> None:
    # Fail at start with a message naming the bad setting, rather than at the first resync.
    settings = current_settings()
    logger.info(f"Statuspage integration starting with {settings!r}")
