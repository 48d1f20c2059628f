"""The emulator's write routes, in the three dialects that write: Statuspage's (declare, update
and resolve an incident or maintenance, set a component's status), OnlineOrNot's (create an
incident, post its updates, amend it, set a component's status, schedule a maintenance and
read it back) and incident.io's (create a status-page incident or maintenance, each once per
idempotency key, and post an incident's updates), per their references. PingPong's write paths
are unconfirmed; none is served.

A body the vendor would refuse is answered 422 (Statuspage, incident.io) or 400 (OnlineOrNot)
with a message in the dialect's error shape; an unknown page or incident is 404.
Authentication, rate limits and faults are the gate's, as for reads.
"""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final, NoReturn, cast, get_args

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from . import incidentio_objects
from . import onlineornot_objects as objects
from .core import EmulatorCore
from .dialect import INCIDENTIO, INCIDENTIO_PREFIX, ONLINEORNOT
from .errors import error_response
from .model import (
    COMPONENT_STATUSES,
    IMPACTS,
    ComponentStatus,
    Impact,
    IncidentStatus,
    JsonObject,
    NotFoundError,
)

_INCIDENT_STATUSES: Final = get_args(IncidentStatus)
# Statuspage's words for OnlineOrNot's (whose own for Statuspage's are onlineornot_objects').
_COMPONENT_STATUS_OF: Final = {
    **{oon: sp for sp, oon in objects.COMPONENT_STATUS.items()},
    "NO_IMPACT": "operational",
}
_IMPACT_OF: Final = {
    **{oon: sp for sp, oon in objects.IMPACT.items()},
    "MAINTENANCE": "none",
}
# What an incident's components weigh, when OnlineOrNot derives its impact from them.
_IMPACT_OF_COMPONENT: Final = {
    "major_outage": "critical",
    "partial_outage": "major",
    "degraded_performance": "minor",
}
# Statuspage's words for the component statuses an incident.io incident can give (a component
# is under maintenance only through a maintenance).
_INCIDENTIO_STATUS_OF: Final = {
    io: sp
    for sp, io in incidentio_objects.COMPONENT_STATUS.items()
    if sp != "under_maintenance"
}
# Where a created object keeps the idempotency key it was created with.
_IDEMPOTENCY: Final = ("incidentio", "idempotency_key")
_ONLINEORNOT_CREATE_STATUSES: Final = {
    "INVESTIGATING": "investigating",
    "IDENTIFIED": "identified",
    "MONITORING": "monitoring",
    "RESOLVED": "resolved",
    "UPDATE": "investigating",
}


class Refused(ValueError):
    """A body the vendor would refuse; the message says why."""


Answer = Callable[[], Any]


def statuspage_writes_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.post("/pages/{page_id}/incidents")
    async def declare(page_id: str, request: Request) -> JSONResponse:
        spec = await _wrapped(request, "incident")

        def declared() -> JsonObject:
            status = _choice(spec.get("status", "investigating"), _INCIDENT_STATUSES)
            return core.add_incident(
                page_id,
                name=_text(spec.get("name"), "Name can't be blank"),
                status=cast(IncidentStatus, status),
                impact="none" if status == "scheduled" else "minor",
                body=_optional(spec.get("body")),
                component_ids=tuple(_ids(spec.get("component_ids", []))),
                component_statuses=_statuses(spec.get("components", {})),
                impact_override=_impact(spec.get("impact_override")),
                metadata=_metadata(spec.get("metadata", {})),
                scheduled=_schedule(spec) if status == "scheduled" else None,
            )

        return _statuspage(declared, 201)

    @router.patch("/pages/{page_id}/incidents/{incident_id}")
    async def update(page_id: str, incident_id: str, request: Request) -> JSONResponse:
        spec = await _wrapped(request, "incident")

        def updated() -> JsonObject:
            with core.reading() as state:
                current = state.page(page_id).incident(incident_id).fields["status"]
            listed = spec.get("component_ids")
            status = _choice(spec.get("status", current), _INCIDENT_STATUSES)
            return core.add_incident_update(
                page_id,
                incident_id,
                cast(IncidentStatus, status),
                _optional(spec.get("body")),
                component_statuses=_statuses(spec.get("components", {})),
                component_ids=None if listed is None else _ids(listed),
            )

        return _statuspage(updated)

    @router.patch("/pages/{page_id}/components/{component_id}")
    async def set_status(
        page_id: str, component_id: str, request: Request
    ) -> JSONResponse:
        spec = await _wrapped(request, "component")

        def changed() -> JsonObject:
            status = _choice(spec.get("status"), COMPONENT_STATUSES)
            core.set_component_status(
                page_id, component_id, cast(ComponentStatus, status)
            )
            with core.reading() as state:
                return dict(state.page(page_id).component(component_id))

        return _statuspage(changed)

    return router


