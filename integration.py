"""The models of the mapping configuration (its kinds are core/kinds.py's), and the integration
class, which holds the app's runtime, runs a full resync's kinds one ahead (sync/kinds_ahead.py)
and records how each sync ended."""

from contextvars import ContextVar
from typing import Any, Final, cast

from loguru import logger
from port_ocean.clients.port.types import UserAgentType
from port_ocean.context.event import EventType, event
from port_ocean.context.ocean import PortOceanContext
from port_ocean.core.handlers.entities_state_applier.port.applier import (
    HttpEntitiesStateApplier,
)
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
from sync.kinds_ahead import KindsAhead
from sync.ocean_mapping import ChunkedJQProcessor
from sync.outcome import PortUpserts, SyncOutcome

KindResult = tuple[list[Entity], list[Exception]]
# Where, in the attributes of the full resync Ocean is running, its kinds are started.
_KINDS: Final = "statuspage_kinds_ahead"
# What the kind being synced counts of its upserts. A context variable, not the sync's
# attributes: two kinds of one resync run at once, each in its own task, and every upsert is
# made in a task its kind started.
_kind_upserts: ContextVar[PortUpserts | None] = ContextVar(
    "statuspage_kind_upserts", default=None
)


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


class CountedUpserts(HttpEntitiesStateApplier):
    """Ocean's entity writer, which also counts, for the kind being synced, what Port took.

    This is where Ocean 0.55.4 lets an integration see an upsert's result: `upsert` returns
    the entities Port accepted. `PortClient.upsert_entities_in_batches(should_raise=False)`
    turns each entity Port refused (a bulk answer's `errors`) and each batch it failed (a 5xx
    or a 429 still there after its retry transport gave up) into a failed result, and `upsert`
    leaves those out. Ocean itself only logs them ("Error Upserting 20 entities of blueprint:
    ..."): `_register_resource_raw` reports no error for them, so

    - a full resync ends "successfully", and when its comparison search failed as well, the
      failed entities count as gone: its stale deletion deletes them from Port;
    - an incremental sync moves its cursor past changes that never reached Port.

    `_process_kind` below turns the count into an error of the kind instead."""

    async def upsert(
        self, entities: list[Entity], user_agent_type: UserAgentType
    ) -> list[Entity]:
        accepted = await super().upsert(entities, user_agent_type)
        upserts = _kind_upserts.get()
        if upserts is not None:  # a resync's kind, not a live event
            upserts.count(entities, accepted)
        return accepted


class StatuspageIntegration(BaseIntegration):
    """Ocean's integration, plus the app's runtime (settings read once, the vendors) and a
    record of how its syncs, full or incremental, ended (`sync_outcome`)."""

    class AppConfigHandlerClass(APIPortAppConfig):
        CONFIG_CLASS = StatuspagePortAppConfig

    EntitiesStateApplierClass = CountedUpserts
    EntityProcessorClass = ChunkedJQProcessor

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
                self.context.integration_config,
                installation,
                takes_live_events=config.event_listener.should_process_webhooks,
            )
        return self._runtime

    async def process_resource(
        self, resource: ResourceConfig, index: int, user_agent_type: UserAgentType
    ) -> KindResult:
        kinds = self._kinds_ahead(user_agent_type)
        if kinds is not None and kinds.holds(resource, index):
            entities, errors = await kinds.result(index)
        else:
            entities, errors = await self._process_kind(
                resource, index, user_agent_type
            )
        # Recorded in the mapping's order of the kinds, whichever ended first.
        self.sync_outcome.record_kind(resource.kind, errors)
        return entities, errors

    def _kinds_ahead(
        self, user_agent_type: UserAgentType
    ) -> KindsAhead[ResourceConfig, KindResult] | None:
        """The kinds of the full resync being run, made on first use: Ocean asks for them
        one after another, and the kind after the one it asks for starts at once, to map
        while that one waits for a vendor. None in an incremental sync (Ocean gives each kind
        its cursor as it asks for it), and where Port may not create the entities a relation
        names: a kind's relations may then need the kinds before it to be in Port."""
        if event.event_type != EventType.RESYNC:
            return None
        config = event.port_app_config
        if not config.create_missing_related_entities:
            return None
        kinds = event.attributes.get(_KINDS)
        if not isinstance(kinds, KindsAhead):
            kinds = event.attributes[_KINDS] = KindsAhead(
                config.resources,
                lambda kind, at: self._process_kind(kind, at, user_agent_type),
            )
        return cast(KindsAhead[ResourceConfig, KindResult], kinds)

    async def _process_kind(
        self, resource: ResourceConfig, index: int, user_agent_type: UserAgentType
    ) -> KindResult:
        # One kind of a full or incremental sync. An upsert Port did not take is an error of
        # the kind: Ocean then skips the resync's stale deletion, and an incremental sync keeps
        # the kind's cursor.
        upserts = PortUpserts()
        counting = _kind_upserts.set(upserts)
        try:
            entities, errors = await super().process_resource(
                resource, index, user_agent_type
            )
        finally:
            _kind_upserts.reset(counting)
        if (refused := upserts.error()) is not None:
            logger.error(f"{resource.kind}: {refused}")
            errors = [*errors, refused]
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
        self.sync_outcome.running += 1
        try:
            await super().sync_incremental(*args, **kwargs)
        except Exception as error:
            self.sync_outcome.record_crash(error, incremental=True)
            raise
        finally:
            self.sync_outcome.running -= 1
        # Its kinds' failures are recorded already; Ocean returns nothing either way.
        self.sync_outcome.record_sync(True, incremental=True)

    async def sync_raw_all(self, *args: Any, **kwargs: Any) -> bool:
        self.sync_outcome.running += 1
        try:
            succeeded: bool | None = await super().sync_raw_all(*args, **kwargs)
        except Exception as error:
            self.sync_outcome.record_crash(error)
            raise
        finally:
            self.sync_outcome.running -= 1
        # Ocean returns None (not False) for a resync that was aborted from outside.
        self.sync_outcome.record_sync(succeeded is True)
        return bool(succeeded)
