"""`PortStub`: the Port stand-in served by uvicorn on a background thread.

    with PortStub() as port:
        run_integration(OCEAN__PORT__BASE_URL=port.base_url)
        assert port.entities("statuspageComponent")

It binds 127.0.0.1 on a port the OS picks at start (or the one given), and both
starting and stopping are bounded in time. The read-back methods are the same data
the `/_stub/...` routes serve.
"""

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Self

from sandbox.port.app import create_app
from sandbox.port.faults import FaultRoute, PortFault
from sandbox.port.model import JsonObject
from sandbox.port.store import PortState
from sandbox.serving import LoopbackServer


class PortStub:
    def __init__(
        self,
        port: int = 0,
        feature_flags: Sequence[str] = (),
        start_timeout: float = 10.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.state = PortState(feature_flags)
        self._http = LoopbackServer(
            create_app(self.state),
            "Port stub",
            port=port,
            start_timeout=start_timeout,
            stop_timeout=stop_timeout,
        )

    @property
    def base_url(self) -> str:
        return self._http.url

    def start(self) -> Self:
        self._http.start()
        return self

    def stop(self) -> None:
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

    def cursors(self, integration: str | None = None) -> list[JsonObject]:
        """The incremental-sync cursors Ocean saved, with their kind and index."""
        return self.state.cursors(integration)

    def requests(self) -> list[JsonObject]:
        return self.state.requests()

    def unhandled(self) -> list[JsonObject]:
        return self.state.unhandled()

    def logs(self) -> list[JsonObject]:
        return self.state.logs()

    def reset(self) -> None:
        self.state.reset()

    def inject_fault(
        self,
        route: FaultRoute,
        status: int,
        blueprint: str | None = None,
        times: int | None = None,
    ) -> None:
        """Port answers `status` to the next `times` calls of `route` (for ever when None),
        of `blueprint` only when given (sandbox/port/faults.py)."""
        self.state.inject_fault(PortFault(route, status, blueprint, times))

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def request_resync(self, integration: str) -> JsonObject:
        return self.state.request_resync(integration)

    def set_feature_flags(self, flags: Iterable[str]) -> None:
        self.state.set_feature_flags(flags)
