"""OnlineOrNot webhook upkeep on start: exactly one webhook of ours, covering the selected
status pages with the three incident events and delivering to our URL with OnlineOrNot's
token; nobody else's webhook touched; a free plan's 403 logged once and not fatal.

Ocean runs the integration's on_start listeners as it does at start; OnlineOrNot's webhook
API is a stateful fake at the HTTP boundary.
"""

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import respx

from tests.support import (
    ONLINEORNOT_HOST,
    FakeOnlineOrNot,
    envelope,
    onlineornot_error,
    onlineornot_paged,
)
from tests.test_subscriptions import run_on_start
from tests.webhook_processors.support import (
    BASE_URL,
    SECRET,
    LiveOcean,
    captured_logs,
    live_ocean,
)
from vendors.onlineornot.webhooks import EVENTS

OON_KEY = "oon-token-of-the-upkeep-tests"
ROUTE = f"{BASE_URL}/integration/webhook/onlineornot"
OUR_URL = f"{ROUTE}?token={SECRET}"
FOREIGN = "https://hooks.example.com/onlineornot"
WEBHOOKS = f"{ONLINEORNOT_HOST}/v1/webhooks"


@dataclass
class FakeWebhooks:
    """OnlineOrNot's account-level webhooks: listed in pages, created, deleted; creating
    answers 403 on a free plan."""

    webhooks: list[dict[str, Any]] = field(default_factory=list)
    operations: list[tuple[str, str]] = field(default_factory=list)
    free_plan: bool = False
    next_id: int = 0

    def add(
        self,
        url: str,
        pages: list[str],
        events: tuple[str, ...] = EVENTS,
    ) -> str:
        self.next_id += 1
        webhook_id = f"wh{self.next_id:06d}"
        self.webhooks.append(
            {
                "id": webhook_id,
                "url": url,
                "description": None,
                "events": list(events),
                "status_pages": [{"id": p, "name": f"Page {p}"} for p in pages],
                "checks": [],
                "heartbeats": [],
            }
        )
        return webhook_id

    def serve(self, router: respx.MockRouter) -> None:
        router.get(WEBHOOKS).mock(
            side_effect=lambda request: onlineornot_paged(self.webhooks)(request)
        )
        router.post(WEBHOOKS).mock(side_effect=self._create)
        router.delete(url__regex=rf"{WEBHOOKS}/(?P<webhook_id>[^/]+)").mock(
            side_effect=self._delete
        )

    def _create(self, request: httpx.Request) -> httpx.Response:
        if self.free_plan:
            return onlineornot_error(403, "Webhooks need a paid plan", code=10004)
        spec = json.loads(request.content)
        webhook_id = self.add(
            spec["url"], spec["status_page_ids"], tuple(spec["events"])
        )
        self.operations.append(("create", webhook_id))
        return httpx.Response(201, json=envelope(self.webhooks[-1]))

    def _delete(self, request: httpx.Request, webhook_id: str) -> httpx.Response:
        self.operations.append(("delete", webhook_id))
        kept = [w for w in self.webhooks if w["id"] != webhook_id]
        if len(kept) == len(self.webhooks):
            return onlineornot_error(404, "Not found")
        self.webhooks = kept
        return httpx.Response(200, json=envelope({"id": webhook_id}))

    def ours(self) -> list[dict[str, Any]]:
        return [w for w in self.webhooks if w["url"].startswith(ROUTE)]


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
def account(api: respx.MockRouter) -> FakeWebhooks:
    FakeOnlineOrNot.generate(page_ids=("a1b2c3d4", "e5f6g7h8")).serve(api)
    fake = FakeWebhooks()
    fake.add(FOREIGN, ["a1b2c3d4"])
    fake.serve(api)
    return fake


StartOcean = Callable[..., AbstractAsyncContextManager[LiveOcean]]


