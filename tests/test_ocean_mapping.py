"""The shipped mapping's patterns are filed where Ocean's forked mapping workers look for them
(JQEntityProcessorSync's cache), compiled once by Ocean's own processor, so no worker compiles
them again and the main process holds one copy: this fails if Ocean moves that cache or names
its patterns otherwise, and the lever with it."""

import asyncio
import multiprocessing
from typing import Any

import port_ocean.core.handlers.entity_processor.jq_entity_processor_sync as ocean_sync
import pytest
from port_ocean.context.ocean import ocean
from port_ocean.core.handlers.entity_processor.jq_entity_processor import (
    JQEntityProcessor,
)
from port_ocean.core.handlers.port_app_config.models import (
    PortAppConfig,
    ResourceConfig,
)

from sync.ocean_mapping import ChunkedJQProcessor
from tests.support import ocean_context


def incident_resource(mapping: dict[str, Any]) -> ResourceConfig:
    (incident,) = [
        r for r in PortAppConfig.parse_obj(mapping).resources if r.kind == "incident"
    ]
    return incident


async def compileable(processor: JQEntityProcessor, resource: ResourceConfig) -> Any:
    """The resource's patterns Ocean can compile, compiled in this process, as Ocean picks
    them out before it maps a batch."""
    mappings = resource.port.entity.mappings.dict(exclude_unset=True)
    patterns, _ = (
        await processor.separate_compileable_and_uncompileable_patterns_and_warmup_cache(
            mappings, [resource.selector.query]
        )
    )
    return patterns


@pytest.mark.parametrize("reads_environment", [False, True])
async def test_every_pattern_is_in_the_workers_cache_as_the_one_copy_ocean_compiled(
    shipped_mapping: dict[str, Any], reads_environment: bool
) -> None:
    incident = incident_resource(shipped_mapping)
    patterns = [
        incident.selector.query,
        *incident.port.entity.mappings.properties.values(),
        *(str(r) for r in incident.port.entity.mappings.relations.values()),
        str(incident.port.entity.mappings.identifier),
    ]
    with ocean_context(allow_environment_variables_jq_access=reads_environment):
        processor = ChunkedJQProcessor(ocean)
        ocean_sync._COMPILED_PATTERNS.clear()
        # An empty batch: the patterns are filed, and no worker is forked.
        patterns_of_batch = await compileable(processor, incident)
        await processor.parse_items_sync(patterns_of_batch, [], incident.selector.query)
        compiled_before = dict(ocean_sync._COMPILED_PATTERNS)
        in_workers = [ocean_sync.JQEntityProcessorSync._compile(p) for p in patterns]
        in_main = [processor._compile(p) for p in patterns]

    assert len(compiled_before) >= len(set(patterns))
    # A worker asking for any of them finds it compiled already: nothing is added.
    assert compiled_before == ocean_sync._COMPILED_PATTERNS
    assert all(w is m for w, m in zip(in_workers, in_main, strict=True))


async def test_a_pattern_that_does_not_compile_is_left_for_ocean_to_report(
    shipped_mapping: dict[str, Any],
) -> None:
    incident = incident_resource(shipped_mapping)
    incident.port.entity.mappings.properties["broken"] = ".status | ]["
    with ocean_context():
        processor = ChunkedJQProcessor(ocean)
        ocean_sync._COMPILED_PATTERNS.clear()
        patterns = await compileable(processor, incident)
        await processor.parse_items_sync(patterns, [], incident.selector.query)
        compiled = dict(ocean_sync._COMPILED_PATTERNS)
        ocean_sync.JQEntityProcessorSync._compile(".status")

    # The others are compiled all the same; the broken one is not, and nothing raised.
    assert compiled == ocean_sync._COMPILED_PATTERNS
    assert not any("][" in key for key in compiled)


async def test_batches_mapped_at_once_are_mapped_in_turn_one_pool_of_workers_at_a_time(
    shipped_mapping: dict[str, Any],
) -> None:
    # Two kinds of a resync map at once (sync/kinds_ahead.py): each batch still gets a pool of
    # its own, never beside another's, and its own entities.
    incident = incident_resource(shipped_mapping)
    batches = [
        [
            {"id": f"{name}-{n}", "name": f"incident {n}", "page_id": "p1"}
            for n in range(300)
        ]
        for name in ("first", "second")
    ]
    most_workers = 0

    async def count_workers() -> None:
        nonlocal most_workers
        while True:
            most_workers = max(most_workers, len(multiprocessing.active_children()))
            await asyncio.sleep(0.001)

    with ocean_context(process_in_queue_max_workers=1):
        processor = ChunkedJQProcessor(ocean)
        patterns = await compileable(processor, incident)
        watching = asyncio.create_task(count_workers())
        try:
            mapped = await asyncio.gather(
                *(
                    processor.parse_items_sync(patterns, batch, incident.selector.query)
                    for batch in batches
                )
            )
        finally:
            watching.cancel()

    assert most_workers == 1
    for batch, (results, errors) in zip(batches, mapped, strict=True):
        assert errors == []
        identifiers = [m.entity["identifier"] for found, _ in results for m in found]
        assert identifiers == [item["id"] for item in batch]


async def test_a_batch_maps_in_chunks_to_what_oceans_own_mapping_gives_item_by_item(
    shipped_mapping: dict[str, Any],
) -> None:
    # Whole items, items missing fields, and items whose fields a pattern cannot read: each
    # comes out as Ocean's per-item mapping makes it, in the batch's order.
    incident = incident_resource(shipped_mapping)
    batch: list[dict[str, Any]] = []
    for n in range(101):
        item: dict[str, Any] = {
            "id": f"i-{n}",
            "name": f"incident {n}",
            "page_id": "p1",
        }
        if n % 3 == 1:
            item |= {
                "status": "resolved",
                "impact": "minor",
                "components": [{"id": "c1"}],
            }
        if n % 3 == 2:
            item |= {"components": "not a list", "created_at": 7}
        batch.append(item)

    with ocean_context(process_in_queue_max_workers=2):
        chunked = ChunkedJQProcessor(ocean)
        oceans = JQEntityProcessor(ocean)
        patterns = await compileable(oceans, incident)
        ours, our_errors = await chunked.parse_items_sync(
            patterns, batch, incident.selector.query
        )
        theirs, their_errors = await oceans.parse_items_sync(
            patterns, batch, incident.selector.query
        )

    assert our_errors == their_errors == []
    assert len(ours) == len(batch)

    def comparable(results: list[Any]) -> list[Any]:
        return [
            (found, [f"{type(e).__name__}: {e}" for e in failed])
            for found, failed in results
        ]

    assert comparable(ours) == comparable(theirs)
