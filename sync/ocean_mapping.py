"""Ocean's mapping patterns compiled once, in the process its mapping workers are forked from.

Ocean 0.55.4 maps each batch in a fresh pool of forked workers (jq_entity_processor.py), and each
worker compiles every JQ pattern of the mapping before its first item, a few milliseconds a
pattern: about a tenth of a full resync's CPU. Ocean means to compile them once beforehand
("warmup_cache"), but warms the cache of its main-process processor, while the workers read
another one, `JQEntityProcessorSync`'s. Compiling into that one before the first batch, in the
main process, lets every forked worker inherit the compiled patterns instead.

Only a cache is filled: a pattern that does not compile is left for Ocean to report, and an Ocean
without that cache is simply not helped.
"""

from typing import Any

from loguru import logger
from port_ocean.core.handlers.entity_processor.jq_entity_processor_sync import (
    JQEntityProcessorSync,
)
from port_ocean.core.handlers.port_app_config.models import ResourceConfig


def compile_for_workers(resource: ResourceConfig) -> None:
    """Compiles the resource's selector and mapping patterns where Ocean's workers look."""
    compile_pattern = getattr(JQEntityProcessorSync, "_compile", None)
    if compile_pattern is None:
        return
    mappings = resource.port.entity.mappings.dict(exclude_unset=True)
    for pattern in [resource.selector.query, *_patterns(mappings)]:
        try:
            compile_pattern(pattern)
        except Exception as error:
            logger.debug(f"{resource.kind}: pattern {pattern!r} not compiled: {error}")


def _patterns(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [p for inner in value.values() for p in _patterns(inner)]
    if isinstance(value, list):
        return [p for inner in value for p in _patterns(inner)]
    return []
