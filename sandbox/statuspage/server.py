"""A running emulator: the core plus uvicorn serving it from a background thread.

    with StatuspageEmulator(EmulatorConfig()) as emu:
        httpx.get(f"{emu.base_url}/v1/pages", headers={"Authorization": "OAuth ..."})

`base_url` is the origin (http://127.0.0.1:PORT); API paths start with /v1,
exactly like https://api.statuspage.io. `api_url` is the same with /v1 added,
for clients configured with the versioned prefix. The port is chosen by the
operating system when the server starts, and it only listens on 127.0.0.1.
"""

import socket
import threading
import time
from types import TracebackType
from typing import Final, Self

import uvicorn

from .app import create_app
from .config import EmulatorConfig
from .core import EmulatorCore
from .limits import Clock

LOOPBACK: Final = "127.0.0.1"
_POLL_SECONDS: Final = 0.01


class EmulatorStartError(RuntimeError):
    """The server did not come up in time."""


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
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not running")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1"

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        # An explicit IPPROTO_TCP makes asyncio set TCP_NODELAY on connections;
        # without it, keep-alive answers stall ~40 ms on delayed ACKs.
        self.end_shutdown()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.bind((LOOPBACK, 0))
        self._socket = listener
        self._port = int(listener.getsockname()[1])
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(self),
                log_config=None,
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=1,
            )
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [listener]}, daemon=True
        )
        self._thread.start()
        self._wait_until_started(server, self._thread)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.begin_shutdown()  # cuts short slow faults and latency
        server.should_exit = True
        thread.join(self._stop_timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(self._stop_timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_until_started(
        self, server: uvicorn.Server, thread: threading.Thread
    ) -> None:
        deadline = time.monotonic() + self._start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise EmulatorStartError(
                    "the Statuspage emulator did not start in time"
                )
            time.sleep(_POLL_SECONDS)
