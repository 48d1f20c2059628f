"""Each vendor's writes against the emulator over real HTTP: the vendor-neutral requests land in
the vendor's own fields and words, what comes back is the common shape with a link, Statuspage
finds the incident a run already declared instead of declaring another, a refusal keeps the
vendor's message, and PingPong refuses every write without a request."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from client import VendorApiError, VendorAuthError
from live_events.trust import Installation
from runtime import Runtime
from sandbox.statuspage import DataConfig, EmulatorConfig, StatuspageEmulator
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DEFAULT_ONLINEORNOT_API_KEY,
    DEFAULT_PINGPONG_API_KEY,
)
from sandbox.statuspage.journal import LoggedRequest
from tests.support import ocean_context, settings_of
from vendors.contract import (
    ComponentChange,
    IncidentChange,
    Made,
    NewIncident,
    NewMaintenance,
    Vendor,
    WriteRefusedError,
)

PAGE = "8m2l51279rpl"
PAGE_OON = f"onlineornot-{PAGE}"


@pytest.fixture(scope="module")
def emu() -> Iterator[StatuspageEmulator]:
    sizes = DataConfig(pages=1, groups=1, components=4, incidents=2, updates=1)
    with StatuspageEmulator(EmulatorConfig(data=sizes)) as running:
        yield running


@pytest.fixture
async def vendors(emu: StatuspageEmulator) -> AsyncIterator[dict[str, Vendor]]:
    emu.reset_observations()
    emu.clear_faults()
    config = {
        "statuspage_api_key": DEFAULT_API_KEY,
        "statuspage_host": emu.base_url,
        "onlineornot_api_key": DEFAULT_ONLINEORNOT_API_KEY,
        "onlineornot_host": emu.base_url,
        "pingpong_api_key": DEFAULT_PINGPONG_API_KEY,
        "pingpong_host": emu.base_url,
    }
    with ocean_context():
        runtime = Runtime(settings_of(config), Installation("client", "test"))
        yield {vendor.provider: vendor for vendor in runtime.vendors}
        for vendor in runtime.vendors:
            await vendor.api.aclose()
            if vendor.public_api is not None:
                await vendor.public_api.aclose()


def components(emu: StatuspageEmulator) -> list[str]:
    with emu.reading() as state:
        return [
            c["id"] for c in state.pages[PAGE].components.values() if not c["group"]
        ]


def writes(emu: StatuspageEmulator) -> list[LoggedRequest]:
    return [entry for entry in emu.log if entry.method != "GET"]


def new_incident(key: str, **fields: object) -> NewIncident:
    values: dict[str, object] = {
        "page_id": PAGE,
        "name": f"Checkout errors {key}",
        "status": "investigating",
        "body": "We are looking into failed payments.",
        "components": {},
        "idempotency_key": key,
        **fields,
    }
    return NewIncident(**values)  # type: ignore[arg-type]


async def test_statuspage_declares_an_incident_in_its_own_fields(
    vendors: dict[str, Vendor], emu: StatuspageEmulator
) -> None:
    first, second = components(emu)[:2]
    new = new_incident(
        "r_declare",
        impact="major",
        notify=False,
        components={first: "partial_outage", second: "degraded_performance"},
    )

    written = await vendors["statuspage"].create_incident(new)

    incident = written.item
    assert written.made is Made.INCIDENT
    assert not written.found
    assert incident["provider"] == "statuspage"
    assert incident["impact_override"] == "major"
    assert incident["metadata"] == {"port": {"run_id": "r_declare"}}
    assert written.link == incident["shortlink"]
    assert {c["id"]: c["status"] for c in incident["components"]} == {
        first: "partial_outage",
        second: "degraded_performance",
    }
    [update] = incident["incident_updates"]
    assert update["body"] == "We are looking into failed payments."
    assert {(c["id"], c["status"], c["provider"]) for c in written.components} == {
        (first, "partial_outage", "statuspage"),
        (second, "degraded_performance", "statuspage"),
    }


async def test_statuspage_finds_the_incident_a_run_declared_instead_of_a_second(
    vendors: dict[str, Vendor], emu: StatuspageEmulator
) -> None:
    statuspage = vendors["statuspage"]
    first = await statuspage.create_incident(new_incident("r_twice"))
    again = await statuspage.create_incident(new_incident("r_twice"))
    other_run = await statuspage.create_incident(new_incident("r_other"))

    assert again.found
    assert again.item["id"] == first.item["id"]
    assert again.link == first.link
    assert other_run.item["id"] != first.item["id"]
    assert [entry.method for entry in writes(emu)] == ["POST", "POST"]


async def test_statuspage_updates_keep_the_incident_s_components_and_resolve_it(
    vendors: dict[str, Vendor], emu: StatuspageEmulator
) -> None:
    statuspage = vendors["statuspage"]
    first, second = components(emu)[:2]
    declared = await statuspage.create_incident(
        new_incident("r_update", components={first: "major_outage"})
    )
    incident_id = declared.item["id"]

    updated = await statuspage.update_incident(
        IncidentChange(
            PAGE, incident_id, "identified", "Found it.", {second: "partial_outage"}
        )
    )
    resolved = await statuspage.resolve_incident(
        IncidentChange(PAGE, incident_id, "identified", "All good.", {})
    )

    assert updated.item["status"] == "identified"
    assert [c["id"] for c in updated.item["components"]] == [first, second]
    assert resolved.item["status"] == "resolved"
    assert [u["body"] for u in resolved.item["incident_updates"]][:2] == [
        "All good.",
        "Found it.",
    ]


async def test_statuspage_schedules_a_maintenance_and_sets_a_component_s_status(
    vendors: dict[str, Vendor], emu: StatuspageEmulator
) -> None:
    statuspage = vendors["statuspage"]
    component = components(emu)[2]
    starts = datetime(2031, 5, 1, 2, 0, tzinfo=UTC)

    maintenance = await statuspage.schedule_maintenance(
        NewMaintenance(
            PAGE,
            "Database upgrade",
            "Postgres 16.",
            starts,
            starts + timedelta(hours=2),
            (component,),
            "r_maintenance",
        )
    )
    changed = await statuspage.set_component_status(
        ComponentChange(PAGE, component, "under_maintenance")
    )

    assert maintenance.made is Made.MAINTENANCE
    assert maintenance.item["status"] == "scheduled"
    assert maintenance.item["scheduled_for"] == "2031-05-01T02:00:00Z"
    assert maintenance.item["scheduled_until"] == "2031-05-01T04:00:00Z"
    assert [c["id"] for c in maintenance.item["components"]] == [component]
    assert changed.made is Made.COMPONENT
    assert changed.item["status"] == "under_maintenance"
    assert changed.link is None


async def test_onlineornot_writes_in_its_own_words_and_links_to_the_incident(
    vendors: dict[str, Vendor], emu: StatuspageEmulator
) -> None:
    onlineornot = vendors["onlineornot"]
    first, second = (f"onlineornot-{c}" for c in components(emu)[:2])

    declared = await onlineornot.create_incident(
        new_incident(
            "r_oon",
            page_id=PAGE_OON,
            impact="critical",
            components={first: "major_outage"},
        )
    )
    incident_id = declared.item["id"]
    updated = await onlineornot.update_incident(
        IncidentChange(
            PAGE_OON,
            incident_id,
            "monitoring",
            "Fix deployed.",
            {second: "partial_outage"},
        )
    )
    resolved = await onlineornot.resolve_incident(
        IncidentChange(PAGE_OON, incident_id, "monitoring", "Resolved.", {})
    )

    raw_id = incident_id.removeprefix("onlineornot-")
    assert declared.item["provider"] == "onlineornot"
    assert declared.item["impact"] == "critical"
    assert declared.link is not None
    assert declared.link.endswith(f"/incidents/{raw_id}")
    assert updated.item["status"] == "monitoring"
    assert {c["id"]: c["status"] for c in updated.item["components"]} == {
        first: "major_outage",
        second: "partial_outage",
    }
    assert resolved.item["status"] == "resolved"
    assert [(c["id"], c["status"]) for c in updated.components] == [
        (second, "partial_outage")
    ]
    assert resolved.components == ()
    sent = [entry.route for entry in writes(emu)]
    assert sent == [
        "/v1/status_pages/{page_id}/incidents",
        "/v1/status_pages/{page_id}/incidents/{incident_id}",
        "/v1/status_pages/{page_id}/incidents/{incident_id}/updates",
        "/v1/status_pages/{page_id}/incidents/{incident_id}/updates",
    ]


async def test_onlineornot_schedules_a_maintenance_in_minutes_and_reads_it_back(
    vendors: dict[str, Vendor], emu: StatuspageEmulator
) -> None:
    onlineornot = vendors["onlineornot"]
    component = f"onlineornot-{components(emu)[3]}"
    starts = datetime(2031, 6, 1, 1, 0, tzinfo=UTC)

    scheduled = await onlineornot.schedule_maintenance(
        NewMaintenance(
            PAGE_OON,
            "Network work",
            "Switch swap.",
            starts,
            starts + timedelta(minutes=90, seconds=20),
            (component,),
            "r_oon_maintenance",
        )
    )
    again = await onlineornot.written(Made.MAINTENANCE, PAGE_OON, scheduled.item["id"])
    changed = await onlineornot.set_component_status(
        ComponentChange(PAGE_OON, component, "degraded_performance")
    )

    assert scheduled.item["status"] == "scheduled"
    assert scheduled.item["raw"]["duration_minutes"] == 91
    assert [c["id"] for c in scheduled.item["components"]] == [component]
    assert again.found
    assert again.item["id"] == scheduled.item["id"]
    assert again.item["scheduled_for"] == scheduled.item["scheduled_for"]
    assert changed.item["status"] == "degraded_performance"


async def test_a_vendor_refusal_keeps_its_message_and_a_403_blames_the_role(
    vendors: dict[str, Vendor], emu: StatuspageEmulator
) -> None:
    statuspage = vendors["statuspage"]
    starts = datetime(2031, 5, 1, 2, 0, tzinfo=UTC)
    backwards = NewMaintenance(PAGE, "Oops", "x", starts, starts, (), "r_backwards")
    emu.inject_fault("/v1/pages/*/incidents", "status", status=403, method="POST")

    with pytest.raises(VendorApiError) as forbidden:
        await statuspage.create_incident(new_incident("r_forbidden"))
    with pytest.raises(VendorApiError, match="scheduled_until must be after"):
        await statuspage.schedule_maintenance(backwards)

    assert not isinstance(forbidden.value, VendorAuthError)
    assert "role or permission" in str(forbidden.value)
    assert DEFAULT_API_KEY not in str(forbidden.value)


@pytest.mark.parametrize(
    ("write", "doing"),
    [
        ("create_incident", "declare an incident"),
        ("update_incident", "update an incident"),
        ("resolve_incident", "update an incident"),
        ("set_component_status", "set a component's status"),
        ("schedule_maintenance", "schedule a maintenance"),
    ],
)
async def test_pingpong_refuses_every_write_before_any_request(
    vendors: dict[str, Vendor], emu: StatuspageEmulator, write: str, doing: str
) -> None:
    starts = datetime(2031, 5, 1, tzinfo=UTC)
    request = {
        "create_incident": new_incident("r_pp"),
        "update_incident": IncidentChange(
            "pingpong-p", "pingpong-i", "identified", "x", {}
        ),
        "resolve_incident": IncidentChange(
            "pingpong-p", "pingpong-i", "resolved", "x", {}
        ),
        "set_component_status": ComponentChange(
            "pingpong-p", "pingpong-c", "operational"
        ),
        "schedule_maintenance": NewMaintenance(
            "pingpong-p", "m", "x", starts, starts + timedelta(hours=1), (), "r_pp"
        ),
    }[write]

    with pytest.raises(WriteRefusedError) as refused:
        await getattr(vendors["pingpong"], write)(request)

    assert str(refused.value).startswith(f"PingPong cannot {doing}: ")
    assert "unconfirmed" in str(refused.value)
    assert emu.log == []
