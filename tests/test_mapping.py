"""The shipped port-app-config.yaml, applied by Ocean's own JQ processing to the docs' sample payloads,
gives the docs' "Mapping Result" entities."""

from typing import Any

import pytest
import respx

from tests.support import HOST, public_status

# Where the docs' own samples disagree with each other, the mapping result cannot match both;
# each entry names the property and why.
DOCS_SAMPLES_DISAGREE = {
    # The page entity was captured days before the page payload (updated_at 2024-06-26T03:49:25Z).
    ("page", "updatedAt"),
    # The incident entity carries millisecond timestamps the incident payload rounds away,
    # and a startedAt although the payload has no started_at.
    ("incident", "createdAt"),
    ("incident", "updatedAt"),
    ("incident", "resolvedAt"),
    ("incident", "startedAt"),
}
# Properties the docs' blueprints lacked, so Port dropped them from the docs' entities; we mend the
# blueprint (see CHANGELOG), and the mapped value must be the payload's field.
MENDED = {("incident", "impact_override"): "impact_override"}
# Port computes calculation properties itself; a mapping never yields them.
CALCULATED = {"category"}
# Properties this integration adds to every entity, which the docs' entities predate.
ADDED = {"provider": "statuspage"}
# And to the page: its overall status, here from its public status API (served below).
ADDED_TO_PAGE = {
    "status_indicator": "minor",
    "status_description": "Minor Service Outage",
    "status_source": "public_api",
}

KIND_OF_SAMPLE = {
    "page": "statuspage",
    "component_group": "component_group",
    "component": "component",
    "incident": "incident",
    "incident_update": "incident_update",
}


def serve_docs_samples(router: respx.MockRouter, payloads: dict[str, Any]) -> None:
    page_id = payloads["page"]["id"]
    incident = payloads["incident"]
    # The docs' incident-update sample is one of the incident's updates.
    assert payloads["incident_update"] in [
        dict(u.items()) for u in incident["incident_updates"]
    ]
    router.get(f"{HOST}/v1/pages").respond(json=[payloads["page"]])
    router.get(f"{HOST}/v1/pages/{page_id}/component-groups").respond(
        json=[payloads["component_group"]]
    )
    router.get(f"{HOST}/v1/pages/{page_id}/components").respond(
        json=[payloads["component"]]
    )
    router.get(f"{HOST}/v1/pages/{page_id}/incidents").respond(json=[incident])
    status = public_status(
        page_id, ADDED_TO_PAGE["status_indicator"], ADDED_TO_PAGE["status_description"]
    )
    subdomain = payloads["page"]["subdomain"]
    router.get(f"https://{subdomain}.statuspage.io/api/v2/status.json").respond(
        json=status
    )


def expected_properties(sample: str, entity: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in entity["properties"].items()
        if name not in CALCULATED and (sample, name) not in DOCS_SAMPLES_DISAGREE
    }


@pytest.mark.parametrize("sample", list(KIND_OF_SAMPLE))
async def test_docs_payload_maps_to_docs_entity(
    sample: str, docs_samples: dict[str, Any], run_harness: Any
) -> None:
    with respx.mock(assert_all_mocked=True) as router:
        serve_docs_samples(router, docs_samples["payloads"])
        async with run_harness(host=HOST) as harness:
            result = await harness.trigger_resync()

    assert result.errors == []
    expected = docs_samples["entities"][sample]
    matches = [
        e
        for e in result.upserted_entities
        if e["identifier"] == expected["identifier"]
        and e["blueprint"] == expected["blueprint"]
    ]
    assert (
        len(matches) == 1
    ), f"no single {expected['blueprint']} {expected['identifier']}"
    entity = matches[0]
    assert entity["title"] == expected["title"]
    mapped = {k: v for k, v in entity["properties"].items() if v is not None}
    for name, value in expected_properties(sample, expected).items():
        assert mapped.get(name) == value, f"{sample}.{name}"
    for (mended_sample, name), field in MENDED.items():
        if mended_sample == sample:
            assert mapped[name] == docs_samples["payloads"][sample][field]
    added = ADDED | (ADDED_TO_PAGE if sample == "page" else {})
    for name, value in added.items():
        assert mapped[name] == value
    unexpected = (
        set(mapped)
        - set(expected["properties"])
        - set(added)
        - {name for s, name in DOCS_SAMPLES_DISAGREE | set(MENDED) if s == sample}
    )
    assert unexpected == set(), f"{sample} maps properties the docs' entity lacks"
    assert entity.get("relations", {}) == expected["relations"]
