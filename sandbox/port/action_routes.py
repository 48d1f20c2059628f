"""Port's action routes an integration that runs actions calls (see actions.py), and Port's
route that starts a run, as the UI does."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request

from sandbox.port.actions import Actions
from sandbox.port.dependencies import authenticated_run
from sandbox.port.model import JsonObject

JsonBody = Annotated[JsonObject, Body()]

router = APIRouter(prefix="/v1", dependencies=[Depends(authenticated_run)])


def _actions(request: Request) -> Actions:
    actions: Actions = request.app.state.port_state.actions
    return actions


ActionsState = Annotated[Actions, Depends(_actions)]


# Declared before the routes whose `{run_id}` or `{identifier}` would take these paths.


@router.post("/actions/runs/claim-pending")
async def claim_pending(actions: ActionsState, body: JsonBody) -> JsonObject:
    runs = actions.claim(
        str(body.get("installationId")),
        int(body.get("limit", 0)),
        int(body.get("visibilityTimeoutMs", 60_000)),
        list(body.get("exclude") or []),
    )
    return {"ok": True, "runs": runs}


@router.patch("/actions/runs/ack")
async def ack(actions: ActionsState, body: JsonBody) -> JsonObject:
    actions.ack(str(body.get("runId")))
    return {"ok": True}


@router.post("/workflows/runs/claim-pending")
async def claim_pending_node_runs() -> JsonObject:
    return {"ok": True, "nodeRuns": []}


@router.get("/actions/runs/{run_id}")
async def get_run(run_id: str, actions: ActionsState) -> JsonObject:
    return {"ok": True, "run": actions.run(run_id)}


@router.patch("/actions/runs/{run_id}")
async def patch_run(run_id: str, actions: ActionsState, body: JsonBody) -> JsonObject:
    return {"ok": True, "run": actions.patch(run_id, body)}


@router.post("/actions/runs/{run_id}/logs")
async def post_log(run_id: str, actions: ActionsState, body: JsonBody) -> JsonObject:
    actions.log(run_id, body)
    return {"ok": True}


@router.get("/actions/{identifier}")
async def get_action(identifier: str, actions: ActionsState) -> JsonObject:
    return {"ok": True, "action": actions.definition(identifier)}


@router.post("/actions")
async def create_action(actions: ActionsState, body: JsonBody) -> JsonObject:
    return {"ok": True, "action": actions.create_definition(body)}


@router.put("/actions/{identifier}")
async def replace_action(
    identifier: str, actions: ActionsState, body: JsonBody
) -> JsonObject:
    return {"ok": True, "action": actions.replace_definition(identifier, body)}


@router.post("/actions/{identifier}/runs")
async def execute(identifier: str, actions: ActionsState, body: JsonBody) -> JsonObject:
    inputs = body.get("properties")
    return {
        "ok": True,
        "run": actions.execute(identifier, inputs if isinstance(inputs, dict) else {}),
    }
