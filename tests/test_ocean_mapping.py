"""The shipped mapping's patterns are compiled where Ocean's forked mapping workers look for them
(JQEntityProcessorSync's cache), so no worker compiles them again: this fails if Ocean moves
that cache, and the lever with it."""

from typing import Any

import port_ocean.core.handlers.entity_processor.jq_entity_processor_sync as ocean_sync
from port_ocean.core.handlers.port_app_config.models import PortAppConfig

from sync.ocean_mapping import compile_for_workers
from tests.support import ocean_context


def test_every_pattern_of_a_resource_is_in_the_workers_cache(
    shipped_mapping: dict[str, Any],
) -> None:
    (incident,) = [
        r
        for r in PortAppConfig.parse_obj(shipped_mapping).resources
        if r.kind == "incident"
    ]
    patterns = [
        incident.selector.query,
        *incident.port.entity.mappings.properties.values(),
        *(str(r) for r in incident.port.entity.mappings.relations.values()),
        str(incident.port.entity.mappings.identifier),
    ]
    with ocean_context():
        ocean_sync._COMPILED_PATTERNS.clear()
        compile_for_workers(incident)
        compiled_before = dict(ocean_sync._COMPILED_PATTERNS)
        for pattern in patterns:
            ocean_sync.JQEntityProcessorSync._compile(pattern)

    assert len(compiled_before) >= len(set(patterns))
    # A worker asking for any of them finds it compiled already: nothing is added.
    assert compiled_before == ocean_sync._COMPILED_PATTERNS


def test_a_pattern_that_does_not_compile_is_left_for_ocean_to_report(
    shipped_mapping: dict[str, Any],
) -> None:
    (incident,) = [
        r
        for r in PortAppConfig.parse_obj(shipped_mapping).resources
        if r.kind == "incident"
    ]
    incident.port.entity.mappings.properties["broken"] = ".status | ]["
    with ocean_context():
        ocean_sync._COMPILED_PATTERNS.clear()
        compile_for_workers(incident)
        compiled = dict(ocean_sync._COMPILED_PATTERNS)
        ocean_sync.JQEntityProcessorSync._compile(".status")

    # The others are compiled all the same; the broken one is not, and nothing raised.
    assert compiled == ocean_sync._COMPILED_PATTERNS
    assert not any("][" in key for key in compiled)
