"""The Port stand-in: Port's semantics over real HTTP, and its read-back."""

import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.port import PortStub

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION_TYPE = "toy"
INTEGRATION_ID = "toy-1"
OWNER_AGENT = f"port-ocean/{INTEGRATION_TYPE}/0.1.0/{INTEGRATION_ID}/exporter"
OTHER_AGENT = "port-ocean/other/0.1.0/other-1/exporter"

TEAM_BLUEPRINT: dict[str, Any] = {
    "identifier": "toyTeam",
    "title": "Toy team",
    "schema": {"properties": {"size": {"type": "number"}}, "required": []},
}
SERVICE_BLUEPRINT: dict[str, Any] = {
    "identifier": "toyService",
    "title": "Toy service",
    "schema": {
        "properties": {
            "status": {"type": "string", "enum": ["up", "down"]},
            "checkedAt": {"type": "string", "format": "date-time"},
        },
        "required": [],
    },
    "relations": {"team": {"target": "toyTeam", "required": False, "many": False}},
}


@pytest.fixture(scope="module")
def running_stub() -> Iterator[PortStub]:
    with PortStub() as stub:
        yield stub


@pytest.fixture
def port(running_stub: PortStub) -> PortStub:
    running_stub.reset()
    return running_stub


@contextmanager
def _authenticated_client(base_url: str, user_agent: str) -> Iterator[httpx.Client]:
    """A client holding its own token: to the stub, a separate integration run."""
    with httpx.Client(
        base_url=base_url, headers={"User-Agent": user_agent}, timeout=10
    ) as client:
        answer = client.post(
            "/v1/auth/access_token", json={"clientId": "id", "clientSecret": "secret"}
        )
        client.headers["Authorization"] = f"Bearer {answer.json()['accessToken']}"
        yield client


@pytest.fixture
def api(port: PortStub) -> Iterator[httpx.Client]:
    with _authenticated_client(port.base_url, OWNER_AGENT) as client:
        yield client


@pytest.fixture
def blueprints(api: httpx.Client) -> None:
    for blueprint in (TEAM_BLUEPRINT, SERVICE_BLUEPRINT):
        api.post("/v1/blueprints", json=blueprint).raise_for_status()


def _bulk_upsert(
    api: httpx.Client, blueprint: str, entities: list[dict[str, Any]], **params: str
) -> httpx.Response:
    return api.post(
        f"/v1/blueprints/{blueprint}/entities/bulk",
        params={"upsert": "true", **params},
        json={"entities": entities},
    )


