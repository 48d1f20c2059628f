"""The Port stand-in's actions over real HTTP: definitions, a run started with Port's route and
its inputs rendered into the integration action's properties, the claim with its visibility
timeout, the ack's 409, run patches, logs and read-back, redelivery, and the workflow-node claim
Ocean polls."""

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.port import PortStub

INSTALLATION = "statuspage-stub-test"
DEFINITION: dict[str, Any] = {
    "identifier": "declare",
    "title": "Declare",
    "trigger": {
        "type": "self-service",
        "operation": "CREATE",
        "userInputs": {
            "properties": {"page": {"type": "string"}, "name": {"type": "string"}},
            "required": ["page", "name"],
        },
    },
    "invocationMethod": {
        "type": "INTEGRATION_ACTION",
        "installationId": INSTALLATION,
        "integrationActionType": "create_incident",
        "integrationActionExecutionProperties": {
            "page": "{{ .inputs.page }}",
            "name": "{{ .inputs.name }}",
            "title": "Outage: {{ .inputs.name }}",
            "notify": "{{ .inputs.notify }}",
        },
    },
}


@pytest.fixture(scope="module")
def running_stub() -> Iterator[PortStub]:
    with PortStub() as stub:
        yield stub


@pytest.fixture
def port(running_stub: PortStub) -> Iterator[httpx.Client]:
    running_stub.reset()
    with httpx.Client(base_url=running_stub.base_url, timeout=10) as client:
        token = client.post(
            "/v1/auth/access_token", json={"clientId": "c", "clientSecret": "s"}
        ).json()["accessToken"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def claim(port: httpx.Client, visibility_ms: int = 60_000) -> list[dict[str, Any]]:
    body = {
        "installationId": INSTALLATION,
        "limit": 10,
        "visibilityTimeoutMs": visibility_ms,
    }
    answer = port.post("/v1/actions/runs/claim-pending", json=body)
    assert answer.status_code == 200
    runs: list[dict[str, Any]] = answer.json()["runs"]
    return runs


def test_tokens_are_machine_tokens(port: httpx.Client) -> None:
    token = port.headers["Authorization"].removeprefix("Bearer ")
    claims = token.split(".")[1]
    assert json.loads(base64.urlsafe_b64decode(claims + "=="))["isMachine"] is True


def test_definitions_are_read_created_and_replaced(port: httpx.Client) -> None:
    assert port.get("/v1/actions/declare").status_code == 404
    assert port.put("/v1/actions/declare", json=DEFINITION).status_code == 404

    assert port.post("/v1/actions", json=DEFINITION).status_code == 200
    assert port.post("/v1/actions", json=DEFINITION).status_code == 409
    renamed = {**DEFINITION, "title": "Declare an incident"}
    assert port.put("/v1/actions/declare", json=renamed).status_code == 200

    assert port.get("/v1/actions/declare").json()["action"]["title"] == (
        "Declare an incident"
    )
    broken = {**DEFINITION, "identifier": "broken", "invocationMethod": {"type": "X"}}
    assert port.post("/v1/actions", json=broken).status_code == 422


def test_a_run_carries_its_inputs_rendered_into_the_action_s_properties(
    port: httpx.Client,
) -> None:
    port.post("/v1/actions", json=DEFINITION)
    inputs = {"page": {"identifier": "p1"}, "name": "Checkout down"}

    started = port.post("/v1/actions/declare/runs", json={"properties": inputs})
    missing = port.post("/v1/actions/declare/runs", json={"properties": {"page": "p"}})

    assert missing.status_code == 422
    [run] = claim(port)
    assert run["id"] == started.json()["run"]["id"]
    assert run["action"] == {"identifier": "declare"}
    assert run["payload"] == {
        "type": "INTEGRATION_ACTION",
        "installationId": INSTALLATION,
        "integrationActionType": "create_incident",
        "integrationActionExecutionProperties": {
            "page": {"identifier": "p1"},
            "name": "Checkout down",
            "title": "Outage: Checkout down",
            "notify": None,
        },
    }


def test_a_claimed_run_is_hidden_until_its_visibility_timeout_and_acked_once_a_claim(
    port: httpx.Client,
) -> None:
    port.post("/v1/actions", json=DEFINITION)
    port.post(
        "/v1/actions/declare/runs", json={"properties": {"page": "p", "name": "n"}}
    )

    [run] = claim(port, visibility_ms=300)
    hidden = claim(port)
    first_ack = port.patch("/v1/actions/runs/ack", json={"runId": run["id"]})
    second_ack = port.patch("/v1/actions/runs/ack", json={"runId": run["id"]})
    time.sleep(0.4)
    [again] = claim(port)
    ack_of_new_claim = port.patch("/v1/actions/runs/ack", json={"runId": run["id"]})

    assert hidden == []
    assert (first_ack.status_code, second_ack.status_code) == (200, 409)
    assert again["id"] == run["id"]
    assert ack_of_new_claim.status_code == 200


def test_a_run_is_patched_logged_read_and_finished_or_redelivered(
    port: httpx.Client, running_stub: PortStub
) -> None:
    port.post("/v1/actions", json=DEFINITION)
    run_id = running_stub.execute_action("declare", {"page": "p", "name": "n"})
    claim(port)

    port.patch(
        f"/v1/actions/runs/{run_id}",
        json={"link": "https://stspg.io/x", "externalRunId": "inc-1"},
    )
    port.post(f"/v1/actions/runs/{run_id}/logs", json={"message": "declared"})
    port.patch(f"/v1/actions/runs/{run_id}", json={"status": "SUCCESS"})
    finished = port.get(f"/v1/actions/runs/{run_id}").json()["run"]
    running_stub.redeliver(run_id)
    redelivered = claim(port)
    running_stub.redeliver(run_id, forget_record=True)

    assert finished["status"] == "SUCCESS"
    assert finished["endedAt"] is not None
    assert finished["link"] == ["https://stspg.io/x"]
    assert finished["externalRunId"] == "inc-1"
    assert [log["message"] for log in finished["logs"]] == ["declared"]
    assert [r["id"] for r in redelivered] == [run_id]
    assert running_stub.action_run(run_id)["externalRunId"] is None


def test_the_workflow_node_claim_answers_no_node_runs(port: httpx.Client) -> None:
    body = {"installationId": INSTALLATION, "limit": 5, "visibilityTimeoutMs": 1000}

    answer = port.post("/v1/workflows/runs/claim-pending", json=body)

    assert answer.json() == {"ok": True, "nodeRuns": []}
