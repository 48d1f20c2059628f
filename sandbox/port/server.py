"""`PortStub`: the Port stand-in served by uvicorn on a background thread.

    with PortStub() as port:
        run_integration(OCEAN__PORT__BASE_URL=port.base_url)
        assert port.entities("statuspageComponent")

It binds 127.0.0.1 on a port the OS picks at start (or the one given), and both
starting and stopping are bounded in time. The read-back methods are the same data
the `/_stub/...` routes serve.
"""

import threading
import time
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Self

import uvicorn

from sandbox.port.app import create_app
from sandbox.port.model import JsonObject
from sandbox.port.store import PortState

LOOPBACK = "127.0.0.1"
POLL_SECONDS = 0.02


class PortStubError(RuntimeError):
    pass


class PortStub:
    def __init__(
        self,
        port: int = 0,
        feature_flags: Sequence[str] = (),
        start_timeout: float = 10.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.state = PortState(feature_flags)
        self._requested_port = port
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise PortStubError("the Port stub is not running")
        return f"http://{LOOPBACK}:{self._port}"

    def start(self) -> Self:
        if self._server is not None:
            raise PortStubError("the Port stub is already running")
        config = uvicorn.Config(
            create_app(self.state),
            host=LOOPBACK,
            port=self._requested_port,
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="port-stub", daemon=True)
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + self._start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise PortStubError(
                    f"the Port stub did not start listening on {LOOPBACK}"
                )
            time.sleep(POLL_SECONDS)
        self._port = server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = self._port = None
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(self._stop_timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(self._stop_timeout)
        if thread.is_alive():
            raise PortStubError("the Port stub did not stop in time")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Read-back and control, as served under /_stub

    def entities(self, blueprint: str | None = None) -> list[JsonObject]:
        return self.state.entities(blueprint)

    def entity_identifiers(self, blueprint: str) -> set[str]:
        return {entity["identifier"] for entity in self.state.entities(blueprint)}

    def blueprints(self) -> list[JsonObject]:
        return self.state.blueprints()

    def integration(self, identifier: str) -> JsonObject:
        return self.state.get_integration(identifier)

    def resync_states(self, integration: str | None = None) -> list[JsonObject]:
        return self.state.resync_states(integration)

    def runs(self) -> list[JsonObject]:
        return self.state.runs()

    def requests(self) -> list[JsonObject]:
        return self.state.requests()

    def unhandled(self) -> list[JsonObject]:
        return self.state.unhandled()

    def logs(self) -> list[JsonObject]:
        return self.state.logs()

    def reset(self) -> None:
        self.state.reset()

    def request_resync(self, integration: str) -> JsonObject:
        return self.state.request_resync(integration)

    def set_integration_config(self, integration: str, config: JsonObject) -> None:
        self.state.patch_integration(integration, {"config": config})

    def set_feature_flags(self, flags: Iterable[str]) -> None:
        self.state.set_feature_flags(flags)
