"""The Statuspage emulator answers like Statuspage, over real HTTP on 127.0.0.1."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.statuspage import (
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
    StatuspageEmulator,
)
from sandbox.statuspage.data import generate
from sandbox.statuspage.webhooks import NotLoopbackError
from tests.support import FakeClock, most_in_any_window

KEY = "test-key"
OTHER_KEY = "other-key"
AUTH = {"Authorization": f"OAuth {KEY}"}
SAMPLE_PAGE = "8m2l51279rpl"
SAMPLES = json.loads(
    (Path(__file__).parents[2] / "sandbox/statuspage/samples.json").read_text()
)
UNLIMITED = RateLimitConfig(limit=0)
REPO_ROOT = Path(__file__).parents[2]


class Receiver:
    """A tiny local webhook receiver that remembers what it was sent."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(202)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def config(**overrides: Any) -> EmulatorConfig:
    values: dict[str, Any] = {
        "data": DataConfig(seed=7, pages=2, groups=2, components=8, incidents=12),
        "rate_limit": UNLIMITED,
        "api_keys": (KEY, OTHER_KEY),
    }
    values.update(overrides)
    return EmulatorConfig(**values)


@pytest.fixture(scope="module")
def shared_emu() -> Iterator[StatuspageEmulator]:
    with StatuspageEmulator(config()) as running:
        yield running


@pytest.fixture
def emu(shared_emu: StatuspageEmulator) -> StatuspageEmulator:
    """The module's emulator with knobs and windows reset (uvicorn takes 0.1 s to
    stop, so tests whose data changes are undone at the end share one)."""
    shared_emu.reset_observations()
    shared_emu.clear_faults()
    shared_emu.set_latency(0)
    shared_emu.set_rate_limit(0, 60)
    return shared_emu


@pytest.fixture
def own_emu() -> Iterator[StatuspageEmulator]:
    """A private emulator, for tests whose changes would leak into others."""
    with StatuspageEmulator(config()) as running:
        yield running


@pytest.fixture
def api(emu: StatuspageEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.base_url, headers=AUTH, timeout=5) as client:
        yield client


@pytest.fixture
def own_api(own_emu: StatuspageEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_emu.base_url, headers=AUTH, timeout=5) as client:
        yield client


def get_all_pages(
    api: httpx.Client,
    path: str,
    size_param: str,
    size: int,
    first: int = 1,
    **filters: str,
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for number in range(first, first + 50):
        params: dict[str, str | int] = {"page": number, size_param: size, **filters}
        batch = api.get(path, params=params).json()
        if not batch:
            return items
        assert len(batch) <= size
        items += batch
    raise AssertionError("pagination never ended")


def wait_for_logged_requests(
    emu: StatuspageEmulator, count: int, timeout: float
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if emu.counters.total >= count:
            return True
        time.sleep(0.02)
    return False


# Auth and routing -------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "OAuth wrong"}, {"Authorization": f"Bearer {KEY}"}],
)
def test_requests_without_a_valid_oauth_key_are_refused(
    emu: StatuspageEmulator, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{emu.base_url}/v1/pages", headers=headers)

    assert response.status_code == 401
    assert isinstance(response.json()["error"], str)
    assert KEY not in response.text


def test_base_url_is_the_origin_and_api_url_adds_v1(
    emu: StatuspageEmulator, api: httpx.Client
) -> None:
    assert emu.base_url == f"http://127.0.0.1:{emu.port}"
    assert httpx.get(f"{emu.api_url}/pages", headers=AUTH).status_code == 200
    assert api.get("/v1/pages").status_code == 200


def test_pages_list_is_a_bare_array_without_status_fields(api: httpx.Client) -> None:
    pages = api.get("/v1/pages").json()

    assert isinstance(pages, list)
    assert len(pages) == 2
    assert pages[0]["id"] == SAMPLE_PAGE
    assert all("status_indicator" not in page for page in pages)
    assert all("status_description" not in page for page in pages)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/pages/nopenopenope",
        "/v1/pages/nopenopenope/components",
        f"/v1/pages/{SAMPLE_PAGE}/components/nopenopenope",
        f"/v1/pages/{SAMPLE_PAGE}/incidents/nopenopenope",
        "/v1/no-such-route",
    ],
)
def test_unknown_ids_and_routes_answer_statuspage_404(
    api: httpx.Client, path: str
) -> None:
    response = api.get(path, params={"page": 1, "per_page": 5})

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "status": 404}


