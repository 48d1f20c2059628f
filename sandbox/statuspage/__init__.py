"""A Statuspage API emulator for tests and the demo.

In tests:

    with StatuspageEmulator(EmulatorConfig(api_keys=("KEY",))) as emu:
        httpx.get(f"{emu.base_url}/v1/pages", headers={"Authorization": "OAuth KEY"})

From a shell: `python -m sandbox.statuspage --api-key KEY` prints `READY <base_url>`.

`<base_url>` is the origin, http://127.0.0.1:PORT, and every API path starts with
/v1, as on api.statuspage.io; `emu.api_url` is the same with /v1 appended. The
control API under `<base_url>/_sandbox` (see control.py) changes data, rate
limits, latency and faults, reads the request log and sends webhooks.
"""

from .config import DataConfig, EmulatorConfig, RateLimitConfig
from .server import StatuspageEmulator

__all__ = ["DataConfig", "EmulatorConfig", "RateLimitConfig", "StatuspageEmulator"]