@pytest.fixture
def start(
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
    api_key: str,
) -> StartOcean:
    """Starts Ocean with OnlineOrNot configured and runs on_start. Statuspage is configured
    too, without webhookSubscriberEmail, so its subscribers are not managed."""

    @asynccontextmanager
    async def start_ocean(**options: Any) -> AsyncIterator[LiveOcean]:
        config = {
            "webhook_secret": SECRET,
            "onlineornot_api_key": OON_KEY,
            "onlineornot_host": ONLINEORNOT_HOST,
            **options,
        }
        config = {name: value for name, value in config.items() if value is not None}
        async with live_ocean(
            shipped_mapping, shipped_blueprints, api_key, **config
        ) as live:
            await run_on_start()
            yield live

    return start_ocean


async def test_one_webhook_of_ours_covers_every_selected_page(
    account: FakeWebhooks, start: StartOcean
) -> None:
    async with start():
        pass

    [ours] = account.ours()
    assert ours["url"] == OUR_URL
    assert set(ours["events"]) == set(EVENTS)
    assert {p["id"] for p in ours["status_pages"]} == {"a1b2c3d4", "e5f6g7h8"}
    assert account.webhooks[0]["url"] == FOREIGN
    assert [op for op, _ in account.operations] == ["create"]


async def test_a_second_start_adds_nothing(
    account: FakeWebhooks, start: StartOcean
) -> None:
    async with start():
        pass
    created = list(account.operations)

    async with start():
        pass

    assert account.operations == created
    assert len(account.ours()) == 1


@pytest.mark.parametrize(
    ("stale", "why"),
    [
        pytest.param(
            {"url": f"{ROUTE}?token=an-older-token"}, "another token", id="token"
        ),
        pytest.param(
            {
                "url": f"https://old.example.com/integration/webhook/onlineornot?token={SECRET}"
            },
            "another address",
            id="address",
        ),
        pytest.param(
            {"url": OUR_URL, "pages": ["a1b2c3d4"]}, "other status pages", id="pages"
        ),
        pytest.param({"url": OUR_URL, "events": EVENTS[:1]}, "lacks some", id="events"),
    ],
)
async def test_our_stale_webhook_is_deleted_then_replaced(
    account: FakeWebhooks, start: StartOcean, stale: dict[str, Any], why: str
) -> None:
    old = account.add(
        stale["url"],
        stale.get("pages", ["a1b2c3d4", "e5f6g7h8"]),
        stale.get("events", EVENTS),
    )

    with captured_logs() as lines:
        async with start():
            pass

    [(deleted, deleted_id), (created, _)] = account.operations
    assert (deleted, deleted_id, created) == ("delete", old, "create")
    assert [w["url"] for w in account.ours()] == [OUR_URL]
    assert any(
        f"deleted OnlineOrNot webhook {old}" in line and why in line for line in lines
    )


async def test_duplicates_of_our_webhook_are_removed(
    account: FakeWebhooks, start: StartOcean
) -> None:
    first = account.add(OUR_URL, ["a1b2c3d4", "e5f6g7h8"])
    second = account.add(OUR_URL, ["e5f6g7h8", "a1b2c3d4"])

    async with start():
        pass

    assert account.operations == [("delete", second)]
    assert [w["id"] for w in account.ours()] == [first]


async def test_only_the_selected_pages_are_covered(
    account: FakeWebhooks, start: StartOcean
) -> None:
    async with start(onlineornot_status_page_ids="e5f6g7h8"):
        pass

    [ours] = account.ours()
    assert [p["id"] for p in ours["status_pages"]] == ["e5f6g7h8"]


async def test_a_free_plan_s_403_is_logged_once_and_the_start_goes_on(
    account: FakeWebhooks, start: StartOcean
) -> None:
    account.free_plan = True

    with captured_logs() as lines:
        async with start() as live:
            assert live.harness is not None

    refusals = [line for line in lines if "need a paid" in line]
    assert len(refusals) == 1
    assert "WARNING" in refusals[0]
    assert account.ours() == []
    assert not any(SECRET in line or OON_KEY in line for line in lines)
