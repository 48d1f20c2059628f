"""incident.io's dialect against the emulator's incident.io dialect on 127.0.0.1: Bearer auth,
cursor paging (250 a page, `after` the last id), what a resync of every list costs, components'
status derived from the page's incidents and maintenance, groups and sub-pages, the error
envelope's messages, 429 with Retry-After, availability and its absence, reads by id."""

import math
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

import pytest

from client import ApiClient, Item, VendorApiError, VendorAuthError, VendorNotFoundError
from core.kinds import PageList
from core.rate_limiter import SlidingWindowRateLimiter
from core.settings import RateLimit
from sandbox.statuspage import (
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
    StatuspageEmulator,
)
from sandbox.statuspage.core import EmulatorCore
from sandbox.statuspage.model import Impact, JsonObject
from sync.catalog import select_pages
from tests.support import FakeClock, ocean_context, reads_of, settings_of
from tests.webhook_processors.support import captured_logs
from vendors.incidentio import PAGE_SIZE, IncidentIoVendor

KEY = "iio-key-that-must-never-be-logged"
SAMPLE_PAGE = "8m2l51279rpl"
PAGE = f"incidentio-{SAMPLE_PAGE}"
PAGES = "/v2/status_pages"
INCIDENTS = "/v2/status_page_incidents"
MAINTENANCES = "/v2/status_page_maintenances"
STRUCTURE = "/v2/status_page_structures/{page_id}"


@pytest.fixture(autouse=True)
def ocean() -> Iterator[None]:
    with ocean_context():
        yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@contextmanager
def served(
    clock: FakeClock, data: DataConfig | None = None
) -> Iterator[StatuspageEmulator]:
    config = EmulatorConfig(
        # Two pages, and only the docs' sample incident (resolved): no open impact.
        data=data or DataConfig(pages=2, groups=3, components=8, incidents=1),
        rate_limit=RateLimitConfig(limit=0),
        api_keys=(KEY,),
    )
    with StatuspageEmulator(config, clock=clock) as emulator:
        yield emulator


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[StatuspageEmulator]:
    with served(clock) as running:
        yield running


VendorOn = Callable[..., IncidentIoVendor]


@pytest.fixture
async def vendor_on(clock: FakeClock) -> AsyncIterator[VendorOn]:
    """Builds the vendor on an emulator, its time on the test's clock; closes its clients."""
    made: list[IncidentIoVendor] = []

    def build(
        emulator: StatuspageEmulator, key: str = KEY, **config: Any
    ) -> IncidentIoVendor:
        settings = settings_of(
            {"incidentio_api_key": key, "incidentio_host": emulator.base_url, **config}
        ).vendor("incidentio")
        assert settings is not None
        limiter = SlidingWindowRateLimiter(
            settings.rate_limit.requests,
            settings.rate_limit.window_seconds,
            clock=clock,
            sleep=clock.sleep,
        )
        api = ApiClient(
            IncidentIoVendor.dialect,
            IncidentIoVendor.base_url(settings),
            key,
            limiter,
            sleep=clock.sleep,
        )
        made.append(IncidentIoVendor(settings, api))
        return made[-1]

    yield build
    for vendor in made:
        await vendor.api.aclose()


@pytest.fixture
def vendor(emulator: StatuspageEmulator, vendor_on: VendorOn) -> IncidentIoVendor:
    return vendor_on(emulator)


async def every(vendor: IncidentIoVendor, which: PageList, page: str) -> list[Item]:
    reads = reads_of(vendor)
    return [item async for batch in reads.page_list(which, page) for item in batch]


def by_id(items: list[Item]) -> dict[str, Item]:
    return {item["id"]: item for item in items}


def counts(emulator: EmulatorCore) -> Counter[str | None]:
    return Counter(entry.route for entry in emulator.log)


def member_components(emulator: EmulatorCore, page_id: str) -> list[str]:
    with emulator.reading() as state:
        components = state.page(page_id).components.values()
        return [c["id"] for c in components if not c["group"]]


def open_incident(emulator: EmulatorCore, impact: Impact) -> tuple[str, JsonObject]:
    """An incident opened on the sample page's first component: the component, the incident."""
    component = member_components(emulator, SAMPLE_PAGE)[0]
    return component, emulator.add_incident(
        SAMPLE_PAGE, impact=impact, component_ids=(component,)
    )