def onlineornot_writes_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix="/v1/status_pages")

    @router.post("/{page_id}/incidents")
    async def create_incident(page_id: str, request: Request) -> JSONResponse:
        body = await _object(request)

        def created() -> JsonObject:
            statuses = _affected(body.get("components", []))
            status = _ONLINEORNOT_CREATE_STATUSES.get(str(body.get("status")))
            if status is None:
                _refuse(
                    f"status must be one of {', '.join(_ONLINEORNOT_CREATE_STATUSES)}"
                )
            incident = core.add_incident(
                page_id,
                name=_title(body.get("title")),
                status=cast(IncidentStatus, status),
                impact=_heaviest_impact(statuses.values()),
                body=_text(body.get("description"), "description is required"),
                component_statuses=statuses,
            )
            return objects.incident_detail(incident)

        return _onlineornot(created, 201)

    @router.patch("/{page_id}/incidents/{incident_id}")
    async def amend_incident(
        page_id: str, incident_id: str, request: Request
    ) -> JSONResponse:
        body = await _object(request)

        def amended() -> JsonObject:
            impact = body.get("impact")
            if impact is not None and impact not in _IMPACT_OF:
                _refuse("impact is not one of OnlineOrNot's impacts")
            incident = core.amend_incident(
                page_id,
                incident_id,
                _title(body.get("title")),
                None if impact is None else cast(Impact, _IMPACT_OF[impact]),
            )
            return objects.incident_detail(incident)

        return _onlineornot(amended)

    @router.post("/{page_id}/incidents/{incident_id}/updates")
    async def post_update(
        page_id: str, incident_id: str, request: Request
    ) -> JSONResponse:
        body = await _object(request)

        def posted() -> JsonObject:
            with core.reading() as state:
                current = state.page(page_id).incident(incident_id).fields["status"]
            # UPDATE is a note that keeps the incident's status.
            status = str(body.get("status", "")).lower()
            status = current if status == "update" else status
            incident = core.add_incident_update(
                page_id,
                incident_id,
                cast(IncidentStatus, _choice(status, _INCIDENT_STATUSES)),
                _text(body.get("description"), "description is required"),
                component_statuses=_affected(body.get("components_affected", [])),
            )
            return objects.update(incident["incident_updates"][0])

        return _onlineornot(posted, 201)

    @router.patch("/{page_id}/components/{component_id}")
    async def set_status(
        page_id: str, component_id: str, request: Request
    ) -> JSONResponse:
        body = await _object(request)

        def changed() -> JsonObject:
            status = _COMPONENT_STATUS_OF.get(str(body.get("status")))
            if status is None:
                _refuse("status is not one of OnlineOrNot's component statuses")
            core.set_component_status(
                page_id, component_id, cast(ComponentStatus, status)
            )
            with core.reading() as state:
                return objects.component(state.page(page_id).component(component_id))

        return _onlineornot(changed)

    @router.post("/{page_id}/scheduled_maintenance")
    async def schedule(page_id: str, request: Request) -> JSONResponse:
        body = await _object(request)

        def scheduled() -> JsonObject:
            starts = _moment(body.get("start_date"), "start_date")
            minutes = body.get("duration_minutes")
            if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
                _refuse("duration_minutes must be a whole number of at least 1")
            incident = core.add_incident(
                page_id,
                name=_title(body.get("title")),
                status="scheduled",
                impact="none",
                body=_text(body.get("description"), "description is required"),
                component_ids=tuple(_ids(body.get("components_affected", []))),
                scheduled=(starts, starts + timedelta(minutes=minutes)),
            )
            return objects.maintenance(incident)

        return _onlineornot(scheduled, 201)

    @router.get("/{page_id}/scheduled_maintenance/{maintenance_id}")
    async def get_maintenance(page_id: str, maintenance_id: str) -> JSONResponse:
        with core.reading() as state:
            incident = state.page(page_id).render_incident(maintenance_id)
        if not incident.get("scheduled_for"):
            raise NotFoundError(f"maintenance {maintenance_id} not found")
        return _envelope(objects.maintenance(incident))

    return router


