"""The emulator's OnlineOrNot dialect, over real HTTP on 127.0.0.1: the same data set as its
Statuspage dialect, in OnlineOrNot's envelope, paging, auth and errors, under the same rate
limit and faults."""

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
from tests.sandbox.test_statuspage_emulator import Receiver

KEY = "test-key"
BEARER = {"Authorization": f"Bearer {KEY}"}
OAUTH = {"Authorization": f"OAuth {KEY}"}
SAMPLE_PAGE = "8m2l51279rpl"
SAMPLE_INCIDENT = "f5v3b6dr7k53"


def config(**overrides: Any) -> EmulatorConfig:
    values: dict[str, Any] = {
        "data": DataConfig(seed=7, pages=2, groups=2, components=8, incidents=12),
        "rate_limit": RateLimitConfig(limit=0),
        "api_keys": (KEY,),
    }
    return EmulatorConfig(**{**values, **overrides})


@pytest.fixture(scope="module")
def emu() -> Iterator[StatuspageEmulator]:
    with StatuspageEmulator(config()) as running:
        yield running


@pytest.fixture
def api(emu: StatuspageEmulator) -> Iterator[httpx.Client]:
    emu.reset_observations()
    emu.clear_faults()
    with httpx.Client(base_url=emu.base_url, headers=BEARER, timeout=5) as client:
        yield client


def everything(api: httpx.Client, path: str, per_page: int = 100) -> list[Any]:
    items: list[Any] = []
    for number in range(1, 50):
        body = api.get(path, params={"page": number, "per_page": per_page}).json()
        items += body["result"]
        if not body["result"]:
            return items
    raise AssertionError("paging never ended")


def statuspage_ids(api: httpx.Client, path: str, **params: Any) -> list[str]:
    return [item["id"] for item in api.get(path, headers=OAUTH, params=params).json()]


def test_one_data_set_is_served_in_both_dialects(api: httpx.Client) -> None:
    pages = everything(api, "/v1/status_pages")
    base = f"/v1/status_pages/{SAMPLE_PAGE}"
    components = everything(api, f"{base}/components")
    groups = everything(api, f"{base}/groups")
    incidents = everything(api, f"{base}/incidents")

    assert [p["id"] for p in pages] == statuspage_ids(api, "/v1/pages")
    statuspage_components = api.get(
        f"/v1/pages/{SAMPLE_PAGE}/components", headers=OAUTH
    ).json()
    # A group is its own object here, never one of the components.
    assert [c["id"] for c in components] == [
        c["id"] for c in statuspage_components if not c["group"]
    ]
    assert [g["id"] for g in groups] == statuspage_ids(
        api, f"/v1/pages/{SAMPLE_PAGE}/component-groups"
    )
    assert [i["id"] for i in incidents] == statuspage_ids(
        api, f"/v1/pages/{SAMPLE_PAGE}/incidents", limit=100
    )
    assert set(pages[0]) >= {"id", "name", "subdomain", "custom_domain", "status"}
    assert {c["status"] for c in components} <= {
        "OPERATIONAL",
        "DEGRADED_PERFORMANCE",
        "PARTIAL_OUTAGE",
        "MAJOR_OUTAGE",
        "MAINTENANCE",
    }
    assert all(c["created_at"].endswith(".000Z") for c in components)


def test_an_incident_s_detail_carries_its_components_and_updates_the_list_lacks(
    api: httpx.Client,
) -> None:
    path = f"/v1/status_pages/{SAMPLE_PAGE}/incidents"
    listed = next(i for i in everything(api, path) if i["id"] == SAMPLE_INCIDENT)
    detail = api.get(f"{path}/{SAMPLE_INCIDENT}").json()["result"]
    statuspage = api.get(
        f"/v1/pages/{SAMPLE_PAGE}/incidents/{SAMPLE_INCIDENT}", headers=OAUTH
    ).json()

    assert "updates" not in listed
    assert "components" not in listed
    assert listed["latest_update"]["id"] == statuspage["incident_updates"][0]["id"]
    assert listed["latest_update"]["status"] == "RESOLVED"
    assert (listed["title"], listed["impact"]) == (statuspage["name"], "PARTIAL_OUTAGE")
    assert [c["id"] for c in detail["components"]] == [
        c["id"] for c in statuspage["components"]
    ]
    assert [u["id"] for u in detail["updates"]] == [
        u["id"] for u in reversed(statuspage["incident_updates"])
    ]
    assert [u["status"] for u in detail["updates"]] == [
        "INVESTIGATING",
        "MONITORING",
        "RESOLVED",
    ]


def test_lists_page_with_result_info_some_of_it_in_strings(api: httpx.Client) -> None:
    components = api.get(
        f"/v1/status_pages/{SAMPLE_PAGE}/components",
        params={"page": "2", "per_page": "3"},
    ).json()
    incidents = api.get(
        f"/v1/status_pages/{SAMPLE_PAGE}/incidents",
        params={"page": "1", "per_page": "500"},
    ).json()
    past_the_end = api.get(
        f"/v1/status_pages/{SAMPLE_PAGE}/groups", params={"page": "9"}
    ).json()
    default = api.get(f"/v1/status_pages/{SAMPLE_PAGE}/incidents").json()

    assert components["success"] is True
    assert components["result_info"] == {
        "page": 2,
        "per_page": 3,
        "count": 3,
        "total_count": 8,
    }
    assert incidents["result_info"] == {
        "page": "1",
        "per_page": "100",
        "count": 12,
        "total_count": 12,
    }
    assert past_the_end["result"] == []
    assert past_the_end["result_info"]["total_count"] == 2
    assert default["result_info"]["per_page"] == "20"


