"""The emulated OnlineOrNot API: the emulator's one data set in OnlineOrNot's dialect, under
/v1/status_pages, and its account-level webhooks under /v1/webhooks.

Every answer is OnlineOrNot's envelope, `{result, success, errors, messages}`; lists add
`result_info` (`page`, `per_page`, `count`, `total_count`). Lists take `page` (from 1) and
`per_page` (default 20, capped at 100). As some of OnlineOrNot's own routes do, the groups and
incidents lists echo `page` and `per_page` as strings. An incident's list item carries its
base fields and latest update; its components and updates come from its detail route.
Authentication, rate limits, faults and error shapes are the gate's (see dialect.py).
"""

from collections.abc import Sequence
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from . import onlineornot_objects as objects
from .core import EmulatorCore
from .dialect import ONLINEORNOT
from .model import JsonObject

MAX_PAGE_SIZE: Final = 100
DEFAULT_PAGE_SIZE: Final = 20
EVENTS: Final = (
    "status_page.incident.started",
    "status_page.incident.updated",
    "status_page.incident.resolved",
)

PageNumber = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1)]


def onlineornot_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/status_pages")
    async def list_status_pages(
        page: PageNumber = 1, per_page: PageSize = DEFAULT_PAGE_SIZE
    ) -> JSONResponse:
        with core.reading() as state:
            pages = [objects.status_page(p) for p in state.pages.values()]
        return _page_of(pages, page, per_page)

    @router.get("/status_pages/{page_id}")
    async def get_status_page(page_id: str) -> JSONResponse:
        with core.reading() as state:
            return _answer(objects.status_page(state.page(page_id)))

    @router.get("/status_pages/{page_id}/components")
    async def list_components(
        page_id: str, page: PageNumber = 1, per_page: PageSize = DEFAULT_PAGE_SIZE
    ) -> JSONResponse:
        with core.reading() as state:
            members = [
                objects.component(c)
                for c in state.page(page_id).components.values()
                if not c["group"]
            ]
        return _page_of(members, page, per_page)

    @router.get("/status_pages/{page_id}/components/{component_id}")
    async def get_component(page_id: str, component_id: str) -> JSONResponse:
        with core.reading() as state:
            found = state.page(page_id).component(component_id)
            if found["group"]:
                return ONLINEORNOT.error(404, "Not Found")
            return _answer(objects.component(found))

    @router.get("/status_pages/{page_id}/groups")
    async def list_groups(
        page_id: str, page: PageNumber = 1, per_page: PageSize = DEFAULT_PAGE_SIZE
    ) -> JSONResponse:
        with core.reading() as state:
            groups = [objects.group(g) for g in state.page(page_id).groups.values()]
        return _page_of(groups, page, per_page, as_strings=True)

    @router.get("/status_pages/{page_id}/incidents")
    async def list_incidents(
        page_id: str, page: PageNumber = 1, per_page: PageSize = DEFAULT_PAGE_SIZE
    ) -> JSONResponse:
        with core.reading() as state:
            incidents = [
                objects.listed_incident(i)
                for i in state.page(page_id).rendered_incidents()
            ]
        return _page_of(incidents, page, per_page, as_strings=True)

    @router.get("/status_pages/{page_id}/incidents/{incident_id}")
    async def get_incident(page_id: str, incident_id: str) -> JSONResponse:
        with core.reading() as state:
            incident = state.page(page_id).render_incident(incident_id)
            return _answer(objects.incident_detail(incident))

    @router.get("/webhooks")
    async def list_webhooks(
        page: PageNumber = 1, per_page: PageSize = DEFAULT_PAGE_SIZE
    ) -> JSONResponse:
        return _page_of(core.onlineornot_webhooks(), page, per_page)

    @router.post("/webhooks")
    async def create_webhook(request: Request) -> JSONResponse:
        spec = await _webhook_spec(request)
        if isinstance(spec, str):
            return ONLINEORNOT.error(400, spec)
        try:
            created = core.create_onlineornot_webhook(**spec)
        except ValueError as problem:
            return ONLINEORNOT.error(400, str(problem))
        return _answer(created, status=201)

    @router.delete("/webhooks/{webhook_id}")
    async def delete_webhook(webhook_id: str) -> JSONResponse:
        core.delete_onlineornot_webhook(webhook_id)
        return _answer({"id": webhook_id})

    return router


def _answer(result: Any, status: int = 200, **result_info: Any) -> JSONResponse:
    body: JsonObject = {"result": result, "success": True, "errors": [], "messages": []}
    if result_info:
        body["result_info"] = result_info
    return JSONResponse(body, status_code=status)


def _page_of(
    items: Sequence[JsonObject], page: int, per_page: int, as_strings: bool = False
) -> JSONResponse:
    size = min(per_page, MAX_PAGE_SIZE)
    chosen = list(items[(page - 1) * size : page * size])
    return _answer(
        chosen,
        page=str(page) if as_strings else page,
        per_page=str(size) if as_strings else size,
        count=len(chosen),
        total_count=len(items),
    )


async def _webhook_spec(request: Request) -> dict[str, Any] | str:
    """The create body's fields, or what is wrong with it."""
    try:
        body = await request.json()
    except ValueError:
        return "Expected a JSON body"
    if not isinstance(body, dict):
        return "Expected a JSON object"
    url, events, pages = (
        body.get("url"),
        body.get("events"),
        body.get("status_page_ids"),
    )
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return "url must be an http(s) URL"
    if not isinstance(events, list) or not events or not set(events) <= set(EVENTS):
        return f"events must be a non-empty list of {', '.join(EVENTS)}"
    if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
        return "status_page_ids must be a list of status page ids"
    description = body.get("description")
    return {
        "url": url,
        "events": events,
        "status_page_ids": pages,
        "description": description if isinstance(description, str) else None,
    }
