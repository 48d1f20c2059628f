"""A running emulator: the core plus uvicorn serving it from a background thread.

    with StatuspageEmulator(EmulatorConfig()) as emu:
        httpx.get(f"{emu.base_url}/v1/pages", headers={"Authorization": "OAuth ..."})

`base_url` is the origin (http://127.0.0.1:PORT); API paths start with /v1,
exactly like https://api.statuspage.io. `api_url` is the same with /v1 added,
for clients configured with the versioned prefix. The port is chosen by the
operating system when the server starts, and it only listens on 127.0.0.1.
"""

import time
from types import TracebackType
from typing import Self

from sandbox.serving import LoopbackServer

from .app import create_app
from .config import EmulatorConfig
from .core import EmulatorCore
from .limits import Clock


class StatuspageEmulator(EmulatorCore):
    """EmulatorCore served over HTTP; use as a context manager or start()/stop()."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        clock: Clock = time.monotonic,
        start_timeout: float = 10.0,
        stop_timeout: float = 10.0,
    ) -> None:
        super().__init__(config, clock=clock)
        self._http = LoopbackServer(
            create_app(self),
            "Statuspage emulator",
            start_timeout=start_timeout,
            stop_timeout=stop_timeout,
        )

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def base_url(self) -> str:
        return self._http.url

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1"

    def start(self) -> Self:
        self.end_shutdown()
        self._http.start()
        return self

    def stop(self) -> None:
        self.begin_shutdown()  # cuts short slow faults and latency
        self._http.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
