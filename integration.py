"""The models of the mapping configuration (its kinds are core/kinds.py's), and the integration
class, which holds the app's runtime and records how each sync ended."""

from typing import Any

from port_ocean.clients.port.types import UserAgentType
from port_ocean.context.ocean import PortOceanContext
from port_ocean.core.handlers.port_app_config.api import APIPortAppConfig
from port_ocean.core.handlers.port_app_config.models import (
    PortAppConfig,
    ResourceConfig,
)
from port_ocean.core.integrations.base import BaseIntegration
from port_ocean.core.models import Entity
from pydantic.v1 import validator

from core.kinds import kind_named
from live_events.trust import Installation
from runtime import Runtime
from sync.outcome import SyncOutcome


class StatuspageResourceConfig(ResourceConfig):
    @validator("kind")
    def _known_kind(cls, kind: str) -> str:
        # A typo in a mapping's kind fails with the valid kinds instead of syncing nothing.
        # It stays a plain str: Ocean loads this module under another name, and its log
        # records cannot pickle an enum defined here.
        try:
            kind_named(kind)
        except KeyError as error:
            raise ValueError(error.args[0]) from None
        return kind


class StatuspagePortAppConfig(PortAppConfig):
    resources: list[StatuspageResourceConfig]  # type: ignore[assignment]


class StatuspageIntegration(BaseIntegration):
    """Ocean's integration, plus the app's runtime (settings read once, the vendors) and a
    record of how its syncs, full or incremental, ended (`sync_outcome`)."""

    class AppConfigHandlerClass(APIPortAppConfig):
        CONFIG_CLASS = StatuspagePortAppConfig

    def __init__(self, context: PortOceanContext) -> None:
        super().__init__(context)
        self.sync_outcome = SyncOutcome()
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        """Built from the config on first use; raises InvalidSettingError for a bad setting."""
        if self._runtime is None:
            config = self.context.config
            installation = Installation(
                port_client_id=config.port.client_id,
                identifier=config.integration.identifier,
                route_prefix=self.context.app.route_prefix,
            )
            self._runtime = Runtime.from_config(
                self.context.integration_config, installation
            )
        return self._runtime

    async def process_resource(
        self, resource: ResourceConfig, index: int, user_agent_type: UserAgentType
    ) -> tuple[list[Entity], list[Exception]]:
        entities, errors = await super().process_resource(
            resource, index, user_agent_type
        )
        self.sync_outcome.record_kind(resource.kind, errors)
        return entities, errors

    async def _sync_incremental_kind(
        self, resource: ResourceConfig, index: int, *args: Any, **kwargs: Any
    ) -> bool:
        # Ocean 0.55.4's step for one kind of an incremental sync; False when the kind
        # failed and kept its cursor. Ocean then ends the run without raising, so this is
        # where a failure that left no kind error (its cursor not saved) shows.
        advanced: bool = await super()._sync_incremental_kind(
            resource, index, *args, **kwargs
        )
        if not advanced:
            self.sync_outcome.record_cursor_kept(resource.kind)
        return advanced

    async def sync_incremental(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().sync_incremental(*args, **kwargs)
        except Exception as error:
            self.sync_outcome.record_crash(error, incremental=True)
            raise
        # Its kinds' failures are recorded already; Ocean returns nothing either way.
        self.sync_outcome.record_sync(True, incremental=True)

    async def sync_raw_all(self, *args: Any, **kwargs: Any) -> bool:
        try:
            succeeded: bool | None = await super().sync_raw_all(*args, **kwargs)
        except Exception as error:
            self.sync_outcome.record_crash(error)
            raise
        # Ocean returns None (not False) for a resync that was aborted from outside.
        self.sync_outcome.record_sync(succeeded is True)
        return bool(succeeded)
