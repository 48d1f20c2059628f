"""The emulated Statuspage REST API under /v1.

Lists are bare JSON arrays. Pagination follows Statuspage: components and
component groups take `page` (from 1) and `per_page`, incidents take `page`
(from 1) and `limit`, subscribers take `page` (from 0) and `limit`, and the incident lists
narrowed by status (`/incidents/unresolved`, `/incidents/upcoming`,
`/incidents/active_maintenance`) take `page` and `per_page`. Page sizes
above 100 are capped at 100, a page past the end is an empty array, and a list
asked without paging parameters answers its first 100 items, except components:
those answer everything (Statuspage allows that once a minute; not enforced here). There
is deliberately no list route for incident updates: they come embedded in
incidents.

Each page's public status API, `<page url>/api/v2/status.json`, is served too,
without a key: a page's `url` points at `/public/<subdomain>` here, unless the
page is private (`viewers_must_be_team_members`), whose status API refuses.
"""

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Annotated, Any, Final, Literal, TypeVar

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from .core import EmulatorCore
from .errors import error_response
from .model import JsonObject, PageState, SubscriberType

MAX_PAGE_SIZE: Final = 100
# The incident lists narrowed by status, as the API reference describes them: incidents still
# open (Investigating, Identified or Monitoring), maintenance scheduled but not started, and
# maintenance under way.
INCIDENT_LISTS: Final[dict[str, frozenset[str]]] = {
    "unresolved": frozenset({"investigating", "identified", "monitoring"}),
    "upcoming": frozenset({"scheduled"}),
    "active_maintenance": frozenset({"in_progress", "verifying"}),
}
PUBLIC_PREFIX: Final = "/public"

T = TypeVar("T")
OneBasedPage = Annotated[int | None, Query(ge=1)]
PageSize = Annotated[int | None, Query(ge=1)]
SubscriberStateFilter = Literal["active", "unconfirmed", "quarantined", "all"]


def api_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/pages")
    async def list_pages(request: Request) -> JSONResponse:
        origin = _origin(request)
        with core.reading() as state:
            return JSONResponse(
                [rendered_page(page, origin) for page in state.pages.values()]
            )

    @router.get("/pages/{page_id}")
    async def get_page(page_id: str, request: Request) -> JSONResponse:
        with core.reading() as state:
            return JSONResponse(rendered_page(state.page(page_id), _origin(request)))

    @router.get("/pages/{page_id}/components")
    async def list_components(
        page_id: str, page: OneBasedPage = None, per_page: PageSize = None
    ) -> JSONResponse:
        with core.reading() as state:
            components = list(state.page(page_id).components.values())
            if page is None and per_page is None:
                return JSONResponse(components)
            return JSONResponse(_page_of(components, page or 1, per_page))

    @router.get("/pages/{page_id}/components/{component_id}")
    async def get_component(page_id: str, component_id: str) -> JSONResponse:
        with core.reading() as state:
            return JSONResponse(state.page(page_id).component(component_id))

    @router.get("/pages/{page_id}/components/{component_id}/uptime")
    async def get_component_uptime(
        page_id: str,
        component_id: str,
        start: date | None = None,
        end: date | None = None,
    ) -> JSONResponse:
        try:
            return JSONResponse(
                core.component_uptime(page_id, component_id, start, end)
            )
        except ValueError as problem:
            return error_response(422, str(problem))

    @router.get("/pages/{page_id}/component-groups")
    async def list_component_groups(
        page_id: str, page: OneBasedPage = None, per_page: PageSize = None
    ) -> JSONResponse:
        with core.reading() as state:
            groups = list(state.page(page_id).groups.values())
            return JSONResponse(_page_of(groups, page or 1, per_page))

    @router.get("/pages/{page_id}/incidents")
    async def list_incidents(
        page_id: str, page: OneBasedPage = None, limit: PageSize = None
    ) -> JSONResponse:
        with core.reading() as state:
            page_state = state.page(page_id)
            chosen = _page_of(list(page_state.incidents), page or 1, limit)
            return JSONResponse([page_state.render_incident(i) for i in chosen])

    # Declared before the single incident's route, whose `{incident_id}` would take these.
    for name, statuses in INCIDENT_LISTS.items():
        router.add_api_route(
            f"/pages/{{page_id}}/incidents/{name}",
            _incident_list(core, statuses),
            methods=["GET"],
            name=f"list_{name}_incidents",
        )

    @router.get("/pages/{page_id}/incidents/{incident_id}")
    async def get_incident(page_id: str, incident_id: str) -> JSONResponse:
        with core.reading() as state:
            return JSONResponse(state.page(page_id).render_incident(incident_id))

    @router.get("/pages/{page_id}/subscribers")
    async def list_subscribers(
        page_id: str,
        subscriber_type: Annotated[SubscriberType | None, Query(alias="type")] = None,
        state: SubscriberStateFilter = "active",
        page: Annotated[int, Query(ge=0)] = 0,
        limit: PageSize = None,
    ) -> JSONResponse:
        with core.reading() as sandbox:
            records = [
                record.fields
                for record in sandbox.page(page_id).subscribers.values()
                if state in ("all", record.state)
                and subscriber_type in (None, record.fields["mode"])
            ]
            return JSONResponse(_page_of(records, page + 1, limit))

    @router.post("/pages/{page_id}/subscribers")
    async def create_subscriber(page_id: str, request: Request) -> JSONResponse:
        spec = await _subscriber_spec(request)
        if spec is None:
            return error_response(400, 'Expected a JSON body {"subscriber": {...}}')
        endpoint = spec.get("endpoint")
        if not _is_http_url(endpoint):
            return error_response(422, "Endpoint must be an http(s) URL")
        email = spec.get("email")
        created = core.create_subscriber(
            page_id, str(endpoint), email if isinstance(email, str) else None
        )
        return JSONResponse(created, status_code=201)

    @router.delete("/pages/{page_id}/subscribers/{subscriber_id}")
    async def unsubscribe(page_id: str, subscriber_id: str) -> JSONResponse:
        return JSONResponse(core.unsubscribe(page_id, subscriber_id))

    return router


