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

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from . import pingpong_objects as objects
from .core import EmulatorCore
from .dialect import PINGPONG_PREFIX
from .model import JsonObject, NotFoundError, PageState


def pingpong_router(core: EmulatorCore) -> APIRouter:
    router = APIRouter(prefix=PINGPONG_PREFIX)

    def serve(path: str, answer: Callable[[PageState], object]) -> None:
        async def route() -> JSONResponse:
            with core.reading() as state:
                return JSONResponse(answer(objects.served_page(state)))

        router.add_api_route(path, route, methods=["GET"])

    def serve_one(path: str, answer: Callable[[PageState, str], object]) -> None:
        async def route(object_id: str) -> JSONResponse:
            with core.reading() as state:
                return JSONResponse(answer(objects.served_page(state), object_id))

        router.add_api_route(path, route, methods=["GET"])

    def incidents(
        page: PageState, wanted: Callable[[JsonObject], bool]
    ) -> list[JsonObject]:
        return [i for i in page.rendered_incidents() if wanted(i)]

    serve("/status", objects.status)
    serve("/live", objects.live)
    serve(
        "/groups", lambda page: [objects.group(g, page) for g in page.groups.values()]
    )
    serve(
        "/components",
        lambda page: [
            objects.component(c, page)
            for c in page.components.values()
            if not c["group"]
        ],
    )
    serve(
        "/incidents",
        lambda page: [
            objects.incident(i, page) for i in incidents(page, objects.is_ongoing)
        ],
    )
    serve(
        "/maintenance",
        lambda page: [
            objects.maintenance(i, page)
            for i in incidents(page, objects.is_maintenance)
        ],
    )
    serve_one("/components/{object_id}", _component)
    serve_one(
        "/incidents/{object_id}",
        lambda page, object_id: objects.incident(
            _one(page, object_id, maintenance=False), page
        ),
    )
    serve_one(
        "/maintenance/{object_id}",
        lambda page, object_id: objects.maintenance(
            _one(page, object_id, maintenance=True), page
        ),
    )
    return router


def _component(page: PageState, component_id: str) -> JsonObject:
    found = page.component(component_id)
    if found["group"]:
        raise NotFoundError(f"{component_id} is a group")
    return objects.component(found, page)


def _one(page: PageState, incident_id: str, *, maintenance: bool) -> JsonObject:
    """An incident, or a maintenance, by id; the other kind is not found at its path."""
    rendered = page.render_incident(incident_id)
    if objects.is_maintenance(rendered) != maintenance:
        raise NotFoundError(f"{incident_id} is not found here")
    return rendered