async def test_lists_are_read_250_a_page_each_after_the_last_id_read(
    clock: FakeClock, vendor_on: VendorOn
) -> None:
    with served(clock, DataConfig(incidents=600, updates=1)) as emulator:
        vendor = vendor_on(emulator)
        with emulator.reading() as state:
            listed = [
                i
                for i, record in state.page(SAMPLE_PAGE).incidents.items()
                if not record.fields["scheduled_for"]
            ]

        incidents = await every(vendor, PageList.INCIDENTS, PAGE)

        asked = [
            parse_qs(entry.query) for entry in emulator.log if entry.path == INCIDENTS
        ]
    real = [i["id"] for i in incidents if i["impact"] != "maintenance"]
    assert real == [f"incidentio-{i}" for i in listed]
    # No trailing request: the last page carries no cursor.
    assert len(asked) == math.ceil(len(listed) / PAGE_SIZE) == 2
    assert all(query["page_size"] == ["250"] for query in asked)
    assert "after" not in asked[0]
    assert asked[1]["after"] == [listed[PAGE_SIZE - 1]]
    assert all(query["status_page_id"] == [SAMPLE_PAGE] for query in asked)


async def test_a_resync_reads_the_page_list_then_per_page_its_structure_and_one_request_per_250_incidents_and_per_250_maintenances(
    clock: FakeClock, vendor_on: VendorOn
) -> None:
    data = DataConfig(pages=3, groups=2, components=5, incidents=560, updates=1)
    with served(clock, data) as emulator:
        vendor = vendor_on(emulator)
        reads = reads_of(vendor)
        pages = await vendor.pages()
        for page in pages:
            for which in PageList:
                async for _ in reads.page_list(which, page["id"]):
                    pass
        with emulator.reading() as state:
            maintenances = [
                sum(1 for r in page.incidents.values() if r.fields["scheduled_for"])
                for page in state.pages.values()
            ]
            incidents = [
                len(page.incidents) - m
                for page, m in zip(state.pages.values(), maintenances, strict=True)
            ]

        measured = counts(emulator)
    assert len(pages) == 3
    assert measured == {
        PAGES: 1,
        STRUCTURE: 3,
        INCIDENTS: sum(math.ceil(n / 250) for n in incidents),
        MAINTENANCES: sum(max(1, math.ceil(n / 250)) for n in maintenances),
    }
    # Each page holds more than 250 incidents: the paging is measured, not assumed.
    assert min(incidents) > 250
    assert (
        sum(measured.values()) == 1 + 3 + measured[INCIDENTS] + measured[MAINTENANCES]
    )


async def test_a_component_takes_its_status_from_the_page_s_open_impacts_and_maintenance(
    emulator: StatuspageEmulator, vendor: IncidentIoVendor
) -> None:
    a, b, c, d = member_components(emulator, SAMPLE_PAGE)[:4]
    critical = emulator.add_incident(SAMPLE_PAGE, impact="critical", component_ids=(a,))
    emulator.add_incident(SAMPLE_PAGE, impact="minor", component_ids=(a, b))
    emulator.add_incident(SAMPLE_PAGE, status="in_progress", component_ids=(c,))
    emulator.add_incident(SAMPLE_PAGE, status="scheduled", component_ids=(d,))

    before = by_id(await every(vendor, PageList.COMPONENTS, PAGE))
    emulator.add_incident_update(SAMPLE_PAGE, critical["id"], "resolved")
    after = by_id(await every(vendor, PageList.COMPONENTS, PAGE))

    def status(items: dict[str, Item], component: str) -> str:
        return str(items[f"{PAGE}-{component}"]["status"])

    assert [status(before, x) for x in (a, b, c, d)] == [
        "major_outage",
        "degraded_performance",
        "under_maintenance",
        "operational",
    ]
    assert status(after, a) == "degraded_performance"


