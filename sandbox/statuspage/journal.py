"""What the emulator was asked and what it answered: a request log and counters."""

from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any, Final

# Bounds memory on long demo runs; counters keep counting past it.
MAX_LOGGED_REQUESTS: Final = 50_000


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

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Counters:
    total: int = 0
    rate_limited: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    by_status: dict[int, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "rate_limited": self.rate_limited,
            "by_route": dict(self.by_route),
            "by_status": {str(status): n for status, n in self.by_status.items()},
        }


class RequestJournal:
    """Appends requests as they complete; not thread-safe on its own."""

    def __init__(self) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=MAX_LOGGED_REQUESTS)
        self._by_route: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self._rate_limited = 0
        self._total = 0

    def record(self, entry: LoggedRequest, *, rate_limited: bool = False) -> None:
        self._entries.append(entry)
        self._total += 1
        self._by_route[entry.route or "(no route)"] += 1
        self._by_status[entry.status] += 1
        if rate_limited:
            self._rate_limited += 1

    def entries(self) -> list[LoggedRequest]:
        return list(self._entries)

    def counters(self) -> Counters:
        return Counters(
            total=self._total,
            rate_limited=self._rate_limited,
            by_route=dict(self._by_route),
            by_status=dict(self._by_status),
        )

    def reset(self) -> None:
        self._entries.clear()
        self._by_route.clear()
        self._by_status.clear()
        self._rate_limited = 0
        self._total = 0
