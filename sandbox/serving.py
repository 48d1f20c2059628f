"""An ASGI app served by uvicorn from a background thread, on 127.0.0.1 only.

The base of the sandbox's servers (the status-page emulator, the Port stand-in): both start
and stop within bounded time, as context managers or by start()/stop(), and listen on a port
the OS picks unless one is asked for.
"""

import socket
import threading
import time
from typing import Any, Self

import uvicorn

LOOPBACK = "127.0.0.1"
_POLL_SECONDS = 0.01
_TIMEOUT_SECONDS = 10.0


class ServerError(RuntimeError):
    """A sandbox server did not start or stop in time."""


class LoopbackServer:
    _name = "sandbox server"

    def __init__(self, app: Any, port: int = 0) -> None:
        self._app = app
        self._requested_port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        if self._socket is None:
            raise ServerError(f"the {self._name} is not running")
        port: int = self._socket.getsockname()[1]
        return port

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> Self:
        if self._thread is not None:
            raise ServerError(f"the {self._name} is already running")
        # An explicit IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections;
        # without it, answers on a kept-alive connection stall ~40 ms on delayed ACKs.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self._requested_port))
        server = uvicorn.Server(
            uvicorn.Config(
                self._app,
                log_config=None,
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=1,
            )
        )
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [listener]},
            name=self._name,
            daemon=True,
        )
        self._server, self._thread, self._socket = server, thread, listener
        thread.start()
        deadline = time.monotonic() + _TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ServerError(
                    f"the {self._name} did not start listening on {LOOPBACK}"
                )
            time.sleep(_POLL_SECONDS)
        return self

    def stop(self) -> None:
        server, thread, listener = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(_TIMEOUT_SECONDS)
        if thread.is_alive():
            server.force_exit = True
            thread.join(_TIMEOUT_SECONDS)
        if listener is not None:
            listener.close()
        if thread.is_alive():
            raise ServerError(f"the {self._name} did not stop in time")