async def test_groups_and_sub_pages_are_the_page_s_component_groups_and_relate_its_components(
    emulator: StatuspageEmulator, vendor: IncidentIoVendor
) -> None:
    groups = by_id(await every(vendor, PageList.COMPONENT_GROUPS, PAGE))
    components = await every(vendor, PageList.COMPONENTS, PAGE)
    with emulator.reading() as state:
        page = state.page(SAMPLE_PAGE)
        group_of = {
            cid: c["group_id"] for cid, c in page.components.items() if not c["group"]
        }
        names = {gid: g["name"] for gid, g in page.groups.items()}

    assert {g: item["name"] for g, item in groups.items()} == {
        f"incidentio-{gid}": name for gid, name in names.items()
    }
    assert {item["page_id"] for item in groups.values()} == {PAGE}
    # The emulator renders its first group as a sub-page and nests the second in it.
    assert sum("items" in item["raw"] for item in groups.values()) == 1
    members = {c["id"]: c["group_id"] for c in components if not c["group"]}
    assert members == {
        f"{PAGE}-{cid}": f"incidentio-{gid}" if gid else None
        for cid, gid in group_of.items()
    }


async def test_incidents_and_maintenance_in_statuspage_s_words(
    emulator: StatuspageEmulator, vendor: IncidentIoVendor
) -> None:
    component, opened = open_incident(emulator, "major")
    emulator.add_incident_update(SAMPLE_PAGE, opened["id"], "resolved")
    running = emulator.add_incident(
        SAMPLE_PAGE, status="in_progress", component_ids=(component,)
    )

    incidents = by_id(await every(vendor, PageList.INCIDENTS, PAGE))

    resolved = incidents[f"incidentio-{opened['id']}"]
    assert (resolved["status"], resolved["impact"]) == ("resolved", "major")
    assert resolved["resolved_at"] == resolved["incident_updates"][0]["display_at"]
    assert resolved["components"] == [
        {"id": f"{PAGE}-{component}", "status": "partial_outage"}
    ]
    assert [u["status"] for u in resolved["incident_updates"]] == [
        "resolved",
        "investigating",
    ]
    maintenance = incidents[f"incidentio-{running['id']}"]
    assert (maintenance["status"], maintenance["impact"]) == (
        "in_progress",
        "maintenance",
    )
    assert maintenance["scheduled_for"] is not None
    assert {i["provider"] for i in incidents.values()} == {"incidentio"}


async def test_the_error_envelope_s_message_is_surfaced_and_a_refused_key_names_its_setting(
    emulator: StatuspageEmulator, vendor_on: VendorOn
) -> None:
    emulator.inject_fault(PAGES, "status", status=422)

    with captured_logs() as lines:
        with pytest.raises(VendorApiError) as refused:
            await vendor_on(emulator).pages()
        with pytest.raises(VendorAuthError) as unknown_key:
            await vendor_on(emulator, key="iio-unknown-key-never-logged").pages()

    assert "incident.io refused GET /status_pages with HTTP 422: Injected fault" in str(
        refused.value
    )
    assert "incidentioApiKey" in str(unknown_key.value)
    assert "never-logged" not in str(unknown_key.value)
    assert not any("never-logged" in line or KEY in line for line in lines)


