"""Settings of the status-page emulator: data size, rate limit, latency, keys."""

import argparse
from dataclasses import dataclass, field, fields

DEFAULT_API_KEY = "sandbox-api-key"
# Another key for the OnlineOrNot dialect, so each vendor has its own rate-limit window.
DEFAULT_ONLINEORNOT_API_KEY = "sandbox-onlineornot-key"
# And one for the PingPong dialect.
DEFAULT_PINGPONG_API_KEY = "sandbox-pingpong-key"
# And one for the incident.io dialect.
DEFAULT_INCIDENTIO_API_KEY = "sandbox-incidentio-key"
RATE_LIMIT_STATUSES = (420, 429)


@dataclass(frozen=True)
class DataConfig:
    """Size knobs of the seeded data set.

    Counts are per page and include the docs' sample objects on the sample page,
    so that page never has fewer than the samples it must carry.
    """

    seed: int = 1
    pages: int = 1
    groups: int = 3
    components: int = 10
    incidents: int = 20
    updates: int = 3

    def __post_init__(self) -> None:
        if self.pages < 1:
            raise ValueError("pages must be at least 1 (the docs' sample page)")
        sizes = (self.groups, self.components, self.incidents, self.updates)
        if min(sizes) < 0:
            raise ValueError("groups, components, incidents and updates must be >= 0")


def add_data_arguments(parser: argparse.ArgumentParser, defaults: DataConfig) -> None:
    """The data set's size knobs as command-line options (the emulator's CLI, `make demo`)."""
    for knob in fields(DataConfig):
        where = {"seed": "", "pages": "", "updates": "per incident"}.get(knob.name)
        parser.add_argument(
            f"--{knob.name}",
            type=int,
            default=getattr(defaults, knob.name),
            help="per page" if where is None else where or None,
        )


def data_config_from(args: argparse.Namespace) -> DataConfig:
    return DataConfig(
        **{knob.name: getattr(args, knob.name) for knob in fields(DataConfig)}
    )


@dataclass(frozen=True)
class RateLimitConfig:
    """At most `limit` requests per key in any `window_seconds`; 0 disables it."""

    limit: int = 60
    window_seconds: float = 60.0
    status: int = 420

    def __post_init__(self) -> None:
        if self.limit < 0:
            raise ValueError("rate limit must be >= 0 (0 disables it)")
        if self.window_seconds <= 0:
            raise ValueError("rate window must be positive")
        if self.status not in RATE_LIMIT_STATUSES:
            raise ValueError(f"rate-limit status must be one of {RATE_LIMIT_STATUSES}")


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything the emulator needs to start; the defaults mirror Statuspage."""

    data: DataConfig = field(default_factory=DataConfig)
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    latency_seconds: float = 0.0
    # Accepted in any dialect (OAuth for Statuspage's paths, Bearer for OnlineOrNot's and
    # incident.io's, Token for PingPong's).
    api_keys: tuple[str, ...] = (
        DEFAULT_API_KEY,
        DEFAULT_ONLINEORNOT_API_KEY,
        DEFAULT_PINGPONG_API_KEY,
        DEFAULT_INCIDENTIO_API_KEY,
    )

    def __post_init__(self) -> None:
        if not self.api_keys or not all(self.api_keys):
            raise ValueError("at least one non-empty API key is required")
        if self.latency_seconds < 0:
            raise ValueError("latency must be >= 0")
