"""The Port stand-in as an ASGI app: Port's routes, the ingest side channels, read-back.

Every request outside `/_stub` is logged in the state (method, path, query, status,
run; never headers or bodies, which carry credentials). A request no route knows is
logged as a warning, kept in `/_stub/unhandled` and answered 404, so a call Ocean makes
that the stub lacks shows up instead of passing unnoticed.
"""

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from sandbox.port import action_routes, ingest_routes, port_routes, stub_routes
from sandbox.port.model import PortApiError, to_port_time, utc_now
from sandbox.port.store import PortState

logger = logging.getLogger("sandbox.port")

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
STUB_PREFIX = "/_stub"


def _describe(request: Request, state: PortState) -> dict[str, object]:
    return {
        "at": to_port_time(utc_now()),
        "run": state.run_for(request.headers.get("authorization")),
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "userAgent": request.headers.get("user-agent", ""),
    }


async def _port_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, PortApiError):
        raise error
    return JSONResponse(
        error.to_body(), status_code=error.status_code, headers=error.headers
    )


async def _unknown_route(request: Request) -> Response:
    state: PortState = request.app.state.port_state
    logger.warning("Port stub has no route for %s %s", request.method, request.url.path)
    state.record_unhandled(_describe(request, state))
    return JSONResponse(
        {
            "ok": False,
            "error": "stub_route_not_found",
            "message": f"Port stub has no route for {request.method} {request.url.path}",
        },
        status_code=404,
    )


def create_app(state: PortState) -> FastAPI:
    app = FastAPI(title="Port API stand-in")
    app.state.port_state = state
    app.add_exception_handler(PortApiError, _port_error)

    @app.middleware("http")
    async def record_request(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(STUB_PREFIX):
            state.record_request(
                {**_describe(request, state), "status": response.status_code}
            )
        return response

    app.include_router(port_routes.auth_router)
    app.include_router(port_routes.router)
    app.include_router(action_routes.router)
    app.include_router(ingest_routes.router)
    app.include_router(stub_routes.router)
    app.add_api_route("/{path:path}", _unknown_route, methods=ALL_METHODS)
    return app
