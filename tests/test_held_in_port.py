"""What Port holds, read through Ocean's own Port client (Port mocked at HTTP) and rebuilt by
reading the mapping backwards: the shipped mapping's entities come back as objects that map to
the very same entities; what does not read backwards is said so."""

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jq  # type: ignore[import-not-found]  # it ships no type stubs
import pytest
import respx
from port_ocean.context.ocean import ocean
from port_ocean.core.handlers.port_app_config.models import PortAppConfig

from client import Item
from sync.fetch_memo import FetchMemo
from sync.held_in_port import MappedKind, PortView
from tests.support import ocean_context
from tests.vendors.test_pingpong_normalise import INCIDENT
from vendors.contract import PortReadError
from vendors.pingpong import normalise

PORT = "http://localhost:5555/v1"


@pytest.fixture
def port() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=False, assert_all_called=False) as router:
        router.post(f"{PORT}/auth/access_token").respond(
            json={"accessToken": "port-token", "expiresIn": 3600, "tokenType": "Bearer"}
        )
        yield router


@asynccontextmanager
async def resync_with(mapping: dict[str, Any]) -> AsyncIterator[PortView]:
    """An Ocean app, and what a resync with `mapping` as its port app config reads of Port."""
    with ocean_context():
        yield PortView(PortAppConfig.parse_obj(mapping).resources, ocean.port_client)


def entity_of(resource: dict[str, Any], item: Item) -> dict[str, Any]:
    """What Ocean makes of `item` by `resource`'s mapping (each expression through jq)."""

    def value(expression: str) -> Any:
        return jq.compile(expression).input_value(item).first()

    mappings = resource["port"]["entity"]["mappings"]
    return {
        "identifier": value(mappings["identifier"]),
        "blueprint": value(mappings["blueprint"]),
        "title": value(mappings["title"]),
        "properties": {k: value(v) for k, v in mappings["properties"].items()},
        "relations": {k: value(v) for k, v in mappings["relations"].items()},
    }


