"""The /_sandbox control API: steer the emulator from another process.

No auth, loopback clients only (enforced by the gate). Each route is a thin
wrapper over an EmulatorCore method of the same purpose.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from .core import EmulatorCore
from .faults import FaultKind
from .gate import CONTROL_PREFIX
from .model import ComponentStatus, Impact, IncidentStatus
from .webhooks import Notification, require_loopback, send_async


class RateLimitSpec(BaseModel):
    limit: int = Field(ge=0)
    window_seconds: float = Field(gt=0)
    status: int | None = None


class LatencySpec(BaseModel):
    seconds: float = Field(ge=0)


class FaultSpec(BaseModel):
    pattern: str
    kind: FaultKind
    count: int = Field(default=1, ge=1)
    status: int = 500
    seconds: float = 0.0
    method: str | None = None
    retry_after: str | None = None


class NewIncident(BaseModel):
    name: str | None = None
    status: IncidentStatus = "investigating"
    impact: Impact = "minor"
    component_ids: list[str] = Field(default_factory=list)
    body: str | None = None


class NewIncidentUpdate(BaseModel):
    status: IncidentStatus
    body: str | None = None


class ComponentStatusChange(BaseModel):
    status: ComponentStatus


class WebhookTarget(BaseModel):
    """Send to `url`, or to every webhook subscriber of the page when omitted."""

    url: str | None = None


def control_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix=CONTROL_PREFIX)

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/log")
    async def request_log() -> list[dict[str, Any]]:
        return [entry.as_json() for entry in core.log]

    @router.get("/counters")
    async def counters() -> dict[str, Any]:
        return core.counters.as_json()

    @router.post("/reset")
    async def reset() -> dict[str, str]:
        core.reset_observations()
        return {"status": "reset"}

    @router.put("/rate-limit")
    async def set_rate_limit(spec: RateLimitSpec) -> dict[str, str]:
        with _invalid_as_422():
            core.set_rate_limit(spec.limit, spec.window_seconds, spec.status)
        return {"status": "updated"}

    @router.put("/latency")
    async def set_latency(spec: LatencySpec) -> dict[str, str]:
        core.set_latency(spec.seconds)
        return {"status": "updated"}

    @router.get("/faults")
    async def pending_faults() -> list[dict[str, Any]]:
        return [asdict(fault) for fault in core.pending_faults()]

    @router.post("/faults", status_code=201)
    async def inject_fault(spec: FaultSpec) -> dict[str, str]:
        with _invalid_as_422():
            core.inject_fault(
                spec.pattern,
                spec.kind,
                count=spec.count,
                status=spec.status,
                seconds=spec.seconds,
                method=spec.method,
                retry_after=spec.retry_after,
            )
        return {"status": "armed"}

    @router.delete("/faults")
    async def clear_faults() -> dict[str, str]:
        core.clear_faults()
        return {"status": "cleared"}

    @router.get("/pages/{page_id}/status")
    async def page_status(page_id: str) -> dict[str, str]:
        indicator, description = core.page_status(page_id)
        return {"status_indicator": indicator, "status_description": description}

    @router.post("/pages/{page_id}/incidents", status_code=201)
    async def add_incident(page_id: str, spec: NewIncident) -> dict[str, Any]:
        with _invalid_as_422():
            return core.add_incident(
                page_id,
                name=spec.name,
                status=spec.status,
                impact=spec.impact,
                component_ids=tuple(spec.component_ids),
                body=spec.body,
            )

    @router.post("/pages/{page_id}/incidents/{incident_id}/updates")
    async def add_incident_update(
        page_id: str, incident_id: str, spec: NewIncidentUpdate
    ) -> dict[str, Any]:
        with _invalid_as_422():
            return core.add_incident_update(
                page_id, incident_id, spec.status, spec.body
            )

    @router.delete("/pages/{page_id}/incidents/{incident_id}")
    async def remove_incident(page_id: str, incident_id: str) -> dict[str, Any]:
        return core.remove_incident(page_id, incident_id)

    @router.put("/pages/{page_id}/components/{component_id}/status")
    async def set_component_status(
        page_id: str, component_id: str, spec: ComponentStatusChange
    ) -> dict[str, Any]:
        with _invalid_as_422():
            return core.set_component_status(page_id, component_id, spec.status)

    @router.post("/pages/{page_id}/incidents/{incident_id}/webhooks")
    async def incident_webhooks(
        page_id: str, incident_id: str, target: WebhookTarget
    ) -> JSONResponse:
        if target.url is None:
            return await _deliver(core.incident_notifications(page_id, incident_id))
        payload = core.incident_webhook_payload(page_id, incident_id)
        return await _deliver_to(target.url, payload)

    @router.post("/pages/{page_id}/components/{component_id}/webhooks")
    async def component_webhooks(
        page_id: str, component_id: str, target: WebhookTarget
    ) -> JSONResponse:
        if target.url is None:
            return await _deliver(core.component_notifications(page_id, component_id))
        payload = core.component_webhook_payload(page_id, component_id)
        return await _deliver_to(target.url, payload)

    return router


async def _deliver_to(url: str, payload: dict[str, Any]) -> JSONResponse:
    with _invalid_as_422():
        require_loopback(url)
    return await _deliver([Notification(url, payload)])


async def _deliver(notifications: list[Notification]) -> JSONResponse:
    # Sent from the server's own loop: a receiver that calls back into the
    # emulator while handling the POST must not find it blocked.
    deliveries = [await send_async(n) for n in notifications]
    return JSONResponse({"deliveries": [d.as_json() for d in deliveries]})


@contextmanager
def _invalid_as_422() -> Iterator[None]:
    try:
        yield
    except ValueError as problem:
        raise HTTPException(status_code=422, detail=str(problem)) from problem
