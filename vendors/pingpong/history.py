"""PingPong's past incidents, kept in Port although PingPong lists only ongoing ones.

PingPong's one incident list shows the "ongoing incident events that are not resolved": an
incident leaves it as it resolves, and the resync's stale deletion would then delete it from
Port. So, after the lists, the incident kind yields each incident Port holds for PingPong that
neither list shows (what Port holds, read through the sync's `Reads`: one Port search):

- held as resolved or completed: yielded as Port holds it, with its updates (one more Port
  search), at no PingPong request; provided the mapping reads backwards (sync/held_in_port.py),
  else it is re-read as below;
- otherwise (it was ongoing when Port last saw it): re-read by id, which brings its
  resolution. Its impact stays the heaviest it had, as its components recover when it ends;
- a re-read that fails keeps it as Port holds it (or, when the mapping does not read
  backwards, fails the page's incidents, so that Ocean deletes nothing);
- a 404 is asked again after the others. A second 404, while the page reads and the same
  path answers for another incident, means it was deleted upstream, and it goes. Without
  that proof it is kept; if the path answers 404 for an incident its list shows too, the
  path is wrong, and the page's incidents fail naming it.

Cost per resync: one request per incident that left the list since Port last saw it (usually
none), one more per 404, and at most one per path to prove it answers.
"""

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Final, Protocol

from loguru import logger

from client import Item, VendorApiError, VendorError, VendorNotFoundError
from vendors.contract import PortIncidents, Reads, heaviest
from vendors.pingpong.normalise import IDS, PROVIDER, port_id
from vendors.pingpong.routes import ROUTES, Route

# Where an incident or a maintenance ends; Port holding one so, it is not read again.
FINAL_STATUSES: Final = frozenset({"resolved", "completed", "postmortem"})
BATCH_SIZE: Final = 100


class Reader(Protocol):
    async def read_by_id(self, route: Route, vendor_id: str, page_id: str) -> Item:
        """One incident or maintenance, normalised; VendorNotFoundError on a 404."""


class _NotFound:
    """Every path asked answered 404."""


NOT_FOUND: Final = _NotFound()
Read = Item | VendorError | _NotFound


@dataclass
class Listed:
    """What this resync's lists showed: the Port ids, and for each by-id path one vendor id
    the lists showed, to prove that path answers."""

    ids: set[str] = field(default_factory=set)
    samples: dict[Route, str] = field(default_factory=dict)

    def note(self, list_route: Route, vendor_ids: list[str]) -> None:
        self.ids.update(port_id(vendor_id) for vendor_id in vendor_ids)
        by_id = (
            ROUTES.incident
            if list_route == ROUTES.incidents
            else ROUTES.maintenance_item
        )
        if vendor_ids:
            self.samples.setdefault(by_id, vendor_ids[0])


async def past_incidents(
    reader: Reader, page_id: str, listed: Listed, reads: Reads
) -> AsyncIterator[list[Item]]:
    """The incidents Port holds for PingPong that `listed` lacks, as the module says."""
    port = PortIncidents(reads, IDS, PROVIDER, page_id)
    if not port.incidents.mapped:
        return
    past = [
        item
        for identifier, item in sorted((await port.held()).items())
        if identifier not in listed.ids
    ]
    if past:
        sync = _PastIncidents(reader, page_id, listed, port)
        async for batch in sync.run(past):
            yield batch


