"""The emulator's incident.io dialect, over real HTTP on 127.0.0.1: the same data set as its
Statuspage dialect, with incident.io's cursor paging, Bearer auth, error envelope and 429.
"""

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
BEARER = {"Authorization": f"Bearer {KEY}"}
OAUTH = {"Authorization": f"OAuth {KEY}"}
SAMPLE_PAGE = "8m2l51279rpl"


@pytest.fixture(scope="module")
def emu() -> Iterator[StatuspageEmulator]:
    config = EmulatorConfig(
        data=DataConfig(seed=7, pages=2, groups=3, components=8, incidents=12),
        rate_limit=RateLimitConfig(limit=0),
        api_keys=(KEY,),
    )
    with StatuspageEmulator(config) as running:
        yield running


@pytest.fixture
def api(emu: StatuspageEmulator) -> Iterator[httpx.Client]:
    emu.reset_observations()
    emu.clear_faults()
    with httpx.Client(base_url=emu.base_url, headers=BEARER, timeout=5) as client:
        yield client


def everything(api: httpx.Client, path: str, field: str, **params: Any) -> list[Any]:
    items: list[Any] = []
    after: dict[str, str] = {}
    for _ in range(50):
        body = api.get(path, params={**params, "page_size": 5, **after}).json()
        items += body[field]
        if "after" not in body["pagination_meta"]:
            return items
        after = {"after": body["pagination_meta"]["after"]}
    raise AssertionError("paging never ended")


def test_one_data_set_is_served_in_incident_io_s_shapes(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    pages = everything(api, "/v2/status_pages", "status_pages")
    structure = api.get(f"/v2/status_page_structures/{SAMPLE_PAGE}").json()
    incidents = everything(
        api,
        "/v2/status_page_incidents",
        "status_page_incidents",
        status_page_id=SAMPLE_PAGE,
    )
    maintenances = everything(
        api,
        "/v2/status_page_maintenances",
        "status_page_maintenances",
        status_page_id=SAMPLE_PAGE,
    )

    statuspage_pages = api.get("/v1/pages", headers=OAUTH).json()
    assert [p["id"] for p in pages] == [p["id"] for p in statuspage_pages]
    page = emu.state.page(SAMPLE_PAGE)
    items = structure["current_structure"]["items"]
    (sub_page,) = [item["sub_page"] for item in items if "sub_page" in item]
    nested = [item["group"] for item in sub_page["items"] if "group" in item]
    groups = [item["group"] for item in items if "group" in item] + nested
    assert {sub_page["id"], *(g["id"] for g in groups)} == set(page.groups)
    assert len(nested) == 1
    placed = [item["component"] for item in items if "component" in item]
    placed += [item["component"] for item in sub_page["items"] if "component" in item]
    placed += [member for group in groups for member in group["components"]]
    members = [cid for cid, c in page.components.items() if not c["group"]]
    assert sorted(c["component_id"] for c in placed) == sorted(members)
    assert {i["id"] for i in incidents + maintenances} == set(page.incidents)
    assert all(m["maintenance_status"].startswith("maintenance_") for m in maintenances)
    assert all(i["status_page_id"] == SAMPLE_PAGE for i in incidents + maintenances)


def test_a_cursor_is_given_only_while_more_items_remain(api: httpx.Client) -> None:
    first = api.get("/v2/status_pages", params={"page_size": 1}).json()
    last = api.get(
        "/v2/status_pages",
        params={"page_size": 1, "after": first["pagination_meta"]["after"]},
    ).json()

    assert first["pagination_meta"]["after"] == first["status_pages"][0]["id"]
    assert len(last["status_pages"]) == 1
    assert last["pagination_meta"] == {"page_size": 1}


@pytest.mark.parametrize(
    "params", [{"page_size": 251}, {"page_size": 0}, {"after": "no-such-id"}]
)
def test_paging_out_of_bounds_is_refused_in_the_error_envelope(
    api: httpx.Client, params: dict[str, Any]
) -> None:
    answer = api.get("/v2/status_pages", params=params)

    assert answer.status_code == 422
    body = answer.json()
    assert (body["type"], body["status"]) == ("validation_error", 422)
    assert body["errors"][0]["code"] == "validation_error"
    assert body["request_id"]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, OAUTH], ids=str
)
def test_a_missing_or_bad_key_is_refused_as_incident_io_refuses_it(
    api: httpx.Client, headers: dict[str, str]
) -> None:
    answer = httpx.get(f"{api.base_url}/v2/status_pages", headers=headers)

    assert answer.status_code == 401
    body = answer.json()
    assert (body["type"], body["status"]) == ("authentication_error", 401)
    assert body["errors"][0]["code"] == "missing_authorization_material"


def test_the_rate_limit_answers_429_with_retry_after(
    api: httpx.Client, emu: StatuspageEmulator
) -> None:
    emu.set_rate_limit(2, 30)
    try:
        answers = [api.get("/v2/status_pages") for _ in range(3)]
    finally:
        emu.set_rate_limit(0, 60)

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 30
    assert answers[2].json()["type"] == "too_many_requests"