def resource(mapping: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(r for r in mapping["resources"] if r["kind"] == kind)


async def held(
    mapping: dict[str, Any], kind: str
) -> tuple[MappedKind, dict[str, Item]]:
    async with resync_with(mapping) as port:
        mapped = MappedKind(kind, port)
        return mapped, await mapped.held("pingpong-")


@pytest.mark.parametrize("kind", ["incident", "incident_update"])
async def test_the_shipped_mapping_reads_back_into_the_same_entities(
    port: respx.MockRouter, shipped_mapping: dict[str, Any], kind: str
) -> None:
    resolved = normalise.incident(
        {
            **INCIDENT,
            "status": "Resolved",
            "updates": [
                *INCIDENT["updates"],
                {
                    "id": "r1",
                    "created_at": "2020-03-18T10:00:00Z",
                    "status": "Resolved",
                },
            ],
        },
        "pingpong-acme",
    )
    items = (
        [resolved]
        if kind == "incident"
        else [
            {**u, "page_id": "pingpong-acme", "incident_id": resolved["id"]}
            for u in resolved["incident_updates"]
        ]
    )
    mapped_by = resource(shipped_mapping, kind)
    in_port = [entity_of(mapped_by, item) for item in items]
    search = port.post(f"{PORT}/entities/search").respond(
        json={"ok": True, "entities": in_port}
    )

    mapped, rebuilt = await held(shipped_mapping, kind)

    assert mapped.complete
    assert [entity_of(mapped_by, item) for item in rebuilt.values()] == in_port
    assert set(rebuilt) == {item["id"] for item in items}
    if kind == "incident":
        assert rebuilt[resolved["id"]]["status"] == "resolved"
        assert {"status", "scheduled_for", "impact"} <= mapped.fields
    else:
        assert {"incident_id", "status"} <= mapped.fields
    sent = json.loads(search.calls.last.request.content)
    blueprint = entity_of(mapped_by, items[0])["blueprint"]
    assert {"property": "$blueprint", "operator": "=", "value": blueprint} in sent[
        "rules"
    ]
    assert {
        "property": "$identifier",
        "operator": "beginsWith",
        "value": "pingpong-",
    } in sent["rules"]
    # Ocean's own rules keep the search to this integration's entities.
    assert any(rule["property"] == "$datasource" for rule in sent["rules"])
    include = search.calls.last.request.url.params.get_list("include")
    assert set(include) >= {"identifier", "properties", "relations", "title"}


async def test_other_blueprints_and_other_vendors_entities_are_left_out(
    port: respx.MockRouter, shipped_mapping: dict[str, Any]
) -> None:
    answer = [
        {"identifier": "pingpong-a", "blueprint": "statuspageIncident"},
        {"identifier": "onlineornot-b", "blueprint": "statuspageIncident"},
        {"identifier": "pingpong-c", "blueprint": "statuspageComponent"},
    ]
    port.post(f"{PORT}/entities/search").respond(json={"ok": True, "entities": answer})

    _, rebuilt = await held(shipped_mapping, "incident")

    assert list(rebuilt) == ["pingpong-a"]


@pytest.mark.parametrize(
    ("change", "complete"),
    [
        ({"properties": {"metadata": '{"said": .status}'}}, False),
        ({"properties": {"status": '.status // "investigating"'}}, False),
        ({"properties": {"status": ".raw.status"}}, True),
        ({"relations": {"components": "[.components[] | .id]"}}, False),
        ({"title": '"constant"'}, True),
    ],
)
async def test_what_does_not_read_backwards_makes_the_kind_incomplete(
    shipped_mapping: dict[str, Any], change: dict[str, Any], complete: bool
) -> None:
    mappings = resource(shipped_mapping, "incident")["port"]["entity"]["mappings"]
    for part, value in change.items():
        if isinstance(value, dict):
            mappings[part].update(value)
        else:
            mappings[part] = value

    async with resync_with(shipped_mapping) as port:
        assert MappedKind("incident", port).complete is complete


async def test_a_selector_other_than_true_makes_the_kind_incomplete(
    shipped_mapping: dict[str, Any],
) -> None:
    resource(shipped_mapping, "incident")["selector"]["query"] = '.provider != "x"'

    async with resync_with(shipped_mapping) as port:
        assert not MappedKind("incident", port).complete
        assert MappedKind("incident_update", port).complete


@pytest.mark.parametrize(
    ("part", "value"),
    [("blueprint", '.provider + "Incident"'), ("identifier", '"pp-" + .id')],
)
async def test_a_resource_that_cannot_be_searched_for_is_an_error(
    shipped_mapping: dict[str, Any], part: str, value: str
) -> None:
    resource(shipped_mapping, "incident")["port"]["entity"]["mappings"][part] = value

    async with resync_with(shipped_mapping) as port:
        with pytest.raises(PortReadError, match="constant blueprint"):
            MappedKind("incident", port)


async def test_port_failing_is_an_error_naming_what_could_not_be_read(
    port: respx.MockRouter, shipped_mapping: dict[str, Any]
) -> None:
    port.post(f"{PORT}/entities/search").mock(
        return_value=httpx.Response(400, json={"ok": False, "error": "bad"})
    )

    with pytest.raises(PortReadError, match="statuspageIncident"):
        await held(shipped_mapping, "incident")


def test_a_sync_without_port_has_no_mapping_to_read() -> None:
    with pytest.raises(PortReadError, match="not known to this sync"):
        FetchMemo().held_in_port("incident")


async def test_a_kind_the_mapping_lacks_holds_nothing(
    port: respx.MockRouter, shipped_mapping: dict[str, Any]
) -> None:
    shipped_mapping["resources"] = [
        r for r in shipped_mapping["resources"] if r["kind"] != "incident"
    ]

    mapped, rebuilt = await held(shipped_mapping, "incident")

    assert not mapped.mapped
    assert rebuilt == {}
    assert not any(c.request.url.path.endswith("/search") for c in port.calls)
