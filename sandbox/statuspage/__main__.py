"""Run the status-page emulator until SIGTERM/SIGINT (or --max-seconds).

    python -m sandbox.statuspage --seed 1 --pages 1 --api-key KEY

Prints exactly one line, `READY <base_url>`, to stdout once it is listening;
clients then call `<base_url>/v1/pages...` (Statuspage, `Authorization: OAuth KEY`),
`<base_url>/v1/status_pages...` (OnlineOrNot, `Authorization: Bearer KEY`) or
`<base_url>/rest/v1/...` (PingPong, `Authorization: Token KEY`) or `<base_url>/v2/...`
(incident.io, `Authorization: Bearer KEY`). Logs go to stderr.
"""

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .config import (
    RATE_LIMIT_STATUSES,
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
    add_data_arguments,
    data_config_from,
)
from .server import StatuspageEmulator

# A forgotten demo server stops by itself.
DEFAULT_MAX_SECONDS = 3600.0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
    except ValueError as problem:
        print(f"invalid configuration: {problem}", file=sys.stderr)
        return 2
    stop_requested = threading.Event()

    def request_stop(_signal: int, _frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with StatuspageEmulator(config) as emulator:
        print(f"READY {emulator.base_url}", flush=True)
        stop_requested.wait(args.max_seconds)
    return 0


def _config(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        data=data_config_from(args),
        rate_limit=RateLimitConfig(
            limit=args.rate_limit,
            window_seconds=args.rate_window,
            status=args.rate_status,
        ),
        latency_seconds=args.latency,
        api_keys=tuple(args.api_key or EmulatorConfig().api_keys),
    )


def _parser() -> argparse.ArgumentParser:
    rate = RateLimitConfig()
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.statuspage",
        description=("Statuspage, OnlineOrNot and PingPong API emulator on 127.0.0.1."),
    )
    add_data_arguments(parser, DataConfig())
    parser.add_argument(
        "--rate-limit", type=int, default=rate.limit, help="per window; 0 disables"
    )
    parser.add_argument(
        "--rate-window", type=float, default=rate.window_seconds, help="seconds"
    )
    parser.add_argument(
        "--rate-status", type=int, choices=RATE_LIMIT_STATUSES, default=rate.status
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to each API call"
    )
    parser.add_argument(
        "--api-key",
        action="append",
        help=(
            "accepted key; repeat for several "
            f"(default: {', '.join(EmulatorConfig().api_keys)})"
        ),
    )
    parser.add_argument("--max-seconds", type=float, default=DEFAULT_MAX_SECONDS)
    return parser


if __name__ == "__main__":
    sys.exit(main())
