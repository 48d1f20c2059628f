"""What a kind hands Ocean: where the mapping reads plain fields only, the items carry only those
fields (but for each vendor's first batch, which Ocean shows as examples), and they map to the
very same entities as the whole items; any other mapping gets every field."""

from collections.abc import Iterator
from functools import cache
from typing import Any

import jq  # type: ignore[import-not-found]  # it ships no type stubs
import pytest
from port_ocean.context.ocean import ocean
from port_ocean.core.handlers.port_app_config.models import PortAppConfig

from client import Item
from core.kinds import kind_named
from live_events.trust import Installation
from runtime import Runtime
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
)
from sandbox.statuspage.server import StatuspageEmulator
from sync.fetch_memo import FetchMemo
from sync.held_in_port import PortView
from sync.resync import Resync
from tests.support import ocean_context, settings_of


@pytest.fixture(scope="module")
def statuspage() -> Iterator[StatuspageEmulator]:
    # Four responses of incidents: a first batch of three, and another.
    data = DataConfig(pages=1, groups=1, components=2, incidents=350, updates=3)
    unlimited = RateLimitConfig(limit=0, window_seconds=60)
    with StatuspageEmulator(EmulatorConfig(data=data, rate_limit=unlimited)) as running:
        yield running


async def batches(
    served: StatuspageEmulator, mapping: dict[str, Any], kind: str
) -> list[list[Item]]:
    """What the kind yields to Ocean, batch by batch, with `mapping` as the sync's."""
    with ocean_context():
        settings = settings_of(
            {"statuspage_api_key": DEFAULT_API_KEY, "statuspage_host": served.base_url}
        )
        app = Runtime(settings, Installation("client-id", "identifier"))
        port = PortView(PortAppConfig.parse_obj(mapping).resources, ocean.port_client)
        sync = Resync(
            app.vendors, FetchMemo(port=port), app.known_pages, app.uptime_rotation
        )
        try:
            return [batch async for batch in sync.kind(kind_named(kind))]
        finally:
            for vendor in app.vendors:
                await vendor.api.aclose()


@cache
def _compiled(expression: str) -> Any:
    return jq.compile(expression)


def mapped(mapping: dict[str, Any], kind: str, item: Item) -> dict[str, Any]:
    """What the kind's resource makes of `item`, each expression through jq as Ocean runs it."""
    resource = next(r for r in mapping["resources"] if r["kind"] == kind)
    mappings = resource["port"]["entity"]["mappings"]

    def value(expression: str) -> Any:
        return _compiled(expression).input_value(item).first()

    return {
        "identifier": value(mappings["identifier"]),
        "title": value(mappings["title"]),
        "properties": {k: value(v) for k, v in mappings["properties"].items()},
        "relations": {k: value(v) for k, v in mappings["relations"].items()},
    }


async def test_incidents_reach_ocean_without_their_updates_and_map_the_same(
    statuspage: StatuspageEmulator, shipped_mapping: dict[str, Any]
) -> None:
    full = await batches(statuspage, {"resources": []}, "incident")
    narrowed = await batches(statuspage, shipped_mapping, "incident")

    assert [len(b) for b in narrowed] == [len(b) for b in full]
    first, *rest = narrowed
    assert all("incident_updates" in item for item in first)
    assert rest
    assert not any("incident_updates" in i for b in rest for i in b)
    for whole, cut in zip(
        (i for b in full for i in b), (i for b in narrowed for i in b), strict=True
    ):
        assert mapped(shipped_mapping, "incident", cut) == mapped(
            shipped_mapping, "incident", whole
        )


async def test_a_mapping_reading_more_than_plain_fields_gets_every_field(
    statuspage: StatuspageEmulator, shipped_mapping: dict[str, Any]
) -> None:
    incident = next(r for r in shipped_mapping["resources"] if r["kind"] == "incident")
    incident["port"]["entity"]["mappings"]["properties"][
        "updates"
    ] = ".incident_updates | length"

    yielded = await batches(statuspage, shipped_mapping, "incident")

    assert all("incident_updates" in item for b in yielded for item in b)


async def test_a_plain_mapping_of_a_field_keeps_that_field(
    statuspage: StatuspageEmulator, shipped_mapping: dict[str, Any]
) -> None:
    incident = next(r for r in shipped_mapping["resources"] if r["kind"] == "incident")
    incident["port"]["entity"]["mappings"]["properties"][
        "monitoring"
    ] = ".monitoring_at"

    *_, last = await batches(statuspage, shipped_mapping, "incident")

    assert all("monitoring_at" in item for item in last)
    assert not any("incident_updates" in item for item in last)
