"""Fixtures for the live-event tests: Statuspage at the HTTP boundary, Ocean in process."""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
import respx

from tests.webhook_processors.support import (
    SECRET,
    LiveOcean,
    captured_logs,
    live_ocean,
)

LiveFactory = Callable[..., AbstractAsyncContextManager[LiveOcean]]


@pytest.fixture
def statuspage() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
def start_live(
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
    api_key: str,
) -> LiveFactory:
    """Starts Ocean with the shipped mapping and SECRET as webhookSecret, unless told otherwise
    (webhook_secret=None: no secret configured)."""

    def start(
        mapping: dict[str, Any] | None = None, **options: Any
    ) -> AbstractAsyncContextManager[LiveOcean]:
        secret = options.pop("webhook_secret", SECRET)
        if secret is not None:
            options["webhook_secret"] = secret
        return live_ocean(
            mapping or shipped_mapping, shipped_blueprints, api_key, **options
        )

    return start


@pytest.fixture
async def live(start_live: LiveFactory) -> AsyncIterator[LiveOcean]:
    async with start_live() as started:
        yield started


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    with captured_logs() as lines:
        yield lines
