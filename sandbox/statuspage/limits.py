"""Rolling-window request limits, one window per API key.

A key may make at most `limit` requests in any `window` seconds. Only admitted
requests are remembered, so a rejected request never uses up a slot.
"""

from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class SlidingWindowLimiter:
    """Remembers when each key's recent requests were admitted.

    Times are passed in, not read here: the caller stamps a request once, on arrival, and the
    same stamp decides admission and goes in the request log, so the log shows exactly what
    the limiter counted.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._admitted: dict[str, deque[float]] = {}

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def wait_time(self, key: str, now: float) -> float:
        """Seconds from `now` until `key` may make a request; 0.0 when it may then."""
        if not self.enabled:
            return 0.0
        admitted = self._forget_expired(key, now)
        if len(admitted) < self.limit:
            return 0.0
        # The slot frees once the oldest request in the window leaves it.
        return admitted[0] + self.window - now

    def record(self, key: str, at: float) -> None:
        if self.enabled:
            self._admitted.setdefault(key, deque()).append(at)

    def reset(self) -> None:
        self._admitted.clear()

    def _forget_expired(self, key: str, now: float) -> deque[float]:
        admitted = self._admitted.setdefault(key, deque())
        while admitted and admitted[0] <= now - self.window:
            admitted.popleft()
        return admitted
