"""Requests that are no usable Statuspage notification: answered, logged with the reason,
and nothing upserted or deleted."""

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import respx

from live_events.gate import MAX_BODY_BYTES
from tests.support import HOST
from tests.webhook_processors.support import (
    META,
    LiveOcean,
    component_notification,
    incident_notification,
    page_summary,
)

PAGE = "8m2l51279rpl"


@pytest.fixture(autouse=True)
def answering_statuspage(statuspage: respx.MockRouter) -> None:
    """Any request would be answered, and counted: none may be made."""
    statuspage.route(host=urlsplit(HOST).hostname).respond(json={"id": "anything"})


def assert_nothing_changed(statuspage: respx.MockRouter, live: LiveOcean) -> None:
    assert statuspage.calls.call_count == 0
    assert live.upserted == []
    assert live.deleted == []


async def test_a_body_that_is_not_json_is_answered_and_logged(
    statuspage: respx.MockRouter, live: LiveOcean, log_lines: list[str]
) -> None:
    response = await live.deliver(content=b"incident=created&page=8m2l51279rpl")

    # The gate reads it before Ocean does: answered, logged, and nothing queued.
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert any(
        "Ignored a Statuspage webhook: the body is not JSON" in line
        for line in log_lines
    )
    assert_nothing_changed(statuspage, live)


SAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "docs_samples.json").read_text()
)["payloads"]


def with_incident(**changes: Any) -> dict[str, Any]:
    incident = {**copy.deepcopy(SAMPLES["incident"]), **changes}
    return incident_notification(incident, page_summary(PAGE))


def without(payload: dict[str, Any], *path: str | int) -> dict[str, Any]:
    *parents, last = path
    container: Any = payload
    for key in parents:
        container = container[key]
    del container[last]
    return payload


COMPONENT = component_notification(
    SAMPLES["component"], page_summary(PAGE), "operational"
)
MALFORMED = [
    pytest.param([with_incident()], "not a JSON object", id="a JSON array"),
    pytest.param("incident", "not a JSON object", id="a JSON string"),
    pytest.param(
        {"meta": META, "page": page_summary(PAGE), "maintenance": {"id": "m1"}},
        "neither an incident nor a component",
        id="an unknown event type",
    ),
    pytest.param(
        {**with_incident(), "component": {"id": "y6ssccsqgy8s"}},
        "neither an incident nor a component",
        id="an incident and a component",
    ),
    pytest.param(without(with_incident(), "page"), "`page` is missing", id="no page"),
    pytest.param(
        without(with_incident(), "page", "id"), "page id is missing", id="no page id"
    ),
    pytest.param(with_incident(id=None), "incident id", id="no incident id"),
    pytest.param(with_incident(id="../x"), "incident id", id="an id with a path"),
    pytest.param(with_incident(id=42), "incident id", id="a numeric id"),
    pytest.param(
        without(with_incident(), "incident", "incident_updates", 0, "id"),
        "incident update id",
        id="an update without an id",
    ),
    pytest.param(
        with_incident(incident_updates="x"), "not a list", id="updates not a list"
    ),
    pytest.param(
        without(copy.deepcopy(COMPONENT), "component", "id"),
        "component id",
        id="no component id",
    ),
]


@pytest.mark.parametrize(("payload", "reason"), MALFORMED)
async def test_a_malformed_notification_is_logged_with_its_reason_and_changes_nothing(
    statuspage: respx.MockRouter,
    live: LiveOcean,
    log_lines: list[str],
    payload: Any,
    reason: str,
) -> None:
    response = await live.deliver(payload)

    assert response.status_code == 200
    ignored = [line for line in log_lines if "Ignored a Statuspage webhook" in line]
    assert ignored
    assert all(reason in line for line in ignored)
    assert_nothing_changed(statuspage, live)


def padded_to(size: int) -> bytes:
    """An incident notification of exactly `size` bytes."""
    unpadded = len(json.dumps(with_incident(postmortem_body="")).encode())
    return json.dumps(with_incident(postmortem_body="x" * (size - unpadded))).encode()


async def test_a_body_declared_too_large_is_refused_unread(
    statuspage: respx.MockRouter, live: LiveOcean, log_lines: list[str]
) -> None:
    response = await live.deliver(content=padded_to(MAX_BODY_BYTES + 1))

    assert response.status_code == 413
    assert any(f"larger than the {MAX_BODY_BYTES} bytes" in line for line in log_lines)
    assert_nothing_changed(statuspage, live)


async def test_a_streamed_body_is_refused_once_it_passes_the_limit(
    statuspage: respx.MockRouter, live: LiveOcean
) -> None:
    sent_chunks = 0

    async def endless_chunks() -> AsyncIterator[bytes]:
        nonlocal sent_chunks
        for _ in range(1000):  # 64 MiB if nobody stopped reading
            sent_chunks += 1
            yield b" " * 65536

    response = await live.deliver(content=endless_chunks())

    assert response.status_code == 413
    assert sent_chunks < 1000
    assert_nothing_changed(statuspage, live)


async def test_a_body_of_exactly_the_limit_is_processed(
    statuspage: respx.MockRouter, live: LiveOcean
) -> None:
    response = await live.deliver(content=padded_to(MAX_BODY_BYTES))

    assert response.status_code == 200
    assert (
        statuspage.calls.call_count > 0
    )  # it reached a processor, which asked the API
