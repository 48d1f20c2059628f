"""Wiring: one resync handler per kind, and the start-up check of the settings."""

from loguru import logger
from port_ocean.context.ocean import ocean

from integration import ObjectKind
from resync import (
    resync_component_groups,
    resync_components,
    resync_incident_updates,
    resync_incidents,
    resync_pages,
)
from settings import current_settings

ocean.on_resync(ObjectKind.STATUSPAGE)(resync_pages)
ocean.on_resync(ObjectKind.PAGE)(resync_pages)
ocean.on_resync(ObjectKind.COMPONENT_GROUP)(resync_component_groups)
ocean.on_resync(ObjectKind.COMPONENT)(resync_components)
ocean.on_resync(ObjectKind.INCIDENT)(resync_incidents)
ocean.on_resync(ObjectKind.INCIDENT_UPDATE)(resync_incident_updates)


@ocean.on_start()
async def on_start() -> None:
    # Fail at start with a message naming the bad setting, rather than at the first resync.
    settings = current_settings()
    logger.info(f"Statuspage integration starting with {settings!r}")
