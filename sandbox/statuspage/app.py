"""Assembles the emulator's ASGI app: the API routes of every dialect (Statuspage's,
OnlineOrNot's, PingPong's and incident.io's, over one data set), the write routes of those that
write, control routes, the gate."""

from fastapi import FastAPI

from .api import api_router, public_router
from .control import control_router
from .core import EmulatorCore
from .errors import install_error_handlers
from .gate import ApiGate
from .incidentio import incidentio_router
from .onlineornot import onlineornot_router
from .pingpong import pingpong_router
from .writes import (
    incidentio_writes_router,
    onlineornot_writes_router,
    statuspage_writes_router,
)


def create_app(core: EmulatorCore) -> FastAPI:
    app = FastAPI(
        title="Statuspage API emulator",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    api = api_router(core)
    onlineornot = onlineornot_router(core)
    pingpong = pingpong_router(core)
    incidentio = incidentio_router(core)
    public = public_router(core)
    writes = [
        statuspage_writes_router(core),
        onlineornot_writes_router(core),
        incidentio_writes_router(core),
    ]
    for router in (api, onlineornot, pingpong, incidentio, public, *writes):
        app.include_router(router)
    app.include_router(control_router(core))
    install_error_handlers(app)
    routes = [
        *api.routes,
        *onlineornot.routes,
        *pingpong.routes,
        *incidentio.routes,
        *public.routes,
        *(route for router in writes for route in router.routes),
    ]
    app.add_middleware(ApiGate, core=core, api_routes=routes)
    return app