@pytest.mark.parametrize("headers", [{}, OAUTH, {"Authorization": "Bearer wrong"}])
def test_onlineornot_paths_want_a_bearer_token_and_answer_in_its_envelope(
    emu: StatuspageEmulator, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{emu.base_url}/v1/status_pages", headers=headers)

    assert response.status_code == 401
    assert response.json() == {
        "result": None,
        "success": False,
        "errors": [{"code": 10002, "message": "Could not authenticate"}],
        "messages": [],
    }


def test_statuspage_paths_still_want_oauth(emu: StatuspageEmulator) -> None:
    response = httpx.get(f"{emu.base_url}/v1/pages", headers=BEARER)

    assert response.status_code == 401
    assert response.json() == {"error": "Could not authenticate", "status": 401}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/status_pages/nopenopenope",
        f"/v1/status_pages/{SAMPLE_PAGE}/incidents/nopenopenope",
        f"/v1/status_pages/{SAMPLE_PAGE}/components/9w477s340zqt",  # a group
        "/v1/status_pages/x/y/z",
    ],
)
def test_unknown_objects_answer_404_in_the_envelope(
    api: httpx.Client, path: str
) -> None:
    response = api.get(path)

    assert response.status_code == 404
    assert response.json()["success"] is False
    assert response.json()["errors"][0]["message"] == "Not Found"


def test_the_rate_limit_applies_and_answers_429_with_retry_after() -> None:
    limited = config(rate_limit=RateLimitConfig(limit=2, window_seconds=30, status=420))
    with (
        StatuspageEmulator(limited) as emu,
        httpx.Client(base_url=emu.base_url, headers=BEARER) as api,
    ):
        statuses = [api.get("/v1/status_pages").status_code for _ in range(3)]
        refused = api.get("/v1/status_pages")

    assert statuses == [200, 200, 429]
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert refused.json()["success"] is False
    assert "Rate limit exceeded" in refused.json()["errors"][0]["message"]


def test_faults_apply_in_the_envelope(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    emu.inject_fault("/v1/status_pages/*/incidents", "status", count=1, status=503)
    emu.inject_fault("/v1/status_pages", "malformed")

    faulted = api.get(f"/v1/status_pages/{SAMPLE_PAGE}/incidents")
    recovered = api.get(f"/v1/status_pages/{SAMPLE_PAGE}/incidents")
    broken = api.get("/v1/status_pages")

    assert faulted.status_code == 503
    assert faulted.json()["errors"] == [{"code": 10001, "message": "Injected fault"}]
    assert recovered.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)


def test_webhooks_are_created_listed_and_deleted(api: httpx.Client) -> None:
    spec = {
        "url": "http://127.0.0.1:9/hook?token=t",
        "events": ["status_page.incident.updated"],
        "status_page_ids": [SAMPLE_PAGE],
    }
    created = api.post("/v1/webhooks", json=spec)
    webhook = created.json()["result"]
    listed = api.get("/v1/webhooks").json()
    invalid = api.post("/v1/webhooks", json={**spec, "events": ["uptime.nope"]})
    unknown_page = api.post("/v1/webhooks", json={**spec, "status_page_ids": ["x"]})
    deleted = api.delete(f"/v1/webhooks/{webhook['id']}")
    again = api.delete(f"/v1/webhooks/{webhook['id']}")

    assert created.status_code == 201
    assert webhook["url"] == spec["url"]
    assert webhook["status_pages"] == [{"id": SAMPLE_PAGE, "name": "Ctrlv Solutions"}]
    assert [w["id"] for w in listed["result"]] == [webhook["id"]]
    assert listed["result_info"]["total_count"] == 1
    assert (invalid.status_code, unknown_page.status_code) == (400, 400)
    assert deleted.status_code == 200
    assert again.status_code == 404


def test_an_incident_event_reaches_the_webhooks_of_its_page_in_onlineornot_shape(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    with Receiver() as receiver:
        for page_id in (SAMPLE_PAGE, statuspage_ids(api, "/v1/pages")[1]):
            api.post(
                "/v1/webhooks",
                json={
                    "url": receiver.url,
                    "events": ["status_page.incident.resolved"],
                    "status_page_ids": [page_id],
                },
            )
        deliveries = emu.broadcast_onlineornot_incident(
            SAMPLE_PAGE, SAMPLE_INCIDENT, "status_page.incident.resolved"
        )
        not_subscribed = emu.broadcast_onlineornot_incident(
            SAMPLE_PAGE, SAMPLE_INCIDENT, "status_page.incident.started"
        )
    for webhook in api.get("/v1/webhooks").json()["result"]:
        api.delete(f"/v1/webhooks/{webhook['id']}")

    assert [d.status_code for d in deliveries] == [202]
    assert not_subscribed == []
    [payload] = receiver.received
    assert payload["type"] == "status_page.incident.resolved"
    status_page = payload["data"]["object"]
    assert (status_page["object"], status_page["id"]) == ("status_page", SAMPLE_PAGE)
    assert status_page["incident"]["id"] == SAMPLE_INCIDENT
    assert status_page["incident"]["impact"] == "major"