def test_incident_updates_have_no_list_route_but_come_embedded(
    api: httpx.Client,
) -> None:
    incidents = f"/v1/pages/{SAMPLE_PAGE}/incidents"
    listed = api.get(f"{incidents}/f5v3b6dr7k53/incident_updates")
    incident = api.get(f"{incidents}/f5v3b6dr7k53").json()

    assert listed.status_code in (404, 405)
    assert listed.json()["error"]
    assert [u["incident_id"] for u in incident["incident_updates"]] == [
        "f5v3b6dr7k53"
    ] * 3


# Pagination -------------------------------------------------------------------


def test_components_pages_add_up_to_the_unpaginated_list(api: httpx.Client) -> None:
    path = f"/v1/pages/{SAMPLE_PAGE}/components"
    paged = get_all_pages(api, path, "per_page", 3)
    everything = api.get(path).json()

    assert [c["id"] for c in paged] == [c["id"] for c in everything]
    assert len(everything) == 8 + 2  # members plus one container per group
    assert api.get(path, params={"page": 99, "per_page": 3}).json() == []


def test_page_sizes_above_100_are_capped() -> None:
    big = config(data=DataConfig(seed=3, pages=1, groups=1, components=130))
    with (
        StatuspageEmulator(big) as emu,
        httpx.Client(base_url=emu.base_url, headers=AUTH) as api,
    ):
        path = f"/v1/pages/{SAMPLE_PAGE}/components"
        first = api.get(path, params={"page": 1, "per_page": 500}).json()
        second = api.get(path, params={"page": 2, "per_page": 500}).json()

    assert len(first) == 100
    assert len(second) == 131 - 100  # 130 members and the sample group's container


def test_groups_are_listed_as_containers_with_their_members(
    api: httpx.Client,
) -> None:
    groups = get_all_pages(
        api, f"/v1/pages/{SAMPLE_PAGE}/component-groups", "per_page", 1
    )
    components = api.get(f"/v1/pages/{SAMPLE_PAGE}/components").json()
    containers = {c["id"] for c in components if c["group"]}

    assert len(groups) == 2
    assert containers == {g["id"] for g in groups}
    for group in groups:
        members = [c["id"] for c in components if c["group_id"] == group["id"]]
        assert members == group["components"]
        assert members


def test_incidents_paginate_with_limit_newest_first(api: httpx.Client) -> None:
    path = f"/v1/pages/{SAMPLE_PAGE}/incidents"
    paged = get_all_pages(api, path, "limit", 5)
    capped = api.get(path, params={"page": 1, "limit": 1000}).json()

    assert len(paged) == 12
    assert [i["id"] for i in capped] == [i["id"] for i in paged]
    created = [i["created_at"] for i in paged]
    assert created == sorted(created, reverse=True)
    assert api.get(path, params={"page": 4, "limit": 5}).json() == []


