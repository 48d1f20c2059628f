"""Request-scoped values the routes share: the state, the caller's run, its datasource."""

from typing import Annotated

from fastapi import Depends, Request

from sandbox.port.model import PortApiError
from sandbox.port.store import PortState


def _port_state(request: Request) -> PortState:
    state: PortState = request.app.state.port_state
    return state


State = Annotated[PortState, Depends(_port_state)]


def authenticated_run(request: Request, state: State) -> int:
    """The run the bearer token belongs to; Port answers 401 without a valid token."""
    run_id = state.run_for(request.headers.get("authorization"))
    if run_id is None:
        raise PortApiError(401, "unauthorized", "missing or unknown access token")
    return run_id


RunId = Annotated[int, Depends(authenticated_run)]


def _datasource(request: Request) -> str:
    """Port attributes writes to the caller's User-Agent, Ocean's
    `port-ocean/<type>/<version>/<identifier>/<exporter|gitops>`; stale-entity
    deletion later asks for entities by that datasource."""
    return request.headers.get("user-agent", "")


Datasource = Annotated[str, Depends(_datasource)]
