"""The emulated PingPong API: one page of the emulator's data set in PingPong's dialect, under
/rest/v1 (see pingpong_objects.py for which page, and how it is rendered).

Every list is a bare JSON array, never paged. `/incidents` lists only ongoing incidents, as
PingPong documents; an incident that resolves leaves it and is still read by id.
`/maintenance` lists every maintenance, upcoming, in progress and complete (PingPong does not
say whether it keeps complete ones). The paths other than `/status` and `/live` are the
integration's inferences (vendors/pingpong/routes.py), served as inferred. Authentication
(`Token`), rate limits, faults and error shapes (`{"detail": ...}`) are the gate's (see
dialect.py).
"""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from . import pingpong_objects as objects
from .core import EmulatorCore
from .dialect import PINGPONG_PREFIX
from .model import NotFoundError


def pingpong_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix=PINGPONG_PREFIX)

    @router.get("/status")
    async def get_status() -> JSONResponse:
        with core.reading() as state:
            return JSONResponse(objects.status(objects.served_page(state)))

    @router.get("/live")
    async def get_live() -> JSONResponse:
        with core.reading() as state:
            return JSONResponse(objects.live(objects.served_page(state)))

    @router.get("/groups")
    async def list_groups() -> JSONResponse:
        with core.reading() as state:
            page = objects.served_page(state)
            return JSONResponse([objects.group(g, page) for g in page.groups.values()])

    @router.get("/components")
    async def list_components() -> JSONResponse:
        with core.reading() as state:
            page = objects.served_page(state)
            return JSONResponse(
                [
                    objects.component(c, page)
                    for c in page.components.values()
                    if not c["group"]
                ]
            )

    @router.get("/components/{component_id}")
    async def get_component(component_id: str) -> JSONResponse:
        with core.reading() as state:
            page = objects.served_page(state)
            found = page.component(component_id)
            if found["group"]:
                raise NotFoundError(f"{component_id} is a group")
            return JSONResponse(objects.component(found, page))

    @router.get("/incidents")
    async def list_incidents() -> JSONResponse:
        with core.reading() as state:
            page = objects.served_page(state)
            return JSONResponse(
                [
                    objects.incident(i, page)
                    for i in page.rendered_incidents()
                    if objects.is_ongoing(i)
                ]
            )

    @router.get("/incidents/{incident_id}")
    async def get_incident(incident_id: str) -> JSONResponse:
        with core.reading() as state:
            page = objects.served_page(state)
            rendered = page.render_incident(incident_id)
            if objects.is_maintenance(rendered):
                raise NotFoundError(f"incident {incident_id} is a maintenance")
            return JSONResponse(objects.incident(rendered, page))

    @router.get("/maintenance")
    async def list_maintenance() -> JSONResponse:
        with core.reading() as state:
            page = objects.served_page(state)
            return JSONResponse(
                [
                    objects.maintenance(i, page)
                    for i in page.rendered_incidents()
                    if objects.is_maintenance(i)
                ]
            )

    @router.get("/maintenance/{maintenance_id}")
    async def get_maintenance(maintenance_id: str) -> JSONResponse:
        with core.reading() as state:
            page = objects.served_page(state)
            rendered = page.render_incident(maintenance_id)
            if not objects.is_maintenance(rendered):
                raise NotFoundError(f"maintenance {maintenance_id} is an incident")
            return JSONResponse(objects.maintenance(rendered, page))

    return router
