"""A rolling-window limit on a vendor's API requests, shared by every caller of one API key."""

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class SlidingWindowRateLimiter:
    """Admits at most `max_requests` requests in any rolling window of `window_seconds`.

    A slot is stamped when its response arrives, not when the request leaves: the server counts
    a request somewhere between the two, so measuring from the later end keeps our count at or
    above the server's and a burst can never overlap the previous window. Requests still in
    flight hold a slot too.
    """

    def __init__(
        self,
        max_requests: int,
        window_seconds: float,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.max_requests = max_requests
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._finished_at: deque[float] = deque()
        self._in_flight = 0
        self._paused_until = 0.0
        self._slot_freed = asyncio.Event()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Holds one request slot for the duration of the block."""
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    def pause(self, seconds: float) -> None:
        """Lets no request start for `seconds`, as the server asked with Retry-After."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def paused_for(self) -> float:
        """How much longer the server's asked-for pause lasts (0 when there is none)."""
        return max(0.0, self._paused_until - self._clock())

    async def _acquire(self) -> None:
        while True:
            wait = self._seconds_until_free()
            if wait == 0:
                self._in_flight += 1
                return
            if wait is None:
                self._slot_freed.clear()
                await self._slot_freed.wait()
            else:
                await self._sleep(wait)

    def _seconds_until_free(self) -> float | None:
        """0 when a slot is free now, seconds to wait for one, or None until a request ends."""
        now = self._clock()
        if self._paused_until > now:
            return self._paused_until - now
        while self._finished_at and self._finished_at[0] <= now - self.window_seconds:
            self._finished_at.popleft()
        if len(self._finished_at) + self._in_flight < self.max_requests:
            return 0
        if self._finished_at:
            return self._finished_at[0] + self.window_seconds - now
        return None

    def _release(self) -> None:
        self._in_flight -= 1
        self._finished_at.append(self._clock())
        self._slot_freed.set()
