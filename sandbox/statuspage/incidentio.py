"""The emulated incident.io status-page API: the emulator's one data set in incident.io's
dialect, under /v2 (see incidentio_objects.py for how it is rendered).

Lists take `page_size` (default 25, at most 250: more is refused with 422) and `after`, the id
of the last item read; `pagination_meta.after` is given only while more items remain. A page's
structure is one unpaged object. Authentication (`Bearer`), rate limits (429 with
Retry-After), faults and the error envelope are the gate's (see dialect.py).
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from . import incidentio_objects as objects
from .core import EmulatorCore
from .dialect import INCIDENTIO, INCIDENTIO_PREFIX
from .model import JsonObject, NotFoundError, PageState, SandboxState

MAX_PAGE_SIZE: Final = 250
DEFAULT_PAGE_SIZE: Final = 25

PageSize = Annotated[int, Query()]


def incidentio_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix=INCIDENTIO_PREFIX)

    @router.get("/status_pages")
    async def list_status_pages(
        page_size: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> JSONResponse:
        with core.reading() as state:
            pages = [objects.status_page(p) for p in state.pages.values()]
        return _page_of("status_pages", pages, page_size, after)

    @router.get("/status_page_structures/{page_id}")
    async def get_structure(page_id: str) -> JSONResponse:
        with core.reading() as state:
            return JSONResponse(objects.structure(state.page(page_id)))

    _incident_routes(router, core, "incident", objects.incident, maintenance=False)
    _incident_routes(router, core, "maintenance", objects.maintenance, maintenance=True)

    @router.get("/status_pages/{page_id}/components/{component_id}/availability")
    async def get_availability(
        page_id: str, component_id: str, start_at: datetime, end_at: datetime
    ) -> JSONResponse:
        try:
            uptime = core.component_uptime(
                page_id, component_id, start_at.date(), end_at.date()
            )
        except ValueError as problem:
            return INCIDENTIO.error(422, str(problem))
        return JSONResponse(
            objects.availability(
                uptime, page_id, start_at.isoformat(), end_at.isoformat()
            )
        )

    return router


def _incident_routes(
    router: APIRouter,
    core: EmulatorCore,
    kind: str,
    render: Callable[[JsonObject], JsonObject],
    maintenance: bool,
) -> None:
    """A page's list of status-page incidents (or maintenances), and one by id."""
    field = f"status_page_{kind}"

    @router.get(f"/{field}s")
    async def list_of_page(
        status_page_id: str,
        page_size: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> JSONResponse:
        with core.reading() as state:
            found = _rendered(state.page(status_page_id), render, maintenance)
        return _page_of(f"{field}s", found, page_size, after)

    @router.get(f"/{field}s/{{{kind}_id}}")
    async def one(request: Request) -> JSONResponse:
        with core.reading() as state:
            rendered = _find(state, request.path_params[f"{kind}_id"], maintenance)
            return JSONResponse({field: render(rendered)})


def _rendered(
    page: PageState,
    render: Callable[[JsonObject], JsonObject],
    maintenance: bool,
) -> list[JsonObject]:
    """The page's incidents (or maintenance), newest first, in incident.io's shape."""
    return [
        render(incident)
        for incident in page.rendered_incidents()
        if objects.is_maintenance(incident) == maintenance
    ]


def _find(state: SandboxState, incident_id: str, maintenance: bool) -> JsonObject:
    """An incident (or maintenance) of any page, by id: incident.io's ids are the account's."""
    for page in state.pages.values():
        if incident_id in page.incidents:
            rendered = page.render_incident(incident_id)
            if objects.is_maintenance(rendered) == maintenance:
                return rendered
    raise NotFoundError(f"{incident_id} not found")


def _page_of(
    field: str, items: Sequence[JsonObject], page_size: int, after: str | None
) -> JSONResponse:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        return INCIDENTIO.error(
            422, f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}"
        )
    ids = [item["id"] for item in items]
    if after is not None and after not in ids:
        return INCIDENTIO.error(422, f"after names no item of this list: {after}")
    start = ids.index(after) + 1 if after is not None else 0
    chosen = list(items[start : start + page_size])
    meta: JsonObject = {"page_size": page_size}
    if start + page_size < len(items):
        meta["after"] = chosen[-1]["id"]
    return JSONResponse({field: chosen, "pagination_meta": meta})