def test_incident_lists_by_status_hold_open_upcoming_and_running_ones_newest_first(
    own_api: httpx.Client, own_emu: StatuspageEmulator
) -> None:
    path = f"/v1/pages/{SAMPLE_PAGE}/incidents"
    opened = own_emu.add_incident(SAMPLE_PAGE, status="identified")
    upcoming = own_emu.add_incident(SAMPLE_PAGE, status="scheduled", impact="none")
    running = own_emu.add_incident(SAMPLE_PAGE, status="scheduled", impact="none")
    own_emu.add_incident_update(SAMPLE_PAGE, running["id"], "in_progress")
    everything = get_all_pages(own_api, path, "limit", 100)

    def listed(name: str) -> list[dict[str, Any]]:
        return get_all_pages(own_api, f"{path}/{name}", "per_page", 2)

    def of_status(*statuses: str) -> list[str]:
        return [i["id"] for i in everything if i["status"] in statuses]

    unresolved = listed("unresolved")
    assert [i["id"] for i in unresolved] == of_status(
        "investigating", "identified", "monitoring"
    )
    assert opened["id"] in [i["id"] for i in unresolved]
    assert [i["id"] for i in listed("upcoming")] == of_status("scheduled")
    assert upcoming["id"] in of_status("scheduled")
    assert running["id"] in [i["id"] for i in listed("active_maintenance")]
    assert [i["id"] for i in listed("active_maintenance")] == of_status(
        "in_progress", "verifying"
    )
    # Whole incidents, as /incidents has them, updates included.
    assert unresolved[0] == next(
        i for i in everything if i["id"] == unresolved[0]["id"]
    )
    assert own_api.get(f"{path}/unresolved", params={"page": 0}).status_code == 400


def test_invalid_paging_parameters_are_rejected(api: httpx.Client) -> None:
    response = api.get(f"/v1/pages/{SAMPLE_PAGE}/incidents", params={"page": 0})

    assert response.status_code == 400
    assert response.json()["status"] == 400


# Subscribers ------------------------------------------------------------------


def test_subscribers_page_from_zero_and_filter_by_state_and_type(
    api: httpx.Client,
) -> None:
    path = f"/v1/pages/{SAMPLE_PAGE}/subscribers"
    everyone = api.get(path, params={"state": "all"}).json()
    paged = get_all_pages(api, path, "limit", 3, first=0, state="all")
    active = api.get(path).json()
    webhooks = api.get(path, params={"type": "webhook"}).json()

    assert [s["id"] for s in paged] == [s["id"] for s in everyone]
    assert len(everyone) > len(active) > 0
    assert api.get(path, params={"state": "quarantined"}).json()[0]["quarantined_at"]
    assert {s["mode"] for s in everyone} >= {"email", "sms", "slack", "webhook"}
    assert [s["mode"] for s in webhooks] == ["webhook"]
    assert api.get(path, params={"page": 1, "limit": 100}).json() == []


def test_webhook_subscriber_is_created_and_unsubscribed_leaving_others(
    api: httpx.Client,
) -> None:
    path = f"/v1/pages/{SAMPLE_PAGE}/subscribers"
    before = api.get(path, params={"state": "all"}).json()

    created = api.post(
        path,
        json={"subscriber": {"endpoint": "http://127.0.0.1:9/hook", "email": "a@b.io"}},
    )
    subscriber = created.json()
    listed = api.get(path, params={"type": "webhook"}).json()
    deleted = api.delete(f"{path}/{subscriber['id']}")
    after = api.get(path, params={"state": "all"}).json()

    assert created.status_code == 201
    assert subscriber["mode"] == "webhook"
    assert subscriber["endpoint"] == "http://127.0.0.1:9/hook"
    assert subscriber["email"] == "a@b.io"
    assert subscriber["quarantined_at"] is None
    assert len(subscriber["id"]) == 12
    assert subscriber["created_at"]
    assert subscriber["id"] in [s["id"] for s in listed]
    assert len(listed) == 2  # ours and the seeded foreign one
    assert deleted.status_code == 200
    assert after == before


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "http://x"},
        {"subscriber": {"endpoint": "ftp://x"}},
        {"subscriber": {}},
    ],
)
def test_malformed_subscriber_requests_are_rejected(
    api: httpx.Client, body: dict[str, Any]
) -> None:
    response = api.post(f"/v1/pages/{SAMPLE_PAGE}/subscribers", json=body)

    assert response.status_code in (400, 422)
    assert response.json()["error"]


# Rate limits ------------------------------------------------------------------


