"""The emulator serves each page's public status API and the component uptime endpoint, over
real HTTP on 127.0.0.1, with its faults, latency, log and rate limit as for the rest."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from sandbox.statuspage import DataConfig, EmulatorConfig, StatuspageEmulator
from sandbox.statuspage.config import RateLimitConfig

KEY = "test-key"
AUTH = {"Authorization": f"OAuth {KEY}"}
SAMPLE_PAGE = "8m2l51279rpl"
SHOWCASED = "y6ssccsqgy8s"  # the docs' sample component
GROUP = "9w477s340zqt"


@pytest.fixture
def emu() -> Iterator[StatuspageEmulator]:
    config = EmulatorConfig(
        data=DataConfig(seed=3, pages=2, groups=2, components=6, incidents=4),
        rate_limit=RateLimitConfig(limit=0),
        api_keys=(KEY,),
    )
    with StatuspageEmulator(config) as running:
        yield running


@pytest.fixture
def api(emu: StatuspageEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.base_url, headers=AUTH, timeout=5) as client:
        yield client


def status_of(page: dict[str, object]) -> httpx.Response:
    # No key: the public status API needs none.
    return httpx.get(f"{page['url']}/api/v2/status.json", timeout=5)


def test_a_public_page_s_url_leads_to_its_status_without_a_key(
    emu: StatuspageEmulator, api: httpx.Client
) -> None:
    pages = api.get("/v1/pages").json()

    for page in pages:
        answer = status_of(page)
        assert answer.status_code == 200
        body = answer.json()
        assert body["page"]["id"] == page["id"]
        assert body["page"]["url"] == page["url"]
        assert (body["status"]["indicator"], body["status"]["description"]) == (
            emu.page_status(page["id"])
        )
    assert {entry.route for entry in emu.log} == {
        "/v1/pages",
        "/public/{subdomain}/api/v2/status.json",
    }


def test_a_private_page_s_status_api_refuses(
    emu: StatuspageEmulator, api: httpx.Client
) -> None:
    public_url = api.get(f"/v1/pages/{SAMPLE_PAGE}").json()["url"]
    emu.set_page_private(SAMPLE_PAGE)

    page = api.get(f"/v1/pages/{SAMPLE_PAGE}").json()

    assert page["viewers_must_be_team_members"] is True
    assert page["url"] is None  # the docs' sample page has no custom domain
    assert httpx.get(f"{public_url}/api/v2/status.json").status_code == 401


def test_a_status_change_dates_the_public_answer(
    emu: StatuspageEmulator, api: httpx.Client
) -> None:
    page = api.get(f"/v1/pages/{SAMPLE_PAGE}").json()
    before = status_of(page).json()
    open_incidents = [
        incident["id"]
        for incident in api.get(f"/v1/pages/{SAMPLE_PAGE}/incidents").json()
        if incident["status"] not in ("resolved", "completed", "scheduled")
    ]

    for incident_id in open_incidents:
        emu.add_incident_update(SAMPLE_PAGE, incident_id, "resolved")
    for component in api.get(f"/v1/pages/{SAMPLE_PAGE}/components").json():
        if not component["group"]:
            emu.set_component_status(SAMPLE_PAGE, component["id"], "operational")
    emu.set_component_status(SAMPLE_PAGE, SHOWCASED, "degraded_performance")
    after = status_of(page).json()

    assert after["status"] == {
        "indicator": "minor",
        "description": "Partially Degraded Service",
    }
    assert after["status"] != before["status"]
    assert after["page"]["updated_at"] > before["page"]["updated_at"]
    assert after["page"]["updated_at"][:10] == datetime.now(UTC).date().isoformat()


def test_faults_apply_to_the_public_status_api_but_the_key_s_limit_does_not(
    emu: StatuspageEmulator, api: httpx.Client
) -> None:
    page = api.get(f"/v1/pages/{SAMPLE_PAGE}").json()
    emu.set_rate_limit(1, 60)
    assert api.get("/v1/pages").status_code == 200  # the key's one request a minute
    emu.inject_fault("/public/*", "status", status=503)

    faulted = status_of(page)
    answered = [status_of(page).status_code for _ in range(3)]

    assert faulted.status_code == 503
    assert answered == [200, 200, 200]
    assert api.get("/v1/pages").status_code == 420


def test_uptime_is_served_for_a_showcased_component_over_the_range_asked(
    api: httpx.Client,
) -> None:
    path = f"/v1/pages/{SAMPLE_PAGE}/components/{SHOWCASED}/uptime"
    params = {"start": "2026-01-01", "end": "2026-01-30"}

    first = api.get(path, params=params)
    again = api.get(path, params=params)

    assert first.status_code == 200
    body = first.json()
    assert body == again.json()
    assert body["id"] == SHOWCASED
    assert (body["range_start"], body["range_end"]) == ("2026-01-01", "2026-01-30")
    assert 97.0 <= body["uptime_percentage"] <= 100.0
    down = round(30 * 86_400 * (100 - body["uptime_percentage"]) / 100)
    assert body["major_outage"] + body["partial_outage"] == down


def test_uptime_defaults_to_the_last_90_days_at_most(api: httpx.Client) -> None:
    body = api.get(f"/v1/pages/{SAMPLE_PAGE}/components/{SHOWCASED}/uptime").json()

    today = datetime.now(UTC).date()
    assert date.fromisoformat(body["range_end"]) == today
    assert date.fromisoformat(body["range_start"]) >= today - timedelta(days=90)


@pytest.mark.parametrize(
    ("component", "params", "status"),
    [
        (GROUP, {}, 422),
        (SHOWCASED, {"start": "2026-02-01", "end": "2026-01-01"}, 422),
        (SHOWCASED, {"start": "2025-01-01", "end": "2026-01-01"}, 422),
        (SHOWCASED, {"start": "yesterday"}, 400),
        ("nopenopenope", {}, 404),
    ],
)
def test_uptime_refuses_what_statuspage_refuses(
    api: httpx.Client, component: str, params: dict[str, str], status: int
) -> None:
    answer = api.get(
        f"/v1/pages/{SAMPLE_PAGE}/components/{component}/uptime", params=params
    )

    assert answer.status_code == status
    assert isinstance(answer.json()["error"], str)


def test_uptime_needs_the_key(emu: StatuspageEmulator) -> None:
    path = f"/v1/pages/{SAMPLE_PAGE}/components/{SHOWCASED}/uptime"

    assert httpx.get(f"{emu.base_url}{path}").status_code == 401
