"""Every notification carries the page's overall status, which the page API does not return:
the page is fetched and the status merged in, for the statuspage and page kinds alike. A
resync brings a status too; the webhook's gives way only to one of a later change.
"""

import copy
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import respx

from tests.support import HOST, only_kinds, public_status
from tests.webhook_processors.conftest import LiveFactory
from tests.webhook_processors.support import (
    by_blueprint,
    component_notification,
    incident_notification,
    page_summary,
)

PAGE = "8m2l51279rpl"
PAGE_URL = f"{HOST}/v1/pages/{PAGE}"
# The docs' sample page has no custom domain: it publishes on its subdomain.
PUBLIC_STATUS_URL = "https://ctrlvsolutions.statuspage.io/api/v2/status.json"


async def test_the_page_status_of_a_component_notification_reaches_the_page_entity(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    page = docs_samples["payloads"]["page"]
    assert "status_indicator" not in page
    fetch = statuspage.get(PAGE_URL).respond(json=page)
    component = docs_samples["payloads"]["component"]

    async with start_live(mapping=only_kinds(shipped_mapping, "statuspage")) as live:
        await live.deliver(
            component_notification(
                component,
                page_summary(PAGE, "major", "Partial System Outage"),
                old_status="operational",
            )
        )

    assert fetch.call_count == 1
    [entity] = live.upserted
    assert entity["identifier"] == PAGE
    assert entity["title"] == page["name"]
    assert entity["properties"]["status_indicator"] == "major"
    assert entity["properties"]["status_description"] == "Partial System Outage"
    assert entity["properties"]["subdomain"] == page["subdomain"]


async def test_the_statuspage_and_page_kinds_share_one_fetch(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    fetch = statuspage.get(PAGE_URL).respond(json=docs_samples["payloads"]["page"])
    statuspage.get(url__regex=rf"{HOST}/v1/pages/{PAGE}/incidents/.*").respond(
        json=docs_samples["payloads"]["incident"]
    )
    statuspage_kind = only_kinds(shipped_mapping, "statuspage")
    as_page = {**statuspage_kind["resources"][0], "kind": "page"}
    mapping = {
        **statuspage_kind,
        "resources": [statuspage_kind["resources"][0], as_page],
    }
    incident = copy.deepcopy(docs_samples["payloads"]["incident"])

    async with start_live(mapping=mapping) as live:
        await live.deliver(
            incident_notification(
                incident, page_summary(PAGE, "critical", "Major System Outage")
            )
        )

    assert fetch.call_count == 1
    assert len(live.upserted) == 2
    assert {e["properties"]["status_indicator"] for e in live.upserted} == {"critical"}


async def test_a_page_the_api_does_not_find_is_kept(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    statuspage.get(PAGE_URL).respond(404, json={"error": "Not found"})
    in_port = [{"identifier": PAGE, "blueprint": "statuspage"}]

    async with start_live(
        mapping=only_kinds(shipped_mapping, "statuspage"), port_entities=in_port
    ) as live:
        await live.deliver(
            component_notification(
                docs_samples["payloads"]["component"],
                page_summary(PAGE),
                old_status="operational",
            )
        )

    assert live.upserted == []
    assert live.deleted == []


async def test_a_notification_without_a_page_status_leaves_the_page_alone(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    notification = component_notification(
        docs_samples["payloads"]["component"], page_summary(PAGE), "operational"
    )
    notification["page"] = {"id": PAGE}

    async with start_live(mapping=only_kinds(shipped_mapping, "statuspage")) as live:
        await live.deliver(notification)

    # Upserting the page without its status would blank the status in Port.
    assert statuspage.calls.call_count == 0
    assert live.upserted == []


async def test_the_page_of_a_page_outside_statuspage_ids_is_ignored(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    statuspage.get(PAGE_URL).respond(json=docs_samples["payloads"]["page"])

    async with start_live(
        mapping=only_kinds(shipped_mapping, "statuspage"), statuspage_ids="another-page"
    ) as live:
        await live.deliver(
            component_notification(
                docs_samples["payloads"]["component"], page_summary(PAGE), "operational"
            )
        )

    assert statuspage.calls.call_count == 0
    assert live.upserted == []


async def test_live_events_wait_for_the_api_key_s_rate_limit(
    statuspage: respx.MockRouter, start_live: LiveFactory, docs_samples: dict[str, Any]
) -> None:
    arrivals: list[float] = []

    def page(_: httpx.Request) -> httpx.Response:
        arrivals.append(time.monotonic())
        return httpx.Response(200, json=docs_samples["payloads"]["page"])

    def component(_: httpx.Request) -> httpx.Response:
        arrivals.append(time.monotonic())
        return httpx.Response(200, json=docs_samples["payloads"]["component"])

    statuspage.get(PAGE_URL).mock(side_effect=page)
    statuspage.get(url__regex=rf"{HOST}/v1/pages/{PAGE}/components/.*").mock(
        side_effect=component
    )

    async with start_live(rate_limit_requests=1, rate_limit_window_seconds=1) as live:
        await live.deliver(
            component_notification(
                docs_samples["payloads"]["component"], page_summary(PAGE), "operational"
            )
        )

    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.9
    assert by_blueprint(live.upserted).keys() == {"statuspage", "statuspageComponent"}


async def test_a_webhook_status_wins_over_a_later_resync_of_older_changes(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    page = docs_samples["payloads"]["page"]
    other = {**page, "id": "otherpage123", "name": "Other"}
    statuspage.get(PAGE_URL).respond(json=page)
    statuspage.get(f"{HOST}/v1/pages").respond(json=[page, other])
    # Both pages publish on one subdomain here. The answer says the page last changed
    # before the webhook below: a cached answer, say, from before the webhook's event.
    statuspage.get(PUBLIC_STATUS_URL).respond(json=public_status(PAGE))

    async with start_live(mapping=only_kinds(shipped_mapping, "statuspage")) as live:
        await live.deliver(
            component_notification(
                docs_samples["payloads"]["component"],
                page_summary(PAGE, "critical", "Major System Outage"),
                old_status="operational",
            )
        )
        result = await live.harness.trigger_resync()

    assert result.errors == []
    resynced = {e["identifier"]: e["properties"] for e in result.upserted_entities}
    assert resynced[PAGE]["status_indicator"] == "critical"
    assert resynced[PAGE]["status_description"] == "Major System Outage"
    assert resynced[PAGE]["status_source"] == "webhook"
    # A page no webhook spoke of has the status its public API gave.
    assert resynced["otherpage123"]["status_indicator"] == "none"
    assert resynced["otherpage123"]["status_source"] == "public_api"


async def test_a_resync_of_a_change_after_the_webhook_replaces_its_status(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    page = docs_samples["payloads"]["page"]
    statuspage.get(PAGE_URL).respond(json=page)
    statuspage.get(f"{HOST}/v1/pages").respond(json=[page])
    published = statuspage.get(PUBLIC_STATUS_URL)

    async with start_live(mapping=only_kinds(shipped_mapping, "statuspage")) as live:
        await live.deliver(
            component_notification(
                docs_samples["payloads"]["component"],
                page_summary(PAGE, "critical", "Major System Outage"),
                old_status="operational",
            )
        )
        # The incident was resolved after the webhook, and no webhook told of it.
        resolved_at = datetime.now(UTC).isoformat()
        published.respond(json=public_status(PAGE, updated_at=resolved_at))
        result = await live.harness.trigger_resync()

    assert result.errors == []
    [entity] = result.upserted_entities
    assert entity["properties"]["status_indicator"] == "none"
    assert entity["properties"]["status_source"] == "public_api"


async def test_a_status_derived_from_lists_older_than_the_webhook_gives_way_to_it(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    private = {**docs_samples["payloads"]["page"], "viewers_must_be_team_members": True}
    component = docs_samples["payloads"]["component"]
    statuspage.get(PAGE_URL).respond(json=private)
    statuspage.get(f"{HOST}/v1/pages").respond(json=[private])
    components = statuspage.get(f"{PAGE_URL}/components")
    statuspage.get(f"{PAGE_URL}/incidents").respond(json=[])
    mapping = only_kinds(shipped_mapping, "statuspage")

    async with start_live(mapping=mapping) as live:
        await live.deliver(
            component_notification(
                component,
                page_summary(PAGE, "major", "Partial System Outage"),
                old_status="operational",
            )
        )
        # The component changed in 2024, long before the webhook: the webhook knows best.
        components.respond(json=[{**component, "status": "operational"}])
        kept = await live.harness.trigger_resync()
        # Now it changed after the webhook.
        recovered = {**component, "updated_at": datetime.now(UTC).isoformat()}
        components.respond(json=[{**recovered, "status": "operational"}])
        replaced = await live.harness.trigger_resync()

    assert kept.upserted_entities[0]["properties"]["status_source"] == "webhook"
    assert kept.upserted_entities[0]["properties"]["status_indicator"] == "major"
    assert replaced.upserted_entities[0]["properties"]["status_source"] == "derived"
    assert replaced.upserted_entities[0]["properties"]["status_indicator"] == "none"
    # A private page's public status API is never asked.
    assert {call.request.url.host for call in statuspage.calls} == {"statuspage.test"}