def test_rolling_window_retry_after_is_the_time_until_a_slot_frees() -> None:
    clock = FakeClock()
    limited = config(rate_limit=RateLimitConfig(limit=3, window_seconds=10))
    with (
        StatuspageEmulator(limited, clock=clock) as emu,
        httpx.Client(base_url=emu.base_url, headers=AUTH) as api,
    ):
        statuses = []
        for _ in range(3):
            statuses.append(api.get("/v1/pages").status_code)
            clock.now += 2  # admitted at 0, 2, 4
        clock.now -= 1  # now 5
        full = api.get(f"/v1/pages/{SAMPLE_PAGE}")
        clock.now += 5  # 10: the request of 0 has left the window
        freed = api.get("/v1/pages")
        clock.now += 0.5  # 10.5: the next slot frees at 12
        full_again = api.get("/v1/pages")

    assert statuses == [200, 200, 200]
    assert full.status_code == 420
    assert full.headers["Retry-After"] == "5"
    assert full.json()["error"]
    assert freed.status_code == 200
    assert full_again.status_code == 420
    assert full_again.headers["Retry-After"] == "2"


def test_rejected_requests_do_not_use_up_slots_and_429_is_configurable() -> None:
    clock = FakeClock()
    limited = config(rate_limit=RateLimitConfig(limit=2, window_seconds=1, status=429))
    with (
        StatuspageEmulator(limited, clock=clock) as emu,
        httpx.Client(base_url=emu.base_url, headers=AUTH) as api,
    ):
        admitted = [api.get("/v1/pages").status_code for _ in range(2)]
        rejected = [api.get("/v1/pages").status_code for _ in range(5)]
        other_key = api.get(
            "/v1/pages", headers={"Authorization": f"OAuth {OTHER_KEY}"}
        )
        clock.now += 1
        after_window = [api.get("/v1/pages").status_code for _ in range(3)]

    assert admitted == [200, 200]
    assert rejected == [429] * 5
    assert other_key.status_code == 200
    assert after_window == [200, 200, 429]


def test_real_time_window_never_admits_more_than_n_in_any_w_seconds() -> None:
    limit, window = 5, 1.0
    limited = config(rate_limit=RateLimitConfig(limit=limit, window_seconds=window))
    with (
        StatuspageEmulator(limited) as emu,
        httpx.Client(base_url=emu.base_url, headers=AUTH) as api,
    ):
        deadline = time.monotonic() + 1.3
        while time.monotonic() < deadline:
            response = api.get("/v1/pages")
            if response.status_code == 420:
                assert response.headers["Retry-After"] == "1"
                time.sleep(0.05)
        log = emu.log

    admitted = [entry.timestamp for entry in log if entry.status == 200]
    assert len(admitted) >= 2 * limit  # the window slid: a second batch got in
    assert any(entry.status == 420 for entry in log)
    assert most_in_any_window(admitted, window) <= limit


# Faults, latency, log ---------------------------------------------------------


