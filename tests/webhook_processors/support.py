"""Driving webhooks through Ocean's own machinery, in process, and Statuspage-shaped payloads.

A delivery is an HTTP POST to Ocean's FastAPI app over httpx.ASGITransport: it passes Ocean's
middleware and its webhook route, which queues the event; the processor manager's own worker
(started as Ocean starts it) takes it from the queue, runs our processors and hands the
results to Ocean, which writes to the Port mock of IntegrationTestHarness.
"""

import asyncio
import copy
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from loguru import logger
from port_ocean.context.ocean import ocean
from port_ocean.integration_testing import IntegrationTestHarness

from tests.support import HOST, integration_harness
from vendors.statuspage import StatuspageVendor

BASE_URL = "https://ocean.example.com"
WEBHOOK_PATH = StatuspageVendor.webhook_path or ""
ROUTE = f"/integration{WEBHOOK_PATH}"
SECRET = "a-webhook-secret-for-tests"
PROCESSING_TIMEOUT_SECONDS = 10.0

META = {
    "unsubscribe": "https://ctrlvsolutions.statuspage.io/?unsubscribe=abc123",
    "documentation": "https://doers.statuspage.io/customer-notifications/webhooks/",
}


@dataclass
class LiveOcean:
    harness: IntegrationTestHarness
    http: httpx.AsyncClient

    @property
    def upserted(self) -> list[dict[str, Any]]:
        return self.harness.port_mock.upserted_entities

    @property
    def deleted(self) -> list[dict[str, Any]]:
        return self.harness.port_mock.deleted_entities

    async def deliver(
        self,
        payload: Any = None,
        token: str | None = SECRET,
        content: bytes | AsyncIterable[bytes] | None = None,
        params: list[tuple[str, str]] | None = None,
        webhook_path: str = WEBHOOK_PATH,
    ) -> httpx.Response:
        """POSTs like a vendor does (Statuspage unless `webhook_path` says otherwise), then
        waits until Ocean's worker has processed it."""
        if params is None:
            params = [("token", token)] if token else []
        query = httpx.QueryParams(tuple(params))
        route = f"/integration{webhook_path}"
        if content is None:
            response = await self.http.post(route, params=query, json=payload)
        else:
            response = await self.http.post(
                route,
                params=query,
                content=content,
                headers={"Content-Type": "application/json"},
            )
        # The per-path queue is the one place Ocean 0.55.4 exposes "processed"; its worker
        # marks each event done whether it succeeded or failed.
        queue = ocean.app.webhook_manager._event_queues[webhook_path]
        await asyncio.wait_for(queue.teardown(), PROCESSING_TIMEOUT_SECONDS)
        return response


@asynccontextmanager
async def live_ocean(
    mapping: dict[str, Any],
    blueprints: dict[str, dict[str, Any]],
    api_key: str,
    port_entities: list[dict[str, Any]] | None = None,
    base_url: str | None = BASE_URL,
    event_listener: str = "POLLING",
    **config: Any,
) -> AsyncIterator[LiveOcean]:
    """Ocean with our integration loaded and its webhook worker running; Statuspage at HOST."""
    ocean_settings: dict[str, Any] = {"event_listener": {"type": event_listener}}
    if base_url is not None:
        ocean_settings["base_url"] = base_url
    harness = integration_harness(
        mapping,
        blueprints,
        {"statuspage_api_key": api_key, "statuspage_host": HOST, **config},
        port_entities,
        **ocean_settings,
    )
    await harness.start()
    app = ocean.app
    manager = app.webhook_manager
    try:
        await manager.start_processing_event_messages()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield LiveOcean(harness, http)
    finally:
        await manager._cancel_all_event_processors()
        await harness.shutdown()


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every line logged meanwhile, as loguru formats it."""
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="DEBUG")
    try:
        yield lines
    finally:
        logger.remove(sink)


def page_summary(
    page_id: str,
    indicator: str = "minor",
    description: str = "Minor Service Outage",
) -> dict[str, str]:
    return {
        "id": page_id,
        "status_indicator": indicator,
        "status_description": description,
    }


def incident_notification(
    incident: dict[str, Any], page: dict[str, str]
) -> dict[str, Any]:
    """An incident notification; like Statuspage's, its incident names no page."""
    notified = copy.deepcopy(incident)
    notified.pop("page_id", None)
    return {"meta": META, "page": page, "incident": notified}


def component_notification(
    component: dict[str, Any], page: dict[str, str], old_status: str
) -> dict[str, Any]:
    return {
        "meta": META,
        "page": page,
        "component_update": {
            "created_at": "2024-06-08T10:00:00.000Z",
            "new_status": component["status"],
            "old_status": old_status,
            "id": "k7730b5v92bv",
            "component_id": component["id"],
        },
        "component": {
            "created_at": component["created_at"],
            "id": component["id"],
            "name": component["name"],
            "status": component["status"],
        },
    }


def by_blueprint(entities: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entity in entities:
        found.setdefault(entity["blueprint"], []).append(entity["identifier"])
    return found