class _PastIncidents:
    def __init__(
        self,
        reader: Reader,
        page_id: str,
        listed: Listed,
        port: PortIncidents,
    ) -> None:
        self._reader = reader
        self._page_id = page_id
        self._listed = listed
        self._port = port
        self._fields = port.incidents.fields
        self._keepable = port.keepable
        self._answering: set[Route] = set()
        self._doubts: list[str] = []
        self._counts: Counter[str] = Counter()

    async def run(self, past: list[Item]) -> AsyncIterator[list[Item]]:
        final = [item for item in past if self._final(item)]
        to_read = [item for item in past if not self._final(item)]
        if to_read and not self._keepable:
            logger.warning(
                "PingPong: the incident mappings do not read backwards (see "
                f"sync/held_in_port.py), so {len(to_read)} past incident(s) are re-read"
            )
        kept = [await self._as_held(item, "kept") for item in final]
        for start in range(0, len(kept), BATCH_SIZE):
            yield kept[start : start + BATCH_SIZE]
        out, unanswered = [], []
        for item in to_read:
            found = await self._read(item)
            if isinstance(found, _NotFound):
                unanswered.append(item)
            elif (item_now := await self._outcome(item, found)) is not None:
                out.append(item_now)
        for item in unanswered:
            if (item_now := await self._after_404(item)) is not None:
                out.append(item_now)
        for start in range(0, len(out), BATCH_SIZE):
            yield out[start : start + BATCH_SIZE]
        self._report(len(past))

    def _final(self, item: Item) -> bool:
        return self._keepable and item.get("status") in FINAL_STATUSES

    async def _after_404(self, item: Item) -> Item | None:
        found = await self._read(item)
        if not isinstance(found, _NotFound):
            return await self._outcome(item, found)
        if await self._answering_paths(item):
            self._counts["gone"] += 1
            logger.info(
                f"PingPong incident {item['id']} answered 404 twice while its page and "
                "path answer: it was deleted upstream, and leaves Port"
            )
            return None
        doubt = VendorNotFoundError(
            f"{item['id']} answered 404 twice, but no other incident proved the path"
        )
        return await self._outcome(item, doubt)

    async def _outcome(self, item: Item, found: Item | VendorError) -> Item | None:
        """The re-read incident; or, when it could not be read, the incident as Port holds
        it, or else None and a doubt that fails the page's incidents at the end."""
        if isinstance(found, dict):
            self._counts["re-read"] += 1
            self._counts[str(found.get("status"))] += 1
            if found.get("scheduled_for") is None:
                impact = heaviest([found.get("impact"), item.get("impact")])
                found = {**found, "impact": impact}
            return found
        if self._keepable:
            logger.warning(
                f"PingPong incident {item['id']} could not be re-read, so it is kept as "
                f"Port holds it: {found}"
            )
            return await self._as_held(item, "kept after a failed read")
        self._doubts.append(f"{item['id']}: {found}")
        return None

    async def _read(self, item: Item) -> Read:
        vendor_id = str(item["id"]).removeprefix(IDS.prefix)
        for route in self._paths(item):
            try:
                found = await self._reader.read_by_id(route, vendor_id, self._page_id)
            except VendorNotFoundError:
                continue
            except VendorError as error:
                return error
            self._answering.add(route)
            return found
        return NOT_FOUND

    def _paths(self, item: Item) -> list[Route]:
        """Where it is read: a maintenance (it has a window) or an incident; both, in turn,
        when the mapping does not keep `scheduled_for` to tell them apart."""
        if "scheduled_for" in self._fields:
            scheduled = item.get("scheduled_for") is not None
            return [ROUTES.maintenance_item if scheduled else ROUTES.incident]
        return [ROUTES.incident, ROUTES.maintenance_item]

    async def _answering_paths(self, item: Item) -> bool:
        """Whether every path the incident was asked at answered for another incident in
        this resync, trying one the lists showed where none did yet."""
        for route in self._paths(item):
            if route not in self._answering and not await self._prove(route):
                return False
        return True

    async def _prove(self, route: Route) -> bool:
        sample = self._listed.samples.get(route)
        if sample is None:
            return False
        try:
            await self._reader.read_by_id(route, sample, self._page_id)
        except VendorNotFoundError:
            raise VendorNotFoundError(
                f"{route.not_found()} (it answered 404 for {sample}, which its list "
                "shows)"
            ) from None
        except VendorError:
            return False
        self._answering.add(route)
        return True

    async def _as_held(self, item: Item, how: str) -> Item:
        self._counts[how] += 1
        return await self._port.with_updates(item)

    def _report(self, past: int) -> None:
        counts = ", ".join(f"{n} {what}" for what, n in sorted(self._counts.items()))
        logger.info(
            f"PingPong page {self._page_id}: {past} incident(s) Port holds are off the "
            f"ongoing lists: {counts or 'none read'}"
        )
        if self._doubts:
            raise VendorApiError(
                f"{len(self._doubts)} past incident(s) could not be re-read nor kept as "
                "Port holds them, so nothing is deleted in this resync: "
                + "; ".join(self._doubts[:5])
            )