def incidentio_writes_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix=INCIDENTIO_PREFIX)

    @router.post("/status_page_incidents")
    async def create_incident(request: Request) -> JSONResponse:
        body = await _object(request)

        def created() -> JsonObject:
            statuses = _component_statuses(body.get("component_statuses", []))
            status = _choice(body.get("incident_status"), _INCIDENT_STATUSES)
            return incidentio_objects.incident(
                _created_once(
                    core,
                    body,
                    name=_text(body.get("name"), "name is required"),
                    status=cast(IncidentStatus, status),
                    impact=_heaviest_impact(statuses.values()),
                    component_statuses=statuses,
                )
            )

        return _incidentio("status_page_incident", created)

    @router.post("/status_page_incident_updates")
    async def post_update(request: Request) -> JSONResponse:
        body = await _object(request)

        def posted() -> JsonObject:
            incident_id = _text(
                body.get("status_page_incident_id"),
                "status_page_incident_id is required",
            )
            status = _choice(body.get("incident_status"), _INCIDENT_STATUSES)
            statuses = _component_statuses(body.get("component_statuses", []))
            if status == "resolved" and statuses:
                _refuse("component_statuses must not be set when resolving")
            with core.reading() as state:
                pages = [p for p in state.pages.values() if incident_id in p.incidents]
            if not pages:
                raise NotFoundError(f"{incident_id} not found")
            incident = core.add_incident_update(
                pages[0].page_id,
                incident_id,
                cast(IncidentStatus, status),
                _text(body.get("message"), "message is required"),
                component_statuses=statuses,
            )
            update: JsonObject = incidentio_objects.incident(incident)["updates"][0]
            return update

        return _incidentio("status_page_incident_update", posted)

    @router.post("/status_page_maintenances")
    async def create_maintenance(request: Request) -> JSONResponse:
        body = await _object(request)

        def created() -> JsonObject:
            if body.get("maintenance_status") != "maintenance_scheduled":
                _refuse("maintenance_status must be maintenance_scheduled")
            starts = _moment(body.get("start_at"), "start_at")
            ends = _moment(body.get("end_at"), "end_at")
            if ends <= starts:
                _refuse("end_at must be after start_at")
            return incidentio_objects.maintenance(
                _created_once(
                    core,
                    body,
                    name=_text(body.get("name"), "name is required"),
                    status="scheduled",
                    impact="none",
                    component_ids=tuple(_ids(body.get("affected_component_ids", []))),
                    scheduled=(starts, ends),
                )
            )

        return _incidentio("status_page_maintenance", created)

    return router


def _created_once(core: EmulatorCore, body: JsonObject, **fields: Any) -> JsonObject:
    """The incident (or maintenance) created with the body's idempotency key: the one an
    earlier create with that key made, or else a new one."""
    key = _text(body.get("idempotency_key"), "idempotency_key is required")
    page_id = _text(body.get("status_page_id"), "status_page_id is required")
    owner, name = _IDEMPOTENCY
    with core.reading() as state:
        page = state.page(page_id)
        for incident_id, record in page.incidents.items():
            if record.fields.get("metadata", {}).get(owner, {}).get(name) == key:
                return page.render_incident(incident_id)
    return core.add_incident(
        page_id,
        body=_text(body.get("message"), "message is required"),
        metadata={owner: {name: key}},
        **fields,
    )


def _component_statuses(value: object) -> dict[str, ComponentStatus]:
    """incident.io's `[{component_id, component_status}]`, in Statuspage's words."""
    return _listed_statuses(
        value,
        ("component_id", "component_status"),
        _INCIDENTIO_STATUS_OF,
        "component_statuses must be a list",
        "each component status needs a component_id and a component_status",
    )


def _incidentio(field: str, answer: Answer) -> JSONResponse:
    """The created object under `field`, 201, or incident.io's 422 for a body it refuses."""
    try:
        return JSONResponse({field: answer()}, status_code=201)
    except ValueError as refused:
        return INCIDENTIO.error(422, str(refused))