def in_the_future(seconds: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


@pytest.mark.parametrize(
    ("retry_after", "least", "most"),
    [
        (lambda: "7", 7, 7),
        (lambda: in_the_future(30), 27, 31),
        (lambda: "86400", 60, 60),
    ],
    ids=["seconds", "an HTTP date", "capped at the window"],
)
async def test_a_429_is_waited_out_as_retry_after_says_capped(
    emulator: StatuspageEmulator,
    vendor: IncidentIoVendor,
    clock: FakeClock,
    retry_after: Callable[[], str],
    least: float,
    most: float,
) -> None:
    emulator.inject_fault(PAGES, "status", status=429, retry_after=retry_after())

    pages = await vendor.pages()

    assert PAGE in {page["id"] for page in pages}
    assert [entry.status for entry in emulator.log] == [429, 200]
    assert least <= sum(clock.sleeps) <= most


async def test_a_page_s_structure_of_the_wrong_shape_fails_its_components_rather_than_empty_them(
    emulator: StatuspageEmulator, vendor: IncidentIoVendor
) -> None:
    emulator.inject_fault(STRUCTURE, "shape")

    with pytest.raises(VendorApiError, match="answered no `current_structure`"):
        await every(vendor, PageList.COMPONENTS, PAGE)


async def test_uptime_is_the_availability_incident_io_computes(
    emulator: StatuspageEmulator, vendor_on: VendorOn
) -> None:
    vendor = vendor_on(emulator, component_uptime=True)
    components = [
        c
        for c in await every(vendor, PageList.COMPONENTS, PAGE)
        if vendor.uptime_eligible(c)
    ]
    shown = {
        cid
        for cid, c in emulator.state.page(SAMPLE_PAGE).components.items()
        if c["showcase"] and not c["group"]
    }

    uptime = await vendor.component_uptime(PAGE, components[0]["id"], 30)

    assert {c["id"] for c in components} == {f"{PAGE}-{cid}" for cid in shown}
    end = datetime.now(UTC).date()
    expected = emulator.component_uptime(
        SAMPLE_PAGE,
        components[0]["raw"]["component_id"],
        end - timedelta(days=30),
        end,
    )
    assert uptime == pytest.approx(expected["uptime_percentage"])


async def test_an_account_without_availability_turns_uptime_off_with_one_log_line(
    emulator: StatuspageEmulator, vendor_on: VendorOn
) -> None:
    vendor = vendor_on(emulator, component_uptime=True)
    component = f"{PAGE}-{member_components(emulator, SAMPLE_PAGE)[0]}"
    emulator.inject_fault("*/availability", "status", status=404, count=100)

    with captured_logs() as lines:
        read = [await vendor.component_uptime(PAGE, component, 30) for _ in range(3)]

    assert read == [None, None, None]
    assert counts(emulator) == {
        "/v2/status_pages/{page_id}/components/{component_id}/availability": 1
    }
    assert sum("not read again" in line for line in lines) == 1


async def test_one_page_incident_and_component_by_id(
    emulator: StatuspageEmulator, vendor: IncidentIoVendor
) -> None:
    component, opened = open_incident(emulator, "critical")
    planned = emulator.add_incident(SAMPLE_PAGE, status="scheduled")
    other_page = next(p for p in emulator.state.pages if p != SAMPLE_PAGE)

    page = await vendor.page(PAGE)
    incident = await vendor.incident(PAGE, f"incidentio-{opened['id']}")
    maintenance = await vendor.incident(PAGE, f"incidentio-{planned['id']}")
    placed = await vendor.component(PAGE, f"{PAGE}-{component}")

    assert page["name"] == emulator.state.page(SAMPLE_PAGE).page["name"]
    assert (incident["status"], incident["impact"]) == ("investigating", "critical")
    assert maintenance["status"] == "scheduled"
    assert placed["status"] == "major_outage"
    with pytest.raises(VendorNotFoundError):
        await vendor.page("incidentio-nope")
    with pytest.raises(VendorNotFoundError):
        await vendor.incident(f"incidentio-{other_page}", incident["id"])
    with pytest.raises(VendorNotFoundError):
        await vendor.incident(PAGE, "incidentio-nope")
    with pytest.raises(VendorNotFoundError):
        await vendor.component(PAGE, f"{PAGE}-nope")


@pytest.mark.parametrize("value", ['["a", "b"]', "a, b", ["a", "b"]])
def test_status_page_ids_are_a_json_array_or_a_comma_list(value: Any) -> None:
    settings = settings_of(
        {"incidentio_api_key": KEY, "incidentio_status_page_ids": value}
    ).vendor("incidentio")

    assert settings is not None
    assert settings.page_ids == ("a", "b")


async def test_unset_every_page_is_synced_and_set_only_those_named(
    emulator: StatuspageEmulator, vendor_on: VendorOn
) -> None:
    every_page = vendor_on(emulator)
    chosen = vendor_on(emulator, incidentio_status_page_ids=f"{SAMPLE_PAGE},gone")

    all_pages, none_missing = select_pages(every_page, await every_page.pages())
    some_pages, missing = select_pages(chosen, await chosen.pages())

    assert {p["id"] for p in all_pages} == {
        f"incidentio-{page_id}" for page_id in emulator.state.pages
    }
    assert none_missing == []
    assert [p["id"] for p in some_pages] == [PAGE]
    assert missing == ["gone"]
    assert every_page.settings.rate_limit == RateLimit(1_200, 60)
