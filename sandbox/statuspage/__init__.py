"""A status-page API emulator for tests and the demo: one seeded data set, served in
Statuspage's dialect and in OnlineOrNot's.

In tests:

    with StatuspageEmulator(EmulatorConfig(api_keys=("KEY",))) as emu:
        httpx.get(f"{emu.base_url}/v1/pages", headers={"Authorization": "OAuth KEY"})
        httpx.get(f"{emu.base_url}/v1/status_pages", headers={"Authorization": "Bearer KEY"})

From a shell: `python -m sandbox.statuspage --api-key KEY` prints `READY <base_url>`.

`<base_url>` is the origin, http://127.0.0.1:PORT, and every API path starts with
/v1, as on api.statuspage.io and api.onlineornot.com; `emu.api_url` is the same with
/v1 appended. Statuspage's routes are in api.py, OnlineOrNot's in onlineornot.py;
dialect.py says how each authenticates and answers errors. Tests and the demo drive
the emulator (data changes, rate limits, latency, faults, webhooks) through the
EmulatorCore methods; `<base_url>/_sandbox` (see control.py) reads its request log.
"""

from .config import DataConfig, EmulatorConfig, RateLimitConfig
from .server import StatuspageEmulator

__all__ = ["DataConfig", "EmulatorConfig", "RateLimitConfig", "StatuspageEmulator"]
