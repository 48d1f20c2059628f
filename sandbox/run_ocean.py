"""Run the integration's entry point (`sail.py`, `ocean sail` with a truthful exit status) on the
integration in the current directory, listening on 127.0.0.1 only.

    cd <integration dir> && python /work/main/sandbox/run_ocean.py [sail options]
    cd /work/main && python -m sandbox.run_ocean [sail options]

Configuration is the usual OCEAN__* environment. Ocean 0.55.4's `run()` calls
`uvicorn.run(app, host="0.0.0.0", port=...)`; this launcher pins that host to the
loopback address and changes nothing else. The port is Ocean's own setting,
APPLICATION__PORT (it overrides `--port`); when unset, a free port is chosen and
exported so Ocean and anything started from here agree on it.

Loopback calls to third parties (a local Statuspage emulator) are allowed: Ocean
blocks private addresses only when OCEAN__DISABLE_IP_OUTBOUND_BLOCKER is false, which
defaults to true outside SaaS; the launcher makes that default explicit.
"""

import os
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn

LOOPBACK = "127.0.0.1"
PORT_VARIABLE = "APPLICATION__PORT"
DEFAULT_ENVIRONMENT = {"OCEAN__DISABLE_IP_OUTBOUND_BLOCKER": "true"}


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def pin_uvicorn_to_loopback() -> None:
    serve_anywhere = uvicorn.run

    def serve_on_loopback(app: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["host"] = LOOPBACK
        serve_anywhere(app, *args, **kwargs)

    uvicorn.run = serve_on_loopback


def prefer_integration_imports() -> None:
    """Started as a script, Python puts this file's directory first on sys.path; the
    integration's own modules (client.py, integration.py, ...) must win instead."""
    launcher_dir = str(Path(__file__).resolve().parent)
    sys.path[:] = [entry for entry in sys.path if entry != launcher_dir]
    sys.path.insert(0, os.getcwd())


def main() -> int:
    for name, value in DEFAULT_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    port = os.environ.setdefault(PORT_VARIABLE, str(free_loopback_port()))
    print(f"ocean sail will listen on http://{LOOPBACK}:{port}", file=sys.stderr)
    prefer_integration_imports()
    pin_uvicorn_to_loopback()
    from sail import (
        main as sail,  # the integration's, found once its directory leads sys.path
    )

    return sail(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
