"""OnlineOrNot webhook upkeep on start: exactly one webhook of ours, covering the selected
status pages with the three incident events and delivering to our URL with OnlineOrNot's
token; nobody else's webhook touched; a free plan's 403 logged once and not fatal.

Ocean runs the integration's on_start listeners as it does at start; OnlineOrNot's webhook
API is the emulator's.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from sandbox.statuspage.server import StatuspageEmulator
from tests.conftest import Emulate
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
WEBHOOKS = "/v1/webhooks"


class Account:
    """OnlineOrNot's account-level webhooks, as the emulator keeps them, over its two pages."""

    def __init__(self, served: StatuspageEmulator) -> None:
        self.served = served
        with served.reading() as state:
            self.first, self.second = list(state.pages)

    def add(
        self, url: str, pages: list[str] | None = None, events: tuple[str, ...] = EVENTS
    ) -> str:
        pages = [self.first, self.second] if pages is None else pages
        created = self.served.create_onlineornot_webhook(url, list(events), pages)
        return str(created["id"])

    @property
    def webhooks(self) -> list[dict[str, Any]]:
        return self.served.onlineornot_webhooks()

    def ours(self) -> list[dict[str, Any]]:
        return [w for w in self.webhooks if w["url"].startswith(ROUTE)]

    def operations(self) -> list[tuple[str, str | None]]:
        """What the integration changed: ("create", None) or ("delete", webhook id)."""
        return [
            (
                ("create", None)
                if entry.method == "POST"
                else ("delete", entry.path.rsplit("/", 1)[-1])
            )
            for entry in self.served.log
            if entry.path.startswith(WEBHOOKS) and entry.method in ("POST", "DELETE")
        ]

    def on_a_free_plan(self) -> None:
        """Creating a webhook needs a paid plan: OnlineOrNot answers 403."""
        self.served.inject_fault(WEBHOOKS, "status", status=403, method="POST")


@pytest.fixture
def account(emulate: Emulate) -> Account:
    served = Account(emulate(OON_KEY, pages=2))
    served.add(FOREIGN, [served.first])
    return served


StartOcean = Callable[..., AbstractAsyncContextManager[LiveOcean]]


@pytest.fixture
def start(
    account: Account,
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
            "onlineornot_host": account.served.base_url,
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
    account: Account, start: StartOcean
) -> None:
    async with start():
        pass

    [ours] = account.ours()
    assert ours["url"] == OUR_URL
    assert set(ours["events"]) == set(EVENTS)
    assert {p["id"] for p in ours["status_pages"]} == {account.first, account.second}
    assert account.webhooks[0]["url"] == FOREIGN
    assert [op for op, _ in account.operations()] == ["create"]


async def test_a_second_start_adds_nothing(account: Account, start: StartOcean) -> None:
    async with start():
        pass
    created = account.operations()

    async with start():
        pass

    assert account.operations() == created
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
            {"url": OUR_URL, "pages": "only the first"},
            "other status pages",
            id="pages",
        ),
        pytest.param({"url": OUR_URL, "events": EVENTS[:1]}, "lacks some", id="events"),
    ],
)
async def test_our_stale_webhook_is_deleted_then_replaced(
    account: Account, start: StartOcean, stale: dict[str, Any], why: str
) -> None:
    pages = [account.first] if "pages" in stale else None
    old = account.add(stale["url"], pages, stale.get("events", EVENTS))

    with captured_logs() as lines:
        async with start():
            pass

    [(deleted, deleted_id), (created, _)] = account.operations()
    assert (deleted, deleted_id, created) == ("delete", old, "create")
    assert [w["url"] for w in account.ours()] == [OUR_URL]
    assert any(
        f"deleted OnlineOrNot webhook {old}" in line and why in line for line in lines
    )


async def test_duplicates_of_our_webhook_are_removed(
    account: Account, start: StartOcean
) -> None:
    first = account.add(OUR_URL)
    second = account.add(OUR_URL, [account.second, account.first])

    async with start():
        pass

    assert account.operations() == [("delete", second)]
    assert [w["id"] for w in account.ours()] == [first]


async def test_only_the_selected_pages_are_covered(
    account: Account, start: StartOcean
) -> None:
    async with start(onlineornot_status_page_ids=account.second):
        pass

    [ours] = account.ours()
    assert [p["id"] for p in ours["status_pages"]] == [account.second]


async def test_a_free_plan_s_403_is_logged_once_and_the_start_goes_on(
    account: Account, start: StartOcean
) -> None:
    account.on_a_free_plan()

    with captured_logs() as lines:
        async with start() as live:
            assert live.harness is not None

    refusals = [line for line in lines if "need a paid" in line]
    assert len(refusals) == 1
    assert "WARNING" in refusals[0]
    assert account.ours() == []
    assert not any(SECRET in line or OON_KEY in line for line in lines)
