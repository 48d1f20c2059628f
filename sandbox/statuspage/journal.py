"""What the emulator was asked and what it answered: a request log and counts over it."""

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class LoggedRequest:
    """One API request. `route` is its template, None when no route matched."""

    method: str
    path: str
    query: str
    status: int
    # When it arrived, on the emulator's clock (monotonic by default): the stamp the rate
    # limiter decided on.
    timestamp: float
    route: str | None
    rate_limited: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Counters:
    total: int = 0
    rate_limited: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    by_status: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: list[LoggedRequest]) -> "Counters":
        return cls(
            total=len(entries),
            rate_limited=sum(entry.rate_limited for entry in entries),
            by_route=dict(Counter(entry.route or "(no route)" for entry in entries)),
            by_status=dict(Counter(entry.status for entry in entries)),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "by_status": {str(status): n for status, n in self.by_status.items()},
        }
