"""A full resync's kinds run one ahead: asking for a kind starts the kind after it and no other,
each kind runs once and its result comes back when it is asked for, and a resync that stops
leaves no kind running."""

import asyncio
from typing import Any

import pytest

from sync.kinds_ahead import KindsAhead
from tests.support import settle


class Kinds:
    """Kinds that each run until the test lets them end, and say when they started."""

    def __init__(self, *names: str) -> None:
        self.names = list(names)
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.end = {name: asyncio.Event() for name in names}

    async def process(self, name: str, index: int) -> str:
        self.started.append(name)
        try:
            await self.end[name].wait()
        except asyncio.CancelledError:
            self.cancelled.append(name)
            raise
        if name == "broken":
            raise RuntimeError("a bug in a kind")
        return f"{name} #{index}"


def running_kinds() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("resync kind")]


async def test_asking_for_a_kind_starts_the_one_after_it_and_no_further_one() -> None:
    kinds = Kinds("incident", "incident_update", "component")
    ahead = KindsAhead(kinds.names, kinds.process)

    incidents = asyncio.create_task(ahead.result(0))
    await settle()
    assert kinds.started == ["incident", "incident_update"]

    # The kind ahead may end first; its result waits for its turn.
    kinds.end["incident_update"].set()
    await settle()
    assert not incidents.done()
    kinds.end["incident"].set()
    assert await incidents == "incident #0"

    assert await ahead.result(1) == "incident_update #1"
    await settle()
    assert kinds.started == ["incident", "incident_update", "component"]
    kinds.end["component"].set()
    assert await ahead.result(2) == "component #2"
    # Each kind ran once.
    assert kinds.started == ["incident", "incident_update", "component"]
    assert running_kinds() == []


async def test_a_resync_stopped_while_it_waits_for_a_kind_stops_the_kind_ahead_too() -> (
    None
):
    kinds = Kinds("incident", "incident_update", "component")
    ahead = KindsAhead(kinds.names, kinds.process)
    incidents = asyncio.create_task(ahead.result(0))
    await settle()

    incidents.cancel()
    with pytest.raises(asyncio.CancelledError):
        await incidents
    await settle()

    assert kinds.cancelled == ["incident", "incident_update"]
    assert running_kinds() == []


async def test_a_kind_that_breaks_stops_the_kind_ahead_and_the_error_reaches_ocean() -> (
    None
):
    kinds = Kinds("broken", "incident_update")
    ahead = KindsAhead(kinds.names, kinds.process)
    kinds.end["broken"].set()

    with pytest.raises(RuntimeError, match="a bug in a kind"):
        await ahead.result(0)
    await settle()

    assert kinds.cancelled == ["incident_update"]
    assert running_kinds() == []


def test_only_the_resyncs_own_kinds_at_their_places_are_run_ahead() -> None:
    kinds = Kinds("incident", "component")
    ahead = KindsAhead(kinds.names, kinds.process)

    assert ahead.holds(kinds.names[1], 1)
    assert not ahead.holds(kinds.names[1], 0)
    assert not ahead.holds("".join(["compo", "nent"]), 1)  # equal, not the same
    assert not ahead.holds(kinds.names[1], 2)
