"""Where Ocean ships its logs, sync metrics and lakehouse data (URLs the integration record
hands out): accepted and dropped, so nothing the integration sends goes unanswered."""

from fastapi import APIRouter

from sandbox.port.model import JsonObject

router = APIRouter(prefix="/ingest")


@router.api_route("/{channel:path}", methods=["POST", "PUT"])
async def ingest(channel: str) -> JsonObject:
    return {"ok": True}
