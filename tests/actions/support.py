"""This integration as an Ocean app in the test's own process, talking to a real Port (the
stand-in) over HTTP: set up as `ocean sail` sets it up (the integration, its blueprints and
mapping made in Port by Ocean's own start-up), with the POLLING listener and actions on, but
no listener started, so a test drives the resync and the execution manager itself."""

from typing import Any, Final

import port_ocean.clients.port.utils as port_http
import port_ocean.context.ocean as ocean_module
from port_ocean.bootstrap import create_default_app
from port_ocean.core.defaults.initialization.initialize import _initialize_defaults
from port_ocean.ocean import Ocean
from port_ocean.utils import signal
from port_ocean.utils.misc import load_module

from sandbox.statuspage.core import EmulatorCore
from tests.support import ROOT

IDENTIFIER: Final = "statuspage-actions-test"


async def actions_app(port_url: str, config: dict[str, Any]) -> Ocean:
    if signal._signal_handler.top is None:
        signal.init_signal_handler()
    # Ocean's Port client is a process-wide singleton; this app's must talk to this Port.
    port_http._port_internal_async_client = None  # type: ignore[assignment]
    ocean_module._port_ocean = ocean_module.PortOceanContext(None)
    app = create_default_app(
        str(ROOT),
        None,
        {
            "port": {
                "client_id": "actions-test-client",
                "client_secret": "actions-test-secret",
                "base_url": port_url,
            },
            "event_listener": {"type": "POLLING"},
            "actions_processor": {"enabled": True, "poll_check_interval_seconds": 1},
            "initialize_port_resources": True,
            "send_raw_data_examples": False,
            "integration": {
                "identifier": IDENTIFIER,
                "type": "statuspage",
                "config": config,
            },
        },
    )
    load_module(str(ROOT / "main.py"))
    config_class = app.integration.AppConfigHandlerClass.CONFIG_CLASS
    await _initialize_defaults(config_class, app.config)
    await app.integration.initialize_handlers()
    return app


async def stop_actions_app(app: Ocean) -> None:
    await app.execution_manager.shutdown()
    for vendor in app.integration.runtime.vendors:  # type: ignore[attr-defined]
        await vendor.api.aclose()
        if vendor.public_api is not None:
            await vendor.public_api.aclose()
    await app.port_client.client.aclose()
    port_http._port_internal_async_client = None  # type: ignore[assignment]
    ocean_module._port_ocean = ocean_module.PortOceanContext(None)


def member_components(emulator: EmulatorCore, page_id: str) -> list[str]:
    """The page's components that are not groups, in the emulator's order."""
    with emulator.reading() as state:
        components = state.pages[page_id].components.values()
        return [c["id"] for c in components if not c["group"]]
