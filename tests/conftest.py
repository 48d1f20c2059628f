"""Shared fixtures: the shipped resources, the docs' samples, and Ocean's integration test harness."""

import copy
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from typing import Any

import pytest
import yaml
from port_ocean.integration_testing import IntegrationTestHarness

from sandbox.statuspage.server import StatuspageEmulator
from tests.support import ROOT, emulator, integration_harness

RESOURCES = ROOT / ".port" / "resources"

HarnessFactory = Callable[..., AbstractAsyncContextManager[IntegrationTestHarness]]
Emulate = Callable[..., StatuspageEmulator]


@pytest.fixture(scope="session")
def _shipped_mapping_file() -> dict[str, Any]:
    mapping: dict[str, Any] = yaml.safe_load(
        (RESOURCES / "port-app-config.yaml").read_text()
    )
    return mapping


@pytest.fixture
def shipped_mapping(_shipped_mapping_file: dict[str, Any]) -> dict[str, Any]:
    """The shipped port-app-config.yaml, a copy per test so a test may edit it."""
    return copy.deepcopy(_shipped_mapping_file)


@pytest.fixture(scope="session")
def shipped_blueprints() -> dict[str, dict[str, Any]]:
    blueprints = json.loads((RESOURCES / "blueprints.json").read_text())
    return {blueprint["identifier"]: blueprint for blueprint in blueprints}


@pytest.fixture(scope="session")
def docs_samples() -> dict[str, Any]:
    samples: dict[str, Any] = json.loads(
        (ROOT / "tests" / "fixtures" / "docs_samples.json").read_text()
    )
    return samples


@pytest.fixture
def api_key() -> str:
    # A fresh key per test gives each test its own rate limiter (one limiter per key per process).
    return f"test-key-{uuid.uuid4().hex}"


@pytest.fixture
def emulate(api_key: str) -> Iterator[Emulate]:
    """Starts the emulator (tests.support.emulator: the key, other keys, the data's size),
    running until the test ends."""
    with ExitStack() as running:

        def start(*keys: str, **sizes: int) -> StatuspageEmulator:
            return running.enter_context(emulator(api_key, *keys, **sizes))

        yield start


@pytest.fixture
def run_harness(
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
    api_key: str,
) -> HarnessFactory:
    """Boots the integration in-process with Port mocked; Statuspage is whatever the test serves.
    With `incremental`, Ocean's incremental handlers are registered too."""

    @asynccontextmanager
    async def run(
        host: str = "https://api.statuspage.io",
        mapping: dict[str, Any] | None = None,
        port_entities: list[dict[str, Any]] | None = None,
        incremental: bool = False,
        **config: Any,
    ) -> AsyncIterator[IntegrationTestHarness]:
        harness = integration_harness(
            mapping or shipped_mapping,
            shipped_blueprints,
            {"statuspage_api_key": api_key, "statuspage_host": host, **config},
            port_entities,
            incremental,
        )
        await harness.start()
        try:
            yield harness
        finally:
            await harness.shutdown()

    return run
