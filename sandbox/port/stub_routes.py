"""Read-back and control for people and tests; not part of Port's API.

Requests under `/_stub` are not written to the request log.
"""

from fastapi import APIRouter

from sandbox.port.dependencies import State
from sandbox.port.model import JsonObject

router = APIRouter(prefix="/_stub")


@router.get("/entities")
async def entities(state: State, blueprint: str | None = None) -> list[JsonObject]:
    return state.entities(blueprint)


@router.get("/blueprints")
async def blueprints(state: State) -> list[JsonObject]:
    return state.blueprints()


@router.get("/integrations")
async def integrations(state: State) -> list[JsonObject]:
    return state.integrations()


@router.get("/resync-states")
async def resync_states(
    state: State, integration: str | None = None
) -> list[JsonObject]:
    return state.resync_states(integration)


@router.get("/cursors")
async def cursors(state: State, integration: str | None = None) -> list[JsonObject]:
    return state.cursors(integration)


@router.get("/requests")
async def requests(state: State) -> list[JsonObject]:
    return state.requests()


@router.get("/unhandled")
async def unhandled(state: State) -> list[JsonObject]:
    return state.unhandled()


@router.post("/reset")
async def reset(state: State) -> JsonObject:
    state.reset()
    return {"ok": True}


@router.post("/integrations/{integration}/resync-request")
async def request_resync(integration: str, state: State) -> JsonObject:
    return state.request_resync(integration)
