"""`python -m sandbox.port`: serve the Port stand-in until SIGTERM/SIGINT.

Prints `READY <base_url>` once listening, so a script can wait for that line and
export it as OCEAN__PORT__BASE_URL. Stops by itself after --max-seconds.
"""

import argparse
import logging
import signal
import threading
from types import FrameType

from sandbox.port.server import PortStub

DEFAULT_MAX_SECONDS = 3600.0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.port", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=DEFAULT_MAX_SECONDS,
        help=f"stop after this long (default: {DEFAULT_MAX_SECONDS:.0f})",
    )
    return parser.parse_args()


def main() -> None:
    args = _parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with PortStub(port=args.port) as stub:
        print(f"READY {stub.base_url}", flush=True)
        stop_requested.wait(args.max_seconds)


if __name__ == "__main__":
    main()
