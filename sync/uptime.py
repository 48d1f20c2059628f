"""Components' uptime, opt-in (`componentUptime`): one request per component, so a resync reads
the uptime of at most `componentUptimeRequestsPerResync` components, taking turns.

The components the vendor computes an uptime for are put in a stable order (page id, component
id); each resync reads the next ones after where the previous resync stopped, wrapping round,
so an account of N such components is covered every ceil(N / budget) resyncs. Where the round
stands lives in the runtime (`UptimeRotation`), for as long as the process: a new process
starts at a random place, so one-shot runs, each a new process, still spread their reads over
the account instead of reading the same first components every time.

A component whose uptime was not read in a resync carries no `uptime`; the default mapping
writes `uptime` from a resource of its own that selects only the components carrying it, so
Port keeps the last value of the others. A failed read costs that component its turn, never
the resync; after a few failures in a row the rest of the turn is skipped.
"""

import random
from bisect import bisect_right
from collections.abc import Sequence

from loguru import logger

from client import Item, VendorError
from core.kinds import PageList
from core.settings import UptimeSettings
from sync.breaker import FailuresInARow
from sync.catalog import select_pages
from sync.fetch_memo import FetchMemo
from vendors.contract import Vendor

ComponentKey = tuple[str, str]  # (page id, component id), as Port holds them


class UptimeRotation:
    """Where each vendor's round of uptime reads stands: the last component read."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()
        self._last: dict[str, ComponentKey] = {}

    def next_turn(
        self, provider: str, eligible: Sequence[ComponentKey], budget: int
    ) -> list[ComponentKey]:
        """The next `budget` components after the last one read, wrapping round."""
        ordered = sorted(set(eligible))
        if not ordered:
            return []
        last = self._last.get(provider)
        start = (
            bisect_right(ordered, last)
            if last is not None
            else self._rng.randrange(len(ordered))
        )
        return [
            ordered[(start + step) % len(ordered)]
            for step in range(min(budget, len(ordered)))
        ]

    def read(self, provider: str, key: ComponentKey) -> None:
        self._last[provider] = key


async def component_uptimes(
    vendor: Vendor, memo: FetchMemo, rotation: UptimeRotation
) -> dict[ComponentKey, float]:
    """The uptimes read in this resync; empty, at no cost, when uptime is off or the sync is
    incremental (whose cost must follow what changed; uptime moves slowly, and Port keeps
    each component's last one)."""
    settings = vendor.settings.uptime
    if settings is None or memo.incremental:
        return {}
    return await memo.remembered(
        f"{vendor.provider}:component_uptime",
        lambda: _read_turn(vendor, memo, rotation, settings),
    )


def with_uptime(component: Item, uptime: float | None) -> Item:
    return component if uptime is None else {**component, "uptime": uptime}


async def _read_turn(
    vendor: Vendor, memo: FetchMemo, rotation: UptimeRotation, settings: UptimeSettings
) -> dict[ComponentKey, float]:
    eligible = await _eligible(vendor, memo)
    turn = rotation.next_turn(vendor.provider, eligible, settings.requests_per_resync)
    read: dict[ComponentKey, float] = {}
    failures = FailuresInARow(
        f"component: {vendor.provider} uptime reads",
        "the rest of this resync's turn is skipped",
    )
    for key in turn:
        page_id, component_id = key
        rotation.read(vendor.provider, key)
        try:
            uptime = await vendor.component_uptime(page_id, component_id, settings.days)
        except VendorError as error:
            logger.warning(
                f"component: the uptime of {vendor.provider} component {component_id} "
                f"(page {page_id}) could not be read; Port keeps its last value: {error}"
            )
            if failures.failed():
                break
            continue
        failures.succeeded()
        if uptime is not None:
            read[key] = uptime
    logger.info(
        f"component: read the {settings.days}-day uptime of {len(read)} "
        f"{vendor.provider} component(s), {len(turn)} of {len(eligible)} in this turn"
    )
    return read


async def _eligible(vendor: Vendor, memo: FetchMemo) -> list[ComponentKey]:
    """The selected pages' components the vendor computes an uptime for. A list that fails
    is left out here; the component kind names it."""
    try:
        pages, _ = select_pages(vendor, await memo.pages(vendor))
    except VendorError:
        return []
    eligible: list[ComponentKey] = []
    for page in pages:
        try:
            async for components in memo.reads(vendor).page_list(
                PageList.COMPONENTS, page["id"]
            ):
                eligible += [
                    (page["id"], component["id"])
                    for component in components
                    if vendor.uptime_eligible(component)
                ]
        except VendorError:
            continue
    return eligible