def _incident_list(
    core: EmulatorCore, statuses: frozenset[str]
) -> Callable[..., Awaitable[JSONResponse]]:
    """A route listing the page's incidents in `statuses`, newest first as /incidents lists
    them, paged by `page` and `per_page`."""

    async def list_incidents(
        page_id: str, page: OneBasedPage = None, per_page: PageSize = None
    ) -> JSONResponse:
        with core.reading() as state:
            page_state = state.page(page_id)
            ids = [
                incident_id
                for incident_id, record in page_state.incidents.items()
                if record.fields["status"] in statuses
            ]
            chosen = _page_of(ids, page or 1, per_page)
            return JSONResponse([page_state.render_incident(i) for i in chosen])

    return list_incidents


def public_router(core: EmulatorCore) -> APIRouter:
    """Every page's public status API; no key, as on Statuspage."""
    router = APIRouter(prefix=PUBLIC_PREFIX)

    @router.get("/{subdomain}/api/v2/status.json")
    async def public_status(subdomain: str, request: Request) -> JSONResponse:
        with core.reading() as state:
            page = next(
                (p for p in state.pages.values() if _subdomain(p) == subdomain), None
            )
            if page is None:
                return error_response(404, "Not Found")
            if page.private:
                return error_response(401, "This page is private")
            updated_at = max(str(page.page["updated_at"]), page.status_changed_at or "")
            return JSONResponse(
                {
                    "page": {
                        "id": page.page_id,
                        "name": page.page["name"],
                        "url": rendered_page(page, _origin(request))["url"],
                        "time_zone": page.page.get("time_zone"),
                        "updated_at": updated_at,
                    },
                    "status": {
                        "indicator": page.status_indicator,
                        "description": page.status_description,
                    },
                }
            )

    return router


def rendered_page(page: PageState, origin: str) -> JsonObject:
    """The page as the API shows it: a public page's `url` is its status page here, unless
    it was set elsewhere."""
    if page.private:
        return {**page.page, "viewers_must_be_team_members": True}
    url = page.url or f"{origin}{PUBLIC_PREFIX}/{_subdomain(page)}"
    return {**page.page, "url": url}


def _subdomain(page: PageState) -> str:
    return str(page.page.get("subdomain") or page.page_id)


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _page_of[T](items: Sequence[T], page: int, size: int | None) -> list[T]:
    """Items of a 1-based page; sizes above the maximum are capped."""
    capped = min(size or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    start = (page - 1) * capped
    return list(items[start : start + capped])


async def _subscriber_spec(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return None
    spec = body.get("subscriber") if isinstance(body, dict) else None
    return spec if isinstance(spec, dict) else None


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)