def _statuspage(answer: Answer, status: int = 200) -> JSONResponse:
    """The answer as Statuspage gives it, or its 422 for a body it refuses. An unknown page
    or object is the error handlers' 404."""
    try:
        return JSONResponse(answer(), status_code=status)
    except ValueError as refused:
        return error_response(422, str(refused))


def _onlineornot(answer: Answer, status: int = 200) -> JSONResponse:
    """The answer in OnlineOrNot's envelope, or its 400 for a body it refuses."""
    try:
        return _envelope(answer(), status)
    except ValueError as refused:
        return ONLINEORNOT.error(400, str(refused))


def _envelope(result: Any, status: int = 200) -> JSONResponse:
    body = {"result": result, "success": True, "errors": [], "messages": []}
    return JSONResponse(body, status_code=status)


async def _object(request: Request) -> JsonObject:
    try:
        body = await request.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {}


async def _wrapped(request: Request, name: str) -> JsonObject:
    """Statuspage's `{"<name>": {...}}` body's inner object (empty when absent)."""
    inner = (await _object(request)).get(name)
    return inner if isinstance(inner, dict) else {}


def _refuse(message: str) -> NoReturn:
    raise Refused(message)


def _text(value: object, problem: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _refuse(problem)
    return str(value)


def _optional(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _title(value: object) -> str:
    title = _text(value, "title is required")
    if len(title) > 256:
        _refuse("title must be at most 256 characters")
    return title


def _choice(value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        _refuse(f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _ids(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
        _refuse("component ids must be a list of strings")
    return [str(i) for i in value]


def _statuses(value: object) -> dict[str, ComponentStatus]:
    if not isinstance(value, dict):
        _refuse("components must map component ids to statuses")
    return {
        str(cid): cast(ComponentStatus, _choice(status, COMPONENT_STATUSES))
        for cid, status in value.items()
    }


def _affected(value: object) -> dict[str, ComponentStatus]:
    """OnlineOrNot's `[{id, status}]`, in Statuspage's words."""
    return _listed_statuses(
        value,
        ("id", "status"),
        _COMPONENT_STATUS_OF,
        "components must be a list of {id, status}",
        "each component needs an id and one of OnlineOrNot's statuses",
    )


def _listed_statuses(
    value: object,
    fields: tuple[str, str],
    words: Mapping[str, str],
    not_a_list: str,
    bad_entry: str,
) -> dict[str, ComponentStatus]:
    """A dialect's list of `{<id field>: ..., <status field>: ...}`, each status in its own
    words (`words`: theirs to Statuspage's), as Statuspage's component statuses by id.
    """
    if not isinstance(value, list):
        _refuse(not_a_list)
    id_field, status_field = fields
    statuses: dict[str, ComponentStatus] = {}
    for entry in value:
        status = (
            words.get(str(entry.get(status_field)))
            if isinstance(entry, dict) and isinstance(entry.get(id_field), str)
            else None
        )
        if status is None:
            _refuse(bad_entry)
        statuses[entry[id_field]] = cast(ComponentStatus, status)
    return statuses


def _heaviest_impact(statuses: Any) -> Impact:
    weights = [_IMPACT_OF_COMPONENT.get(s, "none") for s in statuses]
    return cast(Impact, max(weights, key=IMPACTS.index, default="none"))


def _impact(value: object) -> Impact | None:
    return None if value is None else cast(Impact, _choice(value, IMPACTS))


def _metadata(value: object) -> JsonObject:
    # Statuspage's metadata is an object of objects: {"jira": {"issue_id": "..."}}.
    if not isinstance(value, dict) or not all(
        isinstance(inner, dict) for inner in value.values()
    ):
        _refuse("metadata must be an object of objects")
    return dict(value)


def _moment(value: object, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        _refuse(f"{name} must be an ISO 8601 time")
    if moment.tzinfo is None:
        _refuse(f"{name} must carry its offset")
    return moment


def _schedule(spec: JsonObject) -> tuple[datetime, datetime]:
    starts = _moment(spec.get("scheduled_for"), "scheduled_for")
    ends = _moment(spec.get("scheduled_until"), "scheduled_until")
    if ends <= starts:
        _refuse("scheduled_until must be after scheduled_for")
    return starts, ends