def test_status_fault_hits_only_the_next_n_matching_calls(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    emu.inject_fault("/v1/pages/*/incidents", "status", count=2, status=503)

    other_route = api.get("/v1/pages")
    faulted = [api.get(f"/v1/pages/{SAMPLE_PAGE}/incidents") for _ in range(2)]
    recovered = api.get(f"/v1/pages/{SAMPLE_PAGE}/incidents")

    assert other_route.status_code == 200
    assert [r.status_code for r in faulted] == [503, 503]
    assert faulted[0].json() == {"error": "Injected fault", "status": 503}
    assert recovered.status_code == 200


def test_slow_fault_outlasts_the_client_timeout_once(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    emu.inject_fault("/v1/pages/{page_id}", "slow", seconds=0.6, method="GET")

    with pytest.raises(httpx.ReadTimeout):
        api.get(f"/v1/pages/{SAMPLE_PAGE}", timeout=0.2)
    started = time.monotonic()
    again = api.get(f"/v1/pages/{SAMPLE_PAGE}")

    assert again.status_code == 200
    assert time.monotonic() - started < 0.5
    # The abandoned request is still sleeping in the server; it must be logged
    # here, not in whichever test resets the shared emulator next.
    assert wait_for_logged_requests(emu, 2, timeout=5)


def test_malformed_fault_answers_truncated_json(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    emu.inject_fault("/v1/pages", "malformed")

    broken = api.get("/v1/pages")
    fine = api.get("/v1/pages")

    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert fine.content.startswith(broken.content)
    assert fine.json()[0]["id"] == SAMPLE_PAGE


def test_latency_delays_each_api_call(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    emu.set_latency(0.25)
    started = time.monotonic()
    api.get("/v1/pages")

    assert time.monotonic() - started >= 0.25


def test_request_log_and_counters_record_and_reset(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    api.get(f"/v1/pages/{SAMPLE_PAGE}/incidents", params={"page": 2, "limit": 3})
    api.get("/v1/pages/unknownpage1")
    httpx.get(f"{emu.base_url}/v1/pages")

    entry = emu.log[0]
    counters = emu.counters
    emu.reset_observations()

    assert (entry.method, entry.path, entry.query, entry.status) == (
        "GET",
        f"/v1/pages/{SAMPLE_PAGE}/incidents",
        "page=2&limit=3",
        200,
    )
    assert entry.route == "/v1/pages/{page_id}/incidents"
    assert abs(entry.timestamp - time.monotonic()) < 5
    assert counters.total == 3
    assert counters.by_route["/v1/pages/{page_id}"] == 1
    assert counters.by_status == {200: 1, 404: 1, 401: 1}
    assert emu.log == []
    assert emu.counters.total == 0


def test_a_request_is_logged_before_its_client_has_the_answer(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    logged_when_answered = []
    for _ in range(100):
        api.get("/v1/pages")
        logged_when_answered.append(emu.counters.total)

    assert logged_when_answered == list(range(1, 101))


# Data -------------------------------------------------------------------------


def test_docs_samples_are_served_verbatim(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    base = f"/v1/pages/{SAMPLE_PAGE}"
    page = api.get(base).json()
    groups = api.get(f"{base}/component-groups").json()
    group = next(g for g in groups if g["id"] == "9w477s340zqt")
    component = api.get(f"{base}/components/y6ssccsqgy8s").json()
    incident = api.get(f"{base}/incidents/f5v3b6dr7k53").json()

    # But for the page's url, which points at its public status API here.
    assert page == {**SAMPLES["page"], "url": f"{emu.base_url}/public/ctrlvsolutions"}
    assert group == SAMPLES["component_group"]
    assert component == SAMPLES["component"]
    assert incident == SAMPLES["incident"]
    # Spot checks against the docs themselves, in case samples.json drifts.
    assert (page["name"], page["subdomain"]) == ("Ctrlv Solutions", "ctrlvsolutions")
    assert (group["name"], group["components"]) == ("Backend", ["3chbmx8qmlny"])
    assert (component["name"], component["start_date"]) == ("API Gateway", "2024-06-07")
    assert incident["name"] == "API Gateway Timeout Errors"
    assert [u["id"] for u in incident["incident_updates"]] == [
        "rgm45b89jz31",
        "p19ll31ysh49",
        "gkjdpm52nm97",
    ]
    assert incident["incident_updates"][2]["affected_components"] is None
    assert [c["id"] for c in incident["components"]] == [
        "7ddtptqkb02y",
        "3chbmx8qmlny",
        "kvpxtsp2k1lf",
        "3h6c0mc56qdr",
    ]
    for embedded in incident["components"]:
        assert api.get(f"{base}/components/{embedded['id']}").json() == embedded


def test_same_seed_same_data_and_other_seed_other_data() -> None:
    sizes = {"pages": 3, "groups": 3, "components": 12, "incidents": 30}

    def snapshot(seed: int) -> str:
        state = generate(DataConfig(seed=seed, **sizes))
        return json.dumps(
            {
                pid: [
                    page.page,
                    page.groups,
                    page.components,
                    page.rendered_incidents(),
                    [s.fields for s in page.subscribers.values()],
                ]
                for pid, page in state.pages.items()
            },
            sort_keys=True,
        )

    assert snapshot(11) == snapshot(11)
    assert snapshot(11) != snapshot(12)


def test_generated_objects_look_like_statuspage_and_generation_is_fast() -> None:
    started = time.perf_counter()
    state = generate(DataConfig(seed=5, pages=1, components=20, incidents=500))
    elapsed = time.perf_counter() - started
    page = state.page(SAMPLE_PAGE)
    generated = [r.fields for r in page.incidents.values()][:-1]

    assert elapsed < 1.0
    assert len(page.incidents) == 500
    assert all(len(i["id"]) == 12 and i["id"].isalnum() for i in generated)
    assert all(len(i["incident_updates"]) == 3 for i in generated)
    assert all(i["id"].islower() or i["id"].isdigit() for i in generated)
    dates = [c["start_date"] for c in page.components.values() if c["start_date"]]
    assert all(len(d) == 10 and d[4] == d[7] == "-" for d in dates)


# Mutations and webhooks -------------------------------------------------------


def test_added_incident_is_listed_first_and_removed_incident_is_gone(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    path = f"/v1/pages/{SAMPLE_PAGE}/incidents"
    added = emu.add_incident(
        SAMPLE_PAGE,
        name="Queue backlog",
        impact="critical",
        component_ids=("y6ssccsqgy8s",),
    )

    newest = api.get(path, params={"page": 1, "limit": 1}).json()[0]
    status_while_open = emu.page_status(SAMPLE_PAGE)
    emu.remove_incident(SAMPLE_PAGE, added["id"])

    assert newest == added
    assert newest["components"][0]["id"] == "y6ssccsqgy8s"
    assert newest["incident_updates"][0]["incident_id"] == added["id"]
    assert status_while_open[0] == "critical"
    assert api.get(f"{path}/{added['id']}").status_code == 404
    assert emu.page_status(SAMPLE_PAGE)[0] != "critical"


def test_component_status_change_updates_component_and_page_status(
    own_emu: StatuspageEmulator, own_api: httpx.Client
) -> None:
    emu, api = own_emu, own_api
    before = api.get(f"/v1/pages/{SAMPLE_PAGE}/components/3chbmx8qmlny").json()

    change = emu.set_component_status(SAMPLE_PAGE, "3chbmx8qmlny", "major_outage")
    after = api.get(f"/v1/pages/{SAMPLE_PAGE}/components/3chbmx8qmlny").json()
    container = api.get(f"/v1/pages/{SAMPLE_PAGE}/components/9w477s340zqt").json()

    assert change["old_status"] == before["status"] == "operational"
    assert change["new_status"] == after["status"] == "major_outage"
    assert after["updated_at"] > before["updated_at"]
    assert container["status"] == "major_outage"
    assert emu.page_status(SAMPLE_PAGE) == ("critical", "Major System Outage")


def test_webhooks_reach_a_local_receiver_in_statuspage_shape(
    own_emu: StatuspageEmulator,
) -> None:
    emu = own_emu
    emu.set_component_status(SAMPLE_PAGE, "kvpxtsp2k1lf", "operational")
    with Receiver() as receiver:
        incident_delivery = emu.send_webhook(
            receiver.url, emu.incident_webhook_payload(SAMPLE_PAGE, "f5v3b6dr7k53")
        )
        component_delivery = emu.send_webhook(
            receiver.url, emu.component_webhook_payload(SAMPLE_PAGE, "kvpxtsp2k1lf")
        )
    incident_payload, component_payload = receiver.received

    assert incident_delivery.status_code == component_delivery.status_code == 202
    assert set(incident_payload) == {"meta", "page", "incident"}
    assert set(incident_payload["meta"]) == {"unsubscribe", "documentation"}
    assert incident_payload["page"] == {
        "id": SAMPLE_PAGE,
        "status_indicator": emu.page_status(SAMPLE_PAGE)[0],
        "status_description": emu.page_status(SAMPLE_PAGE)[1],
    }
    assert incident_payload["incident"]["id"] == "f5v3b6dr7k53"
    assert len(incident_payload["incident"]["incident_updates"]) == 3
    assert len(incident_payload["incident"]["components"]) == 4
    assert set(component_payload) == {"meta", "page", "component_update", "component"}
    assert component_payload["component_update"]["component_id"] == "kvpxtsp2k1lf"
    assert component_payload["component_update"]["old_status"] == "partial_outage"
    assert component_payload["component_update"]["new_status"] == "operational"
    assert set(component_payload["component_update"]) == {
        "created_at",
        "new_status",
        "old_status",
        "id",
        "component_id",
    }
    assert component_payload["component"] == {
        "created_at": "2024-06-06T15:49:37Z",
        "id": "kvpxtsp2k1lf",
        "name": "Payment Service",
        "status": "operational",
    }


def test_broadcast_reaches_local_subscribers_and_never_leaves_the_machine(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    with Receiver() as receiver:
        subscriber = api.post(
            f"/v1/pages/{SAMPLE_PAGE}/subscribers",
            json={"subscriber": {"endpoint": receiver.url, "email": "x@example.com"}},
        ).json()
        deliveries = emu.broadcast_incident(SAMPLE_PAGE, "f5v3b6dr7k53")

    sent = [d for d in deliveries if d.ok]
    skipped = [d for d in deliveries if not d.ok]
    assert [d.subscriber_id for d in sent] == [subscriber["id"]]
    assert len(skipped) == 1
    assert skipped[0].status_code is None
    assert len(receiver.received) == 1
    assert subscriber["id"] in receiver.received[0]["meta"]["unsubscribe"]
    with pytest.raises(NotLoopbackError):
        emu.send_webhook("https://hooks.example.com/x", {"meta": {}})


def test_the_request_log_and_counters_are_readable_over_http(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    api.get("/v1/pages")
    api.get("/v1/status_pages", headers={"Authorization": f"Bearer {KEY}"})
    with httpx.Client(base_url=f"{emu.base_url}/_sandbox", timeout=5) as control:
        log = control.get("/log").json()
        counters = control.get("/counters").json()
        driving = control.post(f"/pages/{SAMPLE_PAGE}/incidents", json={})

    assert [(entry["path"], entry["status"]) for entry in log] == [
        ("/v1/pages", 200),
        ("/v1/status_pages", 200),
    ]
    assert counters["total"] == 2
    assert counters["by_route"] == {"/v1/pages": 1, "/v1/status_pages": 1}
    # Driving the emulator is EmulatorCore's, in process; over HTTP it only reads.
    assert driving.status_code in (404, 405)


# CLI --------------------------------------------------------------------------


def test_cli_prints_ready_serves_and_exits_cleanly_on_sigterm() -> None:
    command = [
        sys.executable,
        "-m",
        "sandbox.statuspage",
        *("--seed", "1", "--pages", "1", "--incidents", "5", "--api-key", KEY),
    ]
    # Leaving the `with` closes the pipes, which the test must not leave to the collector.
    with subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        try:
            assert process.stdout is not None
            ready = _read_line_within(process, 15)
            word, base_url = ready.split()
            pages = httpx.get(f"{base_url}/v1/pages", headers=AUTH, timeout=5)
            process.send_signal(signal.SIGTERM)
            exit_code = process.wait(10)
            printed_after_ready = process.stdout.read()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(5)

    assert word == "READY"
    assert base_url.startswith("http://127.0.0.1:")
    assert pages.json()[0]["id"] == SAMPLE_PAGE
    assert exit_code == 0
    assert printed_after_ready == ""


def _read_line_within(process: subprocess.Popen[str], seconds: float) -> str:
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.append(
            process.stdout.readline() if process.stdout else ""
        ),
        daemon=True,
    )
    reader.start()
    reader.join(seconds)
    if not lines or not lines[0]:
        stderr = (
            process.stderr.read()
            if process.poll() is not None and process.stderr
            else ""
        )
        raise AssertionError(f"no READY line within {seconds}s: {stderr}")
    return lines[0]