def _datasource_listing(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    answer = api.post(
        "/v1/blueprints/entities/datasource-entities",
        json={
            "datasource_prefix": f"port-ocean/{INTEGRATION_TYPE}/",
            "datasource_suffix": f"/{INTEGRATION_ID}/exporter",
            "limit": 5000,
            **extra,
        },
    )
    answer.raise_for_status()
    listing: dict[str, Any] = answer.json()
    return listing


def _identifiers(entities: list[dict[str, Any]]) -> list[str]:
    return [entity["identifier"] for entity in entities]


def test_port_routes_refuse_requests_without_a_token(port: PortStub) -> None:
    answer = httpx.get(f"{port.base_url}/v1/organization")

    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"


def test_unknown_route_answers_404_and_is_kept_for_inspection(
    port: PortStub, api: httpx.Client
) -> None:
    answer = api.get("/v1/not-a-port-route", params={"x": "1"})

    assert answer.status_code == 404
    assert [(entry["method"], entry["path"]) for entry in port.unhandled()] == [
        ("GET", "/v1/not-a-port-route")
    ]


def test_relation_to_a_missing_blueprint_is_refused(api: httpx.Client) -> None:
    answer = api.post("/v1/blueprints", json=SERVICE_BLUEPRINT)

    assert answer.status_code == 404
    assert "toyTeam" in answer.json()["message"]


@pytest.mark.usefixtures("blueprints")
def test_bulk_upsert_stores_valid_entities_and_reports_the_others_by_index(
    port: PortStub, api: httpx.Client
) -> None:
    answer = _bulk_upsert(
        api,
        "toyService",
        [
            {"identifier": "api", "properties": {"status": "up"}},
            {"identifier": "has space", "properties": {"status": "up"}},
            {"identifier": "db", "properties": {"status": "sideways"}},
            {"identifier": "web", "properties": {"colour": "red"}},
            {"identifier": "cache", "properties": {"checkedAt": "yesterday"}},
        ],
    )

    assert answer.status_code == 207
    assert answer.json()["entities"] == [
        {"identifier": "api", "index": 0, "created": True}
    ]
    assert [error["index"] for error in answer.json()["errors"]] == [1, 2, 3, 4]
    assert port.entity_identifiers("toyService") == {"api"}


@pytest.mark.usefixtures("blueprints")
def test_merge_keeps_unsent_properties_and_replace_drops_them(
    port: PortStub, api: httpx.Client
) -> None:
    first = {"identifier": "api", "title": "API", "properties": {"status": "up"}}
    _bulk_upsert(api, "toyService", [first]).raise_for_status()
    later = {"identifier": "api", "properties": {"checkedAt": "2024-05-01T10:00:00Z"}}

    _bulk_upsert(api, "toyService", [later], merge="true").raise_for_status()
    merged = port.entities("toyService")[0]
    _bulk_upsert(api, "toyService", [later], merge="false").raise_for_status()
    replaced = port.entities("toyService")[0]

    assert merged["title"] == "API"
    assert merged["properties"] == {
        "status": "up",
        "checkedAt": "2024-05-01T10:00:00Z",
    }
    assert replaced["title"] is None
    assert replaced["properties"] == {"checkedAt": "2024-05-01T10:00:00Z"}


@pytest.mark.usefixtures("blueprints")
def test_missing_related_entity_is_created_only_when_asked(
    port: PortStub, api: httpx.Client
) -> None:
    service = {"identifier": "api", "relations": {"team": "platform"}}

    refused = api.post(
        "/v1/blueprints/toyService/entities",
        params={"create_missing_related_entities": "false"},
        json=service,
    )
    created = api.post(
        "/v1/blueprints/toyService/entities",
        params={"create_missing_related_entities": "true"},
        json=service,
    )

    assert (refused.status_code, refused.json()["error"]) == (404, "not_found")
    assert created.status_code == 200
    assert port.entity_identifiers("toyTeam") == {"platform"}
    assert port.entities("toyService")[0]["relations"] == {"team": "platform"}


@pytest.mark.usefixtures("blueprints")
def test_datasource_listing_returns_the_owners_entities_created_before_a_time(
    port: PortStub, api: httpx.Client
) -> None:
    _bulk_upsert(api, "toyTeam", [{"identifier": "old"}]).raise_for_status()
    boundary = datetime.now(UTC).isoformat()
    _bulk_upsert(api, "toyTeam", [{"identifier": "new"}]).raise_for_status()
    _bulk_upsert(api, "toyTeam", [{"identifier": "old", "title": "Old"}])
    with _authenticated_client(port.base_url, OTHER_AGENT) as other:
        _bulk_upsert(other, "toyTeam", [{"identifier": "foreign"}]).raise_for_status()

    everything = _datasource_listing(api)
    created_before_boundary = _datasource_listing(api, before=boundary)

    assert _identifiers(everything["entities"]) == ["new", "old"]
    assert _identifiers(created_before_boundary["entities"]) == ["old"]


@pytest.mark.usefixtures("blueprints")
def test_datasource_listing_pages_with_the_next_cursor(api: httpx.Client) -> None:
    teams = [{"identifier": f"team-{index}"} for index in range(5)]
    _bulk_upsert(api, "toyTeam", teams).raise_for_status()

    first = _datasource_listing(api, limit=3)
    second = _datasource_listing(api, limit=3, **{"from": first["next"]})

    assert len(first["entities"]) == 3
    assert second["next"] is None
    assert sorted(_identifiers(first["entities"] + second["entities"])) == sorted(
        team["identifier"] for team in teams
    )


@pytest.mark.usefixtures("blueprints")
def test_search_filters_by_rules_and_returns_only_included_fields(
    api: httpx.Client,
) -> None:
    services = [
        {"identifier": name, "title": name.upper(), "properties": {"status": "up"}}
        for name in ("api", "db", "web")
    ]
    _bulk_upsert(api, "toyService", services).raise_for_status()
    query = {
        "combinator": "and",
        "rules": [
            {"property": "$identifier", "operator": "in", "value": ["api", "web"]},
            {"property": "$blueprint", "operator": "=", "value": "toyService"},
            {
                "property": "$datasource",
                "operator": "contains",
                "value": f"/{INTEGRATION_ID}/exporter",
            },
        ],
    }

    answer = api.post(
        "/v1/entities/search",
        params={"include": ["identifier", "properties.status"]},
        json=query,
    )

    assert answer.json()["entities"] == [
        {"identifier": "api", "properties": {"status": "up"}},
        {"identifier": "web", "properties": {"status": "up"}},
    ]


@pytest.mark.usefixtures("blueprints")
def test_a_search_by_keys_finds_what_a_scan_finds(api: httpx.Client) -> None:
    names = [f"svc-{n}" for n in range(30)]
    services = [{"identifier": name, "properties": {"status": "up"}} for name in names]
    _bulk_upsert(api, "toyService", services).raise_for_status()
    _bulk_upsert(api, "toyTeam", [{"identifier": "svc-3"}]).raise_for_status()
    asked = ["svc-7", "svc-3", "missing", "svc-3"]
    by_keys = {
        "combinator": "and",
        "rules": [
            {"property": "$identifier", "operator": "in", "value": asked},
            {"property": "$blueprint", "operator": "=", "value": "toyService"},
        ],
    }
    # The same question in a shape the stub can only answer by scanning.
    by_scan = {"combinator": "or", "rules": [by_keys]}

    answers = [
        api.post("/v1/entities/search", json=query).json()["entities"]
        for query in (by_keys, by_scan)
    ]

    assert answers[0] == answers[1]
    assert [(e["blueprint"], e["identifier"]) for e in answers[0]] == [
        ("toyService", "svc-3"),
        ("toyService", "svc-7"),
    ]


def test_an_incremental_cursor_is_created_replaced_and_read_per_kind_and_index(
    port: PortStub, api: httpx.Client
) -> None:
    api.post("/v1/integration", json={"installationId": INTEGRATION_ID})
    url = f"/v1/integration/{INTEGRATION_ID}/cursor"
    first: dict[str, str | int] = {"kind": "incident", "index": 3}

    unset = api.get(url, params=first)
    replace_unset = api.put(
        url, params=first, json={"primary": "2026-01-01T00:00:00+00:00"}
    )
    created = api.post(url, params=first, json={"primary": "2026-01-01T00:00:00+00:00"})
    replaced = api.put(url, params=first, json={"primary": "2026-01-02T00:00:00+00:00"})
    other_index = api.get(url, params={"kind": "incident", "index": 4})
    read = api.get(url, params=first)
    nonsense = api.put(url, params=first, json={"primary": "yesterday"})

    assert unset.status_code == 200
    assert unset.json()["cursor"] is None
    assert replace_unset.status_code == 404
    assert created.status_code == replaced.status_code == 200
    assert other_index.json()["cursor"] is None
    assert read.json()["cursor"]["primary"] == "2026-01-02T00:00:00+00:00"
    assert nonsense.status_code == 422
    assert [(c["kind"], c["index"], c["primary"]) for c in port.cursors()] == [
        ("incident", 3, "2026-01-02T00:00:00+00:00")
    ]


def test_search_with_an_unsupported_operator_is_an_error(api: httpx.Client) -> None:
    query = {"combinator": "and", "rules": [{"property": "$title", "operator": "~"}]}

    answer = api.post("/v1/entities/search", json=query)

    assert answer.status_code == 400


@pytest.fixture
def required_team_relation(api: httpx.Client, blueprints: None) -> None:
    api.patch(
        "/v1/blueprints/toyService",
        json={"relations": {"team": {"target": "toyTeam", "required": True}}},
    ).raise_for_status()
    _bulk_upsert(api, "toyTeam", [{"identifier": "platform"}]).raise_for_status()
    service = {"identifier": "api", "relations": {"team": "platform"}}
    _bulk_upsert(api, "toyService", [service]).raise_for_status()


@pytest.mark.usefixtures("required_team_relation")
def test_deleting_a_required_entity_needs_delete_dependents(
    port: PortStub, api: httpx.Client
) -> None:
    refused = api.delete("/v1/blueprints/toyTeam/entities/platform")
    kept = port.entities()
    deleted = api.post(
        "/v1/blueprints/toyTeam/bulk/entities/delete",
        params={"delete_dependents": "true"},
        json={"entities": ["platform", "never-existed"]},
    )

    assert refused.status_code == 422
    assert _identifiers(kept) == ["api", "platform"]
    assert deleted.json()["deletedEntities"] == ["platform"]
    assert port.entities() == []


@pytest.mark.usefixtures("blueprints")
def test_identifiers_with_a_slash_can_be_read_and_deleted(
    port: PortStub, api: httpx.Client
) -> None:
    _bulk_upsert(api, "toyTeam", [{"identifier": "org/platform"}]).raise_for_status()

    read = api.get("/v1/blueprints/toyTeam/entities/org%2Fplatform")
    deleted = api.delete("/v1/blueprints/toyTeam/entities/org%2Fplatform")

    assert read.json()["entity"]["identifier"] == "org/platform"
    assert deleted.status_code == 200
    assert port.entities() == []


def test_integration_record_points_ingestion_back_at_the_stub(
    port: PortStub, api: httpx.Client
) -> None:
    created = api.post(
        "/v1/integration",
        json={"installationId": INTEGRATION_ID, "config": {"resources": []}},
    )
    patched = api.patch(
        f"/v1/integration/{INTEGRATION_ID}",
        json={"config": {"resources": [{"kind": "team"}]}},
    )

    assert created.status_code == 200
    integration = patched.json()["integration"]
    assert integration["config"] == {"resources": [{"kind": "team"}]}
    assert integration["logAttributes"]["ingestUrl"] == f"{port.base_url}/ingest/logs"
    assert port.get_integration(INTEGRATION_ID)["config"] == integration["config"]


@pytest.mark.usefixtures("blueprints")
def test_an_injected_fault_answers_its_blueprints_upserts_for_as_long_as_armed(
    port: PortStub, api: httpx.Client
) -> None:
    port.inject_fault("upsert", 500, blueprint="toyService", times=1)
    port.inject_fault("upsert", 429, blueprint="toyTeam")
    service = [{"identifier": "api", "properties": {"status": "up"}}]

    failed = _bulk_upsert(api, "toyService", service)
    retried = _bulk_upsert(api, "toyService", service)
    limited = [_bulk_upsert(api, "toyTeam", [{"identifier": "t"}]) for _ in range(3)]
    single = api.post("/v1/blueprints/toyTeam/entities", json={"identifier": "t"})

    assert (failed.status_code, failed.json()["error"]) == (500, "stub_fault")
    assert retried.status_code == 200
    assert [answer.status_code for answer in [*limited, single]] == [429] * 4
    assert limited[0].headers["Retry-After"] == "0"
    assert port.entity_identifiers("toyService") == {"api"}
    assert port.entity_identifiers("toyTeam") == set()


@pytest.mark.usefixtures("blueprints")
def test_an_injected_search_fault_fails_the_searches_of_its_blueprint(
    port: PortStub, api: httpx.Client
) -> None:
    port.inject_fault("search", 500, blueprint="toyService")

    def search(blueprint: str) -> int:
        rules = [{"property": "$blueprint", "operator": "=", "value": blueprint}]
        query = {"combinator": "and", "rules": [{"combinator": "and", "rules": rules}]}
        return api.post("/v1/entities/search", json=query).status_code

    assert (search("toyService"), search("toyService"), search("toyTeam")) == (
        500,
        500,
        200,
    )


def test_resync_states_are_recorded_per_run(port: PortStub, api: httpx.Client) -> None:
    api.post("/v1/integration", json={"installationId": INTEGRATION_ID})
    url = f"/v1/integration/{INTEGRATION_ID}/resync-state"

    first = api.patch(url, json={"status": "running"})
    with _authenticated_client(port.base_url, OWNER_AGENT) as second_run:
        second_run.patch(url, json={"status": "failed"})

    assert first.json()["integration"]["resyncState"]["updatedAt"]
    assert [(state["run"], state["status"]) for state in port.resync_states()] == [
        (1, "running"),
        (2, "failed"),
    ]


def test_resync_request_is_what_a_polling_integration_sees(
    port: PortStub, api: httpx.Client
) -> None:
    api.post("/v1/integration", json={"installationId": INTEGRATION_ID})
    before = api.get(f"/v1/integration/{INTEGRATION_ID}/resync-request")

    requested = port.request_resync(INTEGRATION_ID)
    after = api.get(f"/v1/integration/{INTEGRATION_ID}/resync-request")

    assert before.json()["request"] is None
    assert after.json()["request"]["updatedAt"] == requested["updatedAt"]


@pytest.mark.usefixtures("blueprints")
def test_read_back_routes_serve_what_the_handle_returns(
    port: PortStub, api: httpx.Client
) -> None:
    _bulk_upsert(api, "toyTeam", [{"identifier": "platform"}]).raise_for_status()

    entities = httpx.get(f"{port.base_url}/_stub/entities", params={"blueprint": "x"})
    teams = httpx.get(f"{port.base_url}/_stub/entities?blueprint=toyTeam")

    assert entities.json() == []
    assert teams.json() == port.entities("toyTeam")
    assert teams.json()[0]["datasource"] == OWNER_AGENT


@pytest.mark.usefixtures("blueprints")
def test_reset_forgets_everything_including_tokens(
    port: PortStub, api: httpx.Client
) -> None:
    httpx.post(f"{port.base_url}/_stub/reset").raise_for_status()

    assert port.blueprints() == []
    assert port.requests() == []
    assert api.get("/v1/organization").status_code == 401


def test_command_line_server_announces_itself_and_stops_on_sigterm() -> None:
    # Leaving the `with` closes the pipe, which the test must not leave to the collector.
    with subprocess.Popen(
        [sys.executable, "-m", "sandbox.port", "--max-seconds", "30"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            readable, _, _ = select.select([server.stdout], [], [], 15)
            ready_line = server.stdout.readline() if readable else ""
            base_url = ready_line.removeprefix("READY ").strip()
            read_back = httpx.get(f"{base_url}/_stub/blueprints")
            server.send_signal(signal.SIGTERM)
            return_code = server.wait(timeout=10)
        finally:
            server.kill()
            server.wait(timeout=10)

    assert ready_line.startswith("READY http://127.0.0.1:")
    assert read_back.json() == []
    assert return_code == 0


# A real `ocean sail` on a toy integration
