"""What every action shares, from the run Ocean's execution manager hands over to its report.

A run's inputs are read and checked first (inputs.py); then Port's catalog says which vendor
and page they are (targets.py); then, one write at a time per page, the run's record is read
(record.py): what an earlier delivery of it made is read again, anything else is written
through the vendor's adapter and recorded on the run. What the vendor now holds is upserted
into Port through the mapping at once, as a live event's object is, and the run is reported
SUCCESS with a link, or FAILURE with the vendor's own words.

A write goes through the limiter of the vendor key it is made with, the one the reads go
through, and takes its turn there. The rate-limit hooks tell Ocean to hold a run back while the
vendor has asked that key to pause (a rate-limit answer's Retry-After), for as long as it asked.
"""

from abc import abstractmethod
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
from loguru import logger
from port_ocean.context.ocean import ocean
from port_ocean.core.handlers.actions.abstract_executor import AbstractExecutor
from port_ocean.core.handlers.port_app_config.models import ResourceConfig
from port_ocean.core.models import IntegrationRun
from port_ocean.exceptions.execution_manager import ActionExecutionError

from actions import record
from actions.inputs import Inputs
from actions.targets import Target, target_of, vendor_of
from client import VendorError
from core.kinds import Family, kinds_of
from runtime import current_runtime
from sync.catalog import items_of
from sync.held_in_port import PortView
from vendors.contract import Made, PortReadError, Vendor, WriteRefusedError, Written

Write = Callable[[Vendor, str], Awaitable[Written]]


@dataclass(frozen=True)
class Ask:
    """What a run asks for, read from its inputs: what it is about, the components it names,
    and the write to make once the vendor and page are known."""

    subject: str
    components: Collection[str]
    write: Write


class WriteExecutor(AbstractExecutor):
    """One action type (`ACTION_NAME` is its `integrationActionType`), with its Port form."""

    WEBHOOK_PROCESSOR_CLASS = None
    # What the run's write is about: the input of that name names it (`page`, `incident`,
    # `component`), and the family's kinds hold it in Port.
    about: ClassVar[Family]
    made: ClassVar[Made]
    # What the run did, in its report: `declared`, `updated`, ...
    done: ClassVar[str]
    # Its self-service form (definitions.py): a title, where it shows, its user inputs.
    title: ClassVar[str]
    description: ClassVar[str]
    operation: ClassVar[str]
    blueprint: ClassVar[str]
    user_inputs: ClassVar[Mapping[str, Mapping[str, Any]]]
    required: ClassVar[tuple[str, ...]]

    @abstractmethod
    def ask(self, inputs: Inputs, run_id: str) -> Ask:
        """Reads the run's inputs; raises InvalidInputError naming a bad one."""

    async def _get_partition_key(self, run: IntegrationRun) -> str | None:
        # Runs about the same page, incident or component queue one after another (and
        # runtime.PageWrites keeps each page's writes one at a time across actions).
        return self._subject(run)

    async def is_close_to_rate_limit(self, run: IntegrationRun) -> bool:
        return self._paused_for(run) > 0

    async def get_remaining_seconds_until_rate_limit(
        self, run: IntegrationRun
    ) -> float:
        return self._paused_for(run)

    async def execute(self, run: IntegrationRun) -> None:
        runtime = current_runtime()
        ask = self.ask(Inputs(run.execution_properties), run.id)
        try:
            port = PortView(await _mapping(), ocean.port_client)
            target = await target_of(
                runtime, port, self.about, ask.subject, ask.components
            )
        except (PortReadError, httpx.HTTPError) as error:
            raise ActionExecutionError(
                f"The catalog could not be read ({error}); nothing was written",
                "Port unreadable",
            ) from None
        async with runtime.page_writes.lock(target.page_id):
            written = await self._write_once(run, target, ask)
        in_port = await _upsert(written)
        await self._report(run, target.vendor, written, in_port)

    async def _write_once(
        self, run: IntegrationRun, target: Target, ask: Ask
    ) -> Written:
        """The run's write, unless an earlier delivery of it made it: then what it made."""
        try:
            earlier = await record.recorded(ocean.port_client, run)
        except httpx.HTTPError as error:
            raise ActionExecutionError(
                f"Port could not say what this run did before ({error}); nothing was "
                "written",
                "Port unreadable",
            ) from None
        try:
            if earlier is not None:
                return await target.vendor.written(self.made, target.page_id, earlier)
            written = await ask.write(target.vendor, target.page_id)
        except WriteRefusedError as refused:
            raise ActionExecutionError(str(refused), "Not supported") from None
        except VendorError as error:
            raise ActionExecutionError(str(error), "Vendor refused") from None
        try:
            await record.record(ocean.port_client, run, written)
        except httpx.HTTPError as error:
            logger.warning(
                f"Run {run.id}: {target.vendor.name} {self.made} {written.item['id']} was "
                f"{self.done} but could not be recorded on the run ({error}); a second "
                "delivery of the run may write again"
            )
        return written

    async def _report(
        self, run: IntegrationRun, vendor: Vendor, written: Written, in_port: bool
    ) -> None:
        what = f"{vendor.name} {self.made} {written.item['id']}"
        message = (
            f"{what} was {self.done} by an earlier delivery of this run; nothing was "
            "written again"
            if written.found
            else f"{what} {self.done}"
        )
        if written.link:
            message += f": {written.link}"
        if not in_port:
            message += " (Port could not take it now; the next resync brings it)"
        logger.info(f"Run {run.id}: {message}")
        await ocean.port_client.report_run_completed(
            run, success=True, message=message, status_label=self.done.capitalize()
        )

    def _subject(self, run: IntegrationRun) -> str | None:
        value = run.execution_properties.get(str(self.about))
        if isinstance(value, dict):
            value = value.get("identifier")
        return value if isinstance(value, str) and value else None

    def _paused_for(self, run: IntegrationRun) -> float:
        """How much longer the vendor asked the subject's key to pause (0: not paused)."""
        subject = self._subject(run)
        try:
            vendor = vendor_of(current_runtime(), subject) if subject else None
        except ActionExecutionError:
            vendor = None
        # A run naming no vendor fails at once, without a request: nothing to hold back.
        return vendor.api.paused_for() if vendor is not None else 0.0


async def _mapping() -> list[ResourceConfig]:
    config = await ocean.integration.port_app_config_handler.get_port_app_config()
    return list(config.resources)


async def _upsert(written: Written) -> bool:
    """Puts what the vendor now holds into Port through the mapping, as a live event's
    object goes: the kinds of its family, each from the same item, and the components whose
    status it changed. False when Port could not take it."""
    upserts = [(written.made.family, [written.item])]
    if written.components:
        upserts.append((Family.COMPONENT, list(written.components)))
    try:
        for family, items in upserts:
            for kind in kinds_of(family):
                await ocean.register_raw(kind.name, items_of(kind, items))
    # Whatever Port's ingestion raised, the vendor's write stands and the run says so; the
    # next resync brings the object into Port.
    except Exception as error:
        logger.warning(f"Could not upsert {written.made} {written.item['id']}: {error}")
        return False
    return True
