"""The rolling-window limiter, driven by an injected clock."""

import asyncio

import pytest

from core.rate_limiter import SlidingWindowRateLimiter
from tests.support import FakeClock, most_in_any_window


async def send(
    limiter: SlidingWindowRateLimiter, clock: FakeClock, took: float = 0.0
) -> float:
    async with limiter.slot():
        sent_at = clock.now
        clock.now += took
    return sent_at


async def test_admits_max_requests_then_waits_for_the_oldest_to_leave_the_window() -> (
    None
):
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(3, 10, clock=clock, sleep=clock.sleep)

    sent = [await send(limiter, clock) for _ in range(7)]

    assert sent == [0, 0, 0, 10, 10, 10, 20]


async def test_never_more_than_n_in_any_rolling_window_with_uneven_spacing() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(6, 6, clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    for i in range(60):
        sent.append(await send(limiter, clock, took=0.3 * (i % 4)))
        clock.now += 0.7 * (i % 3)

    assert most_in_any_window(sent, 6) <= 6
    # ...and it does not over-throttle: 60 requests at 6 per 6 s need about 54 s, not much more.
    assert sent[-1] < 70


async def test_a_window_is_measured_from_when_the_response_arrived() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(1, 5, clock=clock, sleep=clock.sleep)

    first = await send(limiter, clock, took=2.0)  # answered at t=2
    second = await send(limiter, clock)

    assert (first, second) == (0, 7)


async def test_in_flight_requests_hold_their_slots() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(2, 10, clock=clock, sleep=clock.sleep)
    release = asyncio.Event()
    started: list[str] = []

    async def slow(name: str) -> None:
        async with limiter.slot():
            started.append(name)
            await release.wait()

    async def quick() -> None:
        async with limiter.slot():
            started.append("third")

    tasks = [asyncio.create_task(slow("first")), asyncio.create_task(slow("second"))]
    third = asyncio.create_task(quick())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert started == ["first", "second"]

    clock.now = 1.0
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks, third), timeout=5)
    assert started[-1] == "third"
    assert clock.now == pytest.approx(
        11.0
    )  # waited a full window from the first response


async def test_pause_holds_every_request_until_retry_after_has_passed_and_says_how_long() -> (
    None
):
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(100, 60, clock=clock, sleep=clock.sleep)
    limiter.pause(7.5)
    limiter.pause(2.0)  # a shorter pause never shortens a longer one

    paused_for = limiter.paused_for()
    sent_at = await send(limiter, clock)

    assert paused_for == pytest.approx(7.5)
    assert sent_at == pytest.approx(7.5)
    assert limiter.paused_for() == 0


async def test_concurrent_callers_share_one_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(4, 1, clock=clock, sleep=clock.sleep)

    sent = await asyncio.gather(*(send(limiter, clock) for _ in range(12)))

    assert most_in_any_window(list(sent), 1) <= 4
    assert sorted(sent) == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]


@pytest.mark.parametrize(("requests", "window"), [(0, 60), (60, 0)])
def test_rejects_a_limit_that_admits_nothing(requests: int, window: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        SlidingWindowRateLimiter(requests, window)
