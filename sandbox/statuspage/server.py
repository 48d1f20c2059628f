"""A running emulator: the core plus uvicorn serving it from a background thread.

    with StatuspageEmulator(EmulatorConfig()) as emu:
        httpx.get(f"{emu.base_url}/v1/pages", headers={"Authorization": "OAuth ..."})

`base_url` is the origin (http://127.0.0.1:PORT); API paths start with /v1,
exactly like https://api.statuspage.io. `api_url` is the same with /v1 added,
for clients configured with the versioned prefix. The port is chosen by the
operating system when the server starts, and it only listens on 127.0.0.1.
"""

import time
from typing import Self

from sandbox.serving import LoopbackServer

from .app import create_app
from .config import EmulatorConfig
from .core import EmulatorCore
from .limits import Clock


class StatuspageEmulator(EmulatorCore, LoopbackServer):
    """EmulatorCore served over HTTP; use as a context manager or start()/stop()."""

    _name = "status-page emulator"

    def __init__(
        self, config: EmulatorConfig | None = None, *, clock: Clock = time.monotonic
    ) -> None:
        EmulatorCore.__init__(self, config, clock=clock)
        LoopbackServer.__init__(self, create_app(self))

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1"

    def start(self) -> Self:
        self.end_shutdown()
        return LoopbackServer.start(self)

    def stop(self) -> None:
        self.begin_shutdown()  # cuts short slow faults and latency
        LoopbackServer.stop(self)
