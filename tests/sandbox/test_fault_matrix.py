"""The fault matrix: whole resyncs through Ocean's harness against the Statuspage emulator on
loopback, with its fault injection.

For every fault: the resync ends (no hang), nothing that still exists upstream is deleted, the
cause is named in the log, and neither the API key nor anything secret is logged. A transient
fault is absorbed and the resync completes, deleting what is really gone; a persistent one
fails only what it touches, after the rest synced.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import respx
from port_ocean.integration_testing import IntegrationTestHarness, ResyncResult

from sandbox.expected import expected_identifiers
from sandbox.statuspage.api import PUBLIC_PREFIX
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
)
from sandbox.statuspage.server import StatuspageEmulator
from tests.support import integration_harness
from tests.webhook_processors.support import captured_logs

SAMPLE_PAGE = "8m2l51279rpl"
STALE = {"identifier": "gone-incident", "blueprint": "statuspageIncident"}
# Small enough that retries and capped waits keep each case to seconds.
CONFIG = {
    "request_timeout_seconds": 2,
    "rate_limit_requests": 100,
    "rate_limit_window_seconds": 4,
}


@pytest.fixture
def emulator() -> Iterator[StatuspageEmulator]:
    data = DataConfig(pages=2, groups=2, components=4, incidents=6, updates=2)
    config = EmulatorConfig(data=data, rate_limit=RateLimitConfig(limit=0))
    with StatuspageEmulator(config) as running:
        yield running


def in_port(emulator: StatuspageEmulator) -> list[dict[str, str]]:
    return [
        {"identifier": identifier, "blueprint": blueprint}
        for blueprint, identifiers in expected_identifiers(emulator).items()
        for identifier in identifiers
    ] + [STALE]


@asynccontextmanager
async def harness_on(
    emulator: StatuspageEmulator,
    mapping: dict[str, Any],
    blueprints: dict[str, dict[str, Any]],
    api_key: str = DEFAULT_API_KEY,
    **config: Any,
) -> AsyncIterator[IntegrationTestHarness]:
    settings = {"statuspage_api_key": api_key, "statuspage_host": emulator.base_url}
    harness = integration_harness(
        mapping, blueprints, {**settings, **CONFIG, **config}, in_port(emulator)
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.shutdown()


async def resync(
    emulator: StatuspageEmulator,
    mapping: dict[str, Any],
    blueprints: dict[str, dict[str, Any]],
    api_key: str = DEFAULT_API_KEY,
    **config: Any,
) -> tuple[ResyncResult, list[str]]:
    with captured_logs() as lines:
        async with harness_on(
            emulator, mapping, blueprints, api_key, **config
        ) as harness:
            result = await harness.trigger_resync()
    assert not any(DEFAULT_API_KEY in line for line in lines)
    return result, lines


def landed(result: ResyncResult) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for entity in result.upserted_entities:
        found.setdefault(entity["blueprint"], set()).add(entity["identifier"])
    return found


def in_the_future(seconds: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


TRANSIENT = {
    "429 storm with Retry-After in seconds": {
        "kind": "status",
        "status": 429,
        "retry_after": "1",
        "count": 4,
    },
    "420 without Retry-After": {"kind": "status", "status": 420, "count": 1},
    "429 with Retry-After as an HTTP date": {
        "kind": "status",
        "status": 429,
        "retry_after": in_the_future(2),
        "count": 1,
    },
    "429 with an absurd Retry-After": {
        "kind": "status",
        "status": 429,
        "retry_after": "86400",
        "count": 1,
    },
    "5xx burst": {"kind": "status", "status": 503, "count": 3},
    "time-out": {"kind": "slow", "seconds": 5, "count": 1},
    "trickling body": {"kind": "trickle", "seconds": 0.5, "count": 1},
    "connection cut mid-body": {"kind": "cut", "count": 2},
    "truncated body": {"kind": "malformed", "count": 1},
    "HTML error page with 200": {"kind": "html", "count": 2},
}


@pytest.mark.parametrize("fault", TRANSIENT.values(), ids=TRANSIENT.keys())
async def test_a_transient_fault_is_absorbed_and_the_resync_completes(
    emulator: StatuspageEmulator,
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
    fault: dict[str, Any],
) -> None:
    expected = expected_identifiers(emulator)
    emulator.inject_fault(f"/v1/pages/{SAMPLE_PAGE}/incidents", **fault)

    result, lines = await resync(emulator, shipped_mapping, shipped_blueprints)

    assert result.errors == []
    assert landed(result) == {k: v for k, v in expected.items() if v}
    assert result.deleted_entities == [STALE]
    # The fault left its mark in the log: a retry or a rate-limit pause, named.
    assert any(
        f"GET /pages/{SAMPLE_PAGE}/incidents" in line
        and ("retrying in" in line or "rate limit hit" in line)
        for line in lines
    )


PERSISTENT = {
    "5xx past every retry": ({"kind": "status", "status": 500}, "HTTP 500"),
    "HTML error page with 200 past every retry": ({"kind": "html"}, "not JSON"),
    "an object where a list is expected": ({"kind": "shape"}, "expected a JSON array"),
    "a key refused on one page": (
        {"kind": "status", "status": 403},
        "Statuspage refused the API key (HTTP 403",
    ),
}


@pytest.mark.parametrize(("fault", "cause"), PERSISTENT.values(), ids=PERSISTENT.keys())
async def test_a_persistent_fault_fails_its_page_only_and_deletes_nothing(
    emulator: StatuspageEmulator,
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
    fault: dict[str, Any],
    cause: str,
) -> None:
    expected = expected_identifiers(emulator)
    emulator.inject_fault(f"/v1/pages/{SAMPLE_PAGE}/*", count=1000, **fault)

    result, lines = await resync(emulator, shipped_mapping, shipped_blueprints)

    assert result.errors
    assert all(f"statuspage page {SAMPLE_PAGE}" in str(e) for e in result.errors)
    assert any(cause in str(error) for error in result.errors)
    assert result.deleted_entities == []
    other_pages = expected["statuspage"] - {SAMPLE_PAGE}
    synced_incidents = landed(result).get("statuspageIncident", set())
    assert synced_incidents
    assert synced_incidents < expected["statuspageIncident"]
    assert other_pages <= landed(result)["statuspage"]
    errors = [line for line in lines if "failed, its entities are kept" in line]
    assert errors
    assert all(f"page {SAMPLE_PAGE}" in line for line in errors)
    assert any(cause in line for line in errors)


async def test_a_list_that_never_ends_is_failed_at_the_repeat(
    shipped_mapping: dict[str, Any], shipped_blueprints: dict[str, dict[str, Any]]
) -> None:
    data = DataConfig(pages=1, groups=1, components=2, incidents=150, updates=1)
    with StatuspageEmulator(EmulatorConfig(data=data)) as emulator:
        emulator.inject_fault(
            f"/v1/pages/{SAMPLE_PAGE}/incidents", "endless", count=1000
        )

        result, lines = await resync(emulator, shipped_mapping, shipped_blueprints)
        asked = [e for e in emulator.log if e.path.endswith("/incidents")]

    assert len(asked) == 2
    assert any("page 2 repeated page 1" in str(error) for error in result.errors)
    assert result.deleted_entities == []
    assert any("ignore paging" in line for line in lines)


async def test_a_key_refused_at_the_start_deletes_nothing_and_names_the_setting(
    emulator: StatuspageEmulator,
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
) -> None:
    result, lines = await resync(
        emulator, shipped_mapping, shipped_blueprints, api_key="not-the-key"
    )

    assert result.upserted_entities == []
    assert result.deleted_entities == []
    assert any("statuspageApiKey" in str(error) for error in result.errors)
    # The page list is asked once for all five kinds.
    assert [e.path for e in emulator.log] == ["/v1/pages"]
    assert not any("not-the-key" in line for line in lines)


METADATA_URL = "http://169.254.169.254"
PAGE_URLS = {
    # The emulator's own: http://127.0.0.1:<port>/public/<subdomain>.
    "on 127.0.0.1": None,
    "on the cloud metadata address": METADATA_URL,
}


@pytest.mark.parametrize("allowed", [False, True], ids=["by default", "when allowed"])
@pytest.mark.parametrize("page_url", PAGE_URLS.values(), ids=PAGE_URLS.keys())
async def test_a_page_url_on_a_private_address_is_read_only_when_the_setting_allows_it(
    emulator: StatuspageEmulator,
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
    page_url: str | None,
    allowed: bool,
) -> None:
    if page_url is not None:
        emulator.set_page_url(SAMPLE_PAGE, page_url)
    with respx.mock(assert_all_mocked=False, assert_all_called=False) as network:
        # Whatever answers the metadata address, were it asked; the rest is the emulator.
        metadata = network.route(host="169.254.169.254").respond(
            json={"status": {"indicator": "critical", "description": "Metadata"}}
        )
        network.route().pass_through()

        result, lines = await resync(
            emulator,
            shipped_mapping,
            shipped_blueprints,
            allow_private_status_urls=allowed,
        )

    asked = {e.path for e in emulator.log if e.path.startswith(f"{PUBLIC_PREFIX}/")} | (
        {METADATA_URL} if metadata.called else set()
    )
    (page,) = [
        entity
        for entity in result.upserted_entities
        if entity["identifier"] == SAMPLE_PAGE and entity["blueprint"] == "statuspage"
    ]
    assert result.errors == []
    with emulator.reading() as state:
        subdomain = state.page(SAMPLE_PAGE).page["subdomain"]
    own_status = page_url or f"{PUBLIC_PREFIX}/{subdomain}/api/v2/status.json"
    refusals = [line for line in lines if "its published status is not read" in line]
    if allowed:
        assert own_status in asked
        assert page["properties"]["status_source"] == "public_api"
        assert refusals == []
    else:
        assert own_status not in asked
        assert page["properties"]["status_source"] == "derived"
        (refusal,) = [line for line in refusals if f"page {SAMPLE_PAGE}:" in line]
        assert "allowPrivateStatusUrls" in refusal
