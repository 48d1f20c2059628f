"""Where Ocean ships its logs, sync metrics and lakehouse data (URLs the integration
record hands out). Logs are kept so tests can check what the integration logged."""

from typing import Annotated

from fastapi import APIRouter, Body

from sandbox.port.dependencies import State
from sandbox.port.model import JsonObject

JsonBody = Annotated[JsonObject, Body()]

router = APIRouter(prefix="/ingest")


@router.post("/logs")
async def ingest_logs(state: State, body: JsonBody) -> JsonObject:
    state.record_logs(body.get("logs", []))
    return {"ok": True}


@router.post("/metrics/syncMetrics")
async def post_sync_metrics(state: State) -> JsonObject:
    state.record_ingest("syncMetrics")
    return {"ok": True}


@router.put("/metrics/syncMetrics/resync/{event_id}/kind/{kind}")
async def put_kind_sync_metrics(event_id: str, kind: str, state: State) -> JsonObject:
    state.record_ingest("kindSyncMetrics")
    return {"ok": True}


@router.post("/metrics/heartbeat")
async def metrics_heartbeat(state: State) -> JsonObject:
    state.record_ingest("heartbeats")
    return {"ok": True}


@router.post("/lakehouse/{path:path}")
async def lakehouse_write(path: str, state: State) -> JsonObject:
    state.record_ingest("lakehouse")
    return {"ok": True}
