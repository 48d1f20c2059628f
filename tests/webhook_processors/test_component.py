"""Component status notifications: the component is upserted as the API has it, and deleted
when the API says it is gone."""

import copy
from typing import Any

import respx

from tests.support import HOST, only_kinds
from tests.webhook_processors.conftest import LiveFactory
from tests.webhook_processors.support import (
    LiveOcean,
    by_blueprint,
    component_notification,
    page_summary,
)

PAGE = "8m2l51279rpl"
COMPONENT = "y6ssccsqgy8s"
COMPONENT_URL = f"{HOST}/v1/pages/{PAGE}/components/{COMPONENT}"


def api_component(docs_samples: dict[str, Any], status: str) -> dict[str, Any]:
    return {**copy.deepcopy(docs_samples["payloads"]["component"]), "status": status}


async def test_a_status_change_upserts_the_component_as_the_api_has_it(
    statuspage: respx.MockRouter, live: LiveOcean, docs_samples: dict[str, Any]
) -> None:
    statuspage.get(f"{HOST}/v1/pages/{PAGE}").respond(
        json=docs_samples["payloads"]["page"]
    )
    fetch = statuspage.get(COMPONENT_URL).respond(
        json=api_component(docs_samples, "major_outage")
    )
    # Delivered late: the component has moved on since this notification was sent.
    notified = api_component(docs_samples, "degraded_performance")

    await live.deliver(
        component_notification(notified, page_summary(PAGE), old_status="operational")
    )

    assert fetch.call_count == 1
    [component] = [e for e in live.upserted if e["blueprint"] == "statuspageComponent"]
    assert component["identifier"] == COMPONENT
    assert component["properties"]["status"] == "major_outage"
    assert component["relations"]["statuspage"] == PAGE
    assert live.deleted == []


async def test_a_component_the_api_no_longer_has_is_deleted(
    statuspage: respx.MockRouter, start_live: LiveFactory, docs_samples: dict[str, Any]
) -> None:
    statuspage.get(f"{HOST}/v1/pages/{PAGE}").respond(
        json=docs_samples["payloads"]["page"]
    )
    statuspage.get(COMPONENT_URL).respond(404, json={"error": "Not found"})
    in_port = [{"identifier": COMPONENT, "blueprint": "statuspageComponent"}]
    notified = api_component(docs_samples, "operational")

    async with start_live(port_entities=in_port) as live:
        await live.deliver(
            component_notification(
                notified, page_summary(PAGE), old_status="major_outage"
            )
        )

    assert by_blueprint(live.deleted) == {"statuspageComponent": [COMPONENT]}
    assert "statuspageComponent" not in by_blueprint(live.upserted)


async def test_only_the_component_kind_is_asked_for_when_only_it_is_mapped(
    statuspage: respx.MockRouter,
    start_live: LiveFactory,
    shipped_mapping: dict[str, Any],
    docs_samples: dict[str, Any],
) -> None:
    statuspage.get(COMPONENT_URL).respond(
        json=api_component(docs_samples, "operational")
    )
    components_only = only_kinds(shipped_mapping, "component")
    notified = api_component(docs_samples, "operational")

    async with start_live(mapping=components_only) as live:
        await live.deliver(
            component_notification(
                notified, page_summary(PAGE), old_status="major_outage"
            )
        )

    # The page's status is not fetched when no page kind is mapped.
    assert [call.request.url.path for call in statuspage.calls] == [
        f"/v1/pages/{PAGE}/components/{COMPONENT}"
    ]
    assert by_blueprint(live.upserted) == {"statuspageComponent": [COMPONENT]}
