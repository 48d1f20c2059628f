"""Only a delivery carrying the webhook token changes anything, and the token is never logged."""

import logging
from typing import Any

import httpx
import pytest
import respx
from port_ocean.core.handlers.webhook.webhook_event import WebhookEvent
from starlette.requests import Request

from live_events.security import mask_tokens_in_access_log
from tests.support import HOST
from tests.webhook_processors.conftest import LiveFactory
from tests.webhook_processors.support import (
    BASE_URL,
    ROUTE,
    SECRET,
    LiveOcean,
    by_blueprint,
    component_notification,
    page_summary,
)
from webhook_processors.component import ComponentWebhookProcessor

PAGE = "8m2l51279rpl"
FORGED = "forged-token-0123456789"


def notification(docs_samples: dict[str, Any]) -> dict[str, Any]:
    component = {**docs_samples["payloads"]["component"], "status": "major_outage"}
    return component_notification(component, page_summary(PAGE), "operational")


def serve(statuspage: respx.MockRouter, docs_samples: dict[str, Any]) -> None:
    statuspage.get(f"{HOST}/v1/pages/{PAGE}").respond(
        json=docs_samples["payloads"]["page"]
    )
    statuspage.get(url__regex=rf"{HOST}/v1/pages/{PAGE}/components/.*").respond(
        json=docs_samples["payloads"]["component"]
    )


async def test_the_right_token_is_accepted(
    statuspage: respx.MockRouter, live: LiveOcean, docs_samples: dict[str, Any]
) -> None:
    serve(statuspage, docs_samples)

    response = await live.deliver(notification(docs_samples), token=SECRET)

    assert response.status_code == 200
    assert by_blueprint(live.upserted).keys() == {"statuspage", "statuspageComponent"}


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ([("token", FORGED)], "its token is wrong"),
        ([], "it carries no token"),
        ([("token", "")], "its token is wrong"),
        ([("token", SECRET), ("token", FORGED)], "more than one token"),
        ([("token", SECRET.upper())], "its token is wrong"),
        ([("token", "é" + SECRET)], "its token is wrong"),
    ],
)
async def test_a_delivery_without_the_right_token_changes_nothing_and_logs_no_token(
    statuspage: respx.MockRouter,
    live: LiveOcean,
    docs_samples: dict[str, Any],
    log_lines: list[str],
    params: list[tuple[str, str]],
    reason: str,
) -> None:
    serve(statuspage, docs_samples)

    response = await live.deliver(notification(docs_samples), params=params)

    assert response.status_code == 401
    assert statuspage.calls.call_count == 0
    assert live.upserted == []
    assert live.deleted == []
    refusals = [line for line in log_lines if "Refused a Statuspage webhook" in line]
    assert refusals
    assert all(reason in line for line in refusals)
    assert not any(SECRET in line or FORGED in line for line in log_lines)


async def test_without_a_configured_secret_a_token_is_still_required(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    docs_samples: dict[str, Any],
    api_key: str,
) -> None:
    serve(statuspage, docs_samples)

    async with start_live(webhook_secret=None) as live:
        await live.deliver(notification(docs_samples), token=None)
        await live.deliver(notification(docs_samples), token=api_key)
        await live.deliver(notification(docs_samples), token=SECRET)

    assert statuspage.calls.call_count == 0
    assert live.upserted == []


@pytest.mark.parametrize(
    ("request_url", "refusal"),
    [
        (None, "Refused a webhook whose URL is not available"),
        (
            f"{BASE_URL}/integration/webhook?token={FORGED}",
            "Refused a Statuspage webhook",
        ),
    ],
    ids=["relayed without its request", "wrong token"],
)
async def test_a_processor_refuses_an_event_the_gate_did_not_see(
    live: LiveOcean,
    docs_samples: dict[str, Any],
    log_lines: list[str],
    request_url: str | None,
    refusal: str,
) -> None:
    original = None if request_url is None else post_to(request_url)
    payload = notification(docs_samples)
    event = WebhookEvent(
        trace_id="t", payload=payload, headers={}, original_request=original
    )

    trusted = await ComponentWebhookProcessor(event).authenticate(payload, {})

    assert trusted is False
    assert any(refusal in line for line in log_lines)


def post_to(url: str) -> Request:
    parts = httpx.URL(url)
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": parts.path,
            "query_string": parts.query,
            "headers": [],
            "client": ("203.0.113.9", 443),
        }
    )


@pytest.mark.parametrize(
    "spelling", ["%74oken", "tok%65n", "TOKEN", "Token", "t%6Fken"]
)
async def test_another_spelling_of_the_token_parameter_is_refused(
    statuspage: respx.MockRouter,
    live: LiveOcean,
    docs_samples: dict[str, Any],
    log_lines: list[str],
    spelling: str,
) -> None:
    serve(statuspage, docs_samples)

    response = await live.http.post(
        f"{ROUTE}?{spelling}={SECRET}", json=notification(docs_samples)
    )

    assert response.status_code == 401
    assert statuspage.calls.call_count == 0
    assert any("spells the token parameter" in line for line in log_lines)
    assert not any(SECRET in line for line in log_lines)


@pytest.mark.parametrize(
    ("target", "masked"),
    [
        (f"/integration/webhook?token={SECRET}&x=1", "?token=[REDACTED]&x=1"),
        (f"/integration/webhook?%74oken={SECRET}", "?%74oken=[REDACTED]"),
        (f"/integration/webhook?tok%65n={SECRET}", "?tok%65n=[REDACTED]"),
        (f"/integration/webhook?x=1&TOKEN={SECRET}", "?x=1&TOKEN=[REDACTED]"),
        (f"/integration/webhook?to+ken=1&token={SECRET}", "?to+ken=1&token=[REDACTED]"),
    ],
)
def test_the_access_log_masks_every_spelling_of_the_token(
    caplog: pytest.LogCaptureFixture, target: str, masked: str
) -> None:
    mask_tokens_in_access_log()
    mask_tokens_in_access_log()
    access_log = logging.getLogger("uvicorn.access")

    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        # The call uvicorn's HTTP protocols make for each request.
        access_log.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "POST", target, "1.1", 200
        )

    [message] = [record.getMessage() for record in caplog.records]
    assert SECRET not in message
    assert f"/integration/webhook{masked}" in message
    assert len(access_log.filters) == 1
