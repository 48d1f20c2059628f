"""The emulator's PingPong dialect, over real HTTP on 127.0.0.1: one page of the data set (the
first), in bare arrays, with `Token` auth, `{"detail": ...}` errors, an ongoing-only incident
list, under the same rate limit and faults."""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.statuspage import (
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
    StatuspageEmulator,
)

KEY = "test-key"
TOKEN = {"Authorization": f"Token {KEY}"}
SAMPLE_PAGE = "8m2l51279rpl"
API = "/rest/v1"


def config(**overrides: Any) -> EmulatorConfig:
    values: dict[str, Any] = {
        "data": DataConfig(seed=7, pages=2, groups=2, components=8, incidents=12),
        "rate_limit": RateLimitConfig(limit=0),
        "api_keys": (KEY,),
    }
    return EmulatorConfig(**{**values, **overrides})


@pytest.fixture
def emu() -> Iterator[StatuspageEmulator]:
    with StatuspageEmulator(config()) as running:
        yield running


@pytest.fixture
def api(emu: StatuspageEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{emu.base_url}{API}", headers=TOKEN, timeout=5
    ) as client:
        yield client


def ids(api: httpx.Client, path: str) -> set[str]:
    body = api.get(path).json()
    assert isinstance(body, list)
    return {item["id"] for item in body}


def test_one_page_of_the_data_set_is_served_in_bare_arrays(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    with emu.reading() as state:
        page = state.pages[SAMPLE_PAGE]
        members = {c for c, f in page.components.items() if not f["group"]}
        groups = set(page.groups)
        incidents = page.rendered_incidents()
    ongoing = {
        i["id"]
        for i in incidents
        if not i.get("scheduled_for") and i["status"] not in ("resolved", "postmortem")
    }
    maintenance = {i["id"] for i in incidents if i.get("scheduled_for")}

    assert ids(api, "/components") == members
    assert ids(api, "/groups") == groups
    assert ids(api, "/incidents") == ongoing
    assert ids(api, "/maintenance") == maintenance
    live = api.get("/live").json()
    assert live["project"] == "Ctrlv Solutions"
    assert live["url"] == "https://ctrlvsolutions.pingpong.one"
    assert {i["id"] for i in live["incidents"]} == ongoing


def test_objects_are_in_pingpong_s_fields_and_words(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    member = next(
        c
        for c in emu.state.page(SAMPLE_PAGE).components.values()
        if c["group_id"] and not c["group"]
    )
    emu.set_component_status(SAMPLE_PAGE, member["id"], "partial_outage")
    opened = emu.add_incident(
        SAMPLE_PAGE, name="Checkout down", component_ids=(member["id"],)
    )
    emu.add_incident_update(SAMPLE_PAGE, opened["id"], "monitoring")

    component = api.get(f"/components/{member['id']}").json()
    incident = api.get(f"/incidents/{opened['id']}").json()

    assert (component["status"], component["status_color"]) == (
        "Major issues",
        "orange",
    )
    assert component["group"]["id"] == member["group_id"]
    assert set(component) == {
        "id",
        "project",
        "name",
        "group",
        "created_at",
        "status",
        "status_color",
        "description",
        "showcased",
    }
    assert incident["title"] == "Checkout down"
    assert incident["status"] == "Verifying"
    assert [u["status"] for u in incident["updates"]] == ["Investigating", "Verifying"]
    # The status the incident set its component to.
    assert incident["affected_components"][0]["status"] == "Major issues"
    assert incident["created_at"].endswith("Z")
    assert "." not in incident["created_at"]
    assert api.get("/status").json() == {
        "status": "Some systems have issues",
        "status_color": "orange",
    }


def test_a_resolved_incident_leaves_the_list_and_is_still_read_by_id(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    opened = emu.add_incident(SAMPLE_PAGE, name="Short blip")
    assert opened["id"] in ids(api, "/incidents")

    emu.add_incident_update(SAMPLE_PAGE, opened["id"], "resolved")

    assert opened["id"] not in ids(api, "/incidents")
    read = api.get(f"/incidents/{opened['id']}").json()
    assert read["status"] == "Resolved"
    assert read["updates"][-1]["status"] == "Resolved"


def test_maintenance_and_incidents_are_read_each_at_its_own_path(
    api: httpx.Client,
) -> None:
    maintenance = sorted(ids(api, "/maintenance"))[0]
    incident = sorted(ids(api, "/incidents"))[0]

    assert api.get(f"/maintenance/{maintenance}").status_code == 200
    assert api.get(f"/incidents/{maintenance}").status_code == 404
    assert api.get(f"/maintenance/{incident}").status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": f"Bearer {KEY}"}, {"Authorization": "Token wrong"}],
)
def test_pingpong_paths_want_a_token_and_answer_in_detail(
    emu: StatuspageEmulator, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{emu.base_url}{API}/status", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"detail": "Could not authenticate"}


@pytest.mark.parametrize(
    "path", ["/incidents/nopenopenope", "/components/9w477s340zqt", "/nope"]
)
def test_unknown_objects_and_paths_answer_404_in_detail(
    api: httpx.Client, path: str
) -> None:
    response = api.get(path)

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_the_rate_limit_applies_and_answers_429_with_retry_after() -> None:
    limited = config(rate_limit=RateLimitConfig(limit=2, window_seconds=30))
    with (
        StatuspageEmulator(limited) as emu,
        httpx.Client(base_url=f"{emu.base_url}{API}", headers=TOKEN) as api,
    ):
        statuses = [api.get("/status").status_code for _ in range(3)]
        refused = api.get("/status")

    assert statuses == [200, 200, 429]
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert "Rate limit exceeded" in refused.json()["detail"]


def test_faults_apply_in_detail(api: httpx.Client, emu: StatuspageEmulator) -> None:
    emu.inject_fault(f"{API}/incidents", "status", count=1, status=503)
    emu.inject_fault(f"{API}/components", "malformed")

    faulted = api.get("/incidents")
    recovered = api.get("/incidents")
    broken = api.get("/components")

    assert faulted.status_code == 503
    assert faulted.json() == {"detail": "Injected fault"}
    assert recovered.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
