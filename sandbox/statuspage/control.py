"""The /_sandbox routes: what the emulator was asked, for a person running it by hand.

No auth, loopback clients only (enforced by the gate). The emulator is driven (data
changes, faults, rate limits, latency, webhooks) through EmulatorCore's methods, in the
process that runs it; these routes only read.
"""

from typing import Any

from fastapi import APIRouter

from .core import EmulatorCore
from .gate import CONTROL_PREFIX


def control_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix=CONTROL_PREFIX)

    @router.get("/log")
    async def request_log() -> list[dict[str, Any]]:
        return [entry.as_json() for entry in core.log]

    @router.get("/counters")
    async def counters() -> dict[str, Any]:
        return core.counters.as_json()

    return router
