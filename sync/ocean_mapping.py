"""Ocean's mapping, as this integration runs it: its patterns compiled once, each batch mapped in
a few chunks a worker, and one pool of mapping workers at a time.

Ocean 0.55.4 maps each batch in a fresh pool of forked workers (jq_entity_processor.py), and each
worker compiles every JQ pattern of the mapping before its first item, a few milliseconds a
pattern: about a tenth of a full resync's CPU. Ocean means to compile them once beforehand
("warmup_cache"), but warms the cache of its main-process processor, while the workers read
another one, `JQEntityProcessorSync`'s. Filing the main process's compiled patterns in that one
too, before each pool is forked, lets every forked worker inherit them instead. They are filed, not
compiled again: a compiled pattern is about 20 KiB of jq's own memory, and the shipped mapping's
66 would otherwise be held twice for the whole run (1.3 MiB).

Only a cache is filled: a pattern that does not compile is left for Ocean to report, and an Ocean
without these caches is simply not helped.

Ocean hands its pool a batch's items one by one: a future, a timer, a message to a worker and a
pickled result back for every item, which cost more of the main process's CPU than the mapping
workers spend on small items (an incident update). `ChunkedJQProcessor` hands each worker a few
chunks of the batch instead, mapped item by item with Ocean's own worker function, so every item
maps, fails and is timed out exactly as in Ocean; only the bookkeeping is per chunk.

Each pool forks as many workers as the machine has cores, and is handed its batch in module
globals set just before the fork. Batches of kinds that run at once (kinds_ahead.py), or of a
live event during a resync, are therefore mapped in turn: side by side they would run more
workers than cores, and fork while another pool's threads hold their locks.
"""

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Final

from loguru import logger
from port_ocean.context.ocean import PortOceanContext
from port_ocean.core.handlers.entity_processor import (
    jq_entity_processor,
    jq_entity_processor_sync,
)
from port_ocean.core.handlers.entity_processor.jq_entity_processor import (
    JQEntityProcessor,
)
from port_ocean.core.handlers.entity_processor.models import MappedEntity
from port_ocean.core.ocean_types import RAW_ITEM
from port_ocean.core.utils.utils import gather_and_split_errors_from_results

# What Ocean puts before a pattern when the mapping may not read the environment.
_NO_ENVIRONMENT: Final = "def env: {}; {} as $ENV | "
# How many chunks a batch is cut into for each mapping worker: enough to share the batch out
# evenly when its items take unequal time, few enough that the per-chunk costs stay small.
CHUNKS_PER_WORKER: Final = 4


Mapped = tuple[list[MappedEntity], list[Exception]]
MappedBatch = tuple[list[Mapped], list[Exception]]


class ChunkedJQProcessor(JQEntityProcessor):
    """Ocean's JQ mapping, each batch in a few chunks a worker, one batch's pool of forked
    workers at a time; everything else a kind does (reading, the entities' checks, upserts)
    goes on meanwhile."""

    def __init__(self, context: PortOceanContext) -> None:
        super().__init__(context)
        self._pool = asyncio.Lock()

    async def parse_items_sync(
        self,
        compileable_patterns: dict[str, Any],
        raw_results: list[RAW_ITEM],
        selector_query: str,
        parse_all: bool = False,
    ) -> MappedBatch:
        config = self.context.config
        self._file_for_workers(
            [selector_query, *_patterns(compileable_patterns)],
            config.allow_environment_variables_jq_access,
        )
        async with self._pool:
            _hand_to_workers(
                raw_results, compileable_patterns, selector_query, parse_all
            )
            try:
                return await _map_in_chunks(
                    len(raw_results),
                    config.process_in_queue_max_workers,
                    config.process_in_queue_timeout,
                )
            finally:
                # Nothing of the batch outlives its mapping.
                _hand_to_workers(None, None, None, None)

    def _file_for_workers(self, patterns: list[str], reads_environment: bool) -> None:
        """Files the patterns, as compiled by this processor in this process (Ocean compiled
        them already), where Ocean's workers look. `reads_environment` is Ocean's
        allow_environment_variables_jq_access setting, part of how the workers name a pattern.
        """
        workers_cache = getattr(jq_entity_processor_sync, "_COMPILED_PATTERNS", None)
        if not isinstance(workers_cache, dict):
            return
        for pattern in patterns:
            try:
                compiled = self._compile(pattern)
            except Exception as error:
                logger.debug(f"pattern {pattern!r} not compiled: {error}")
                continue
            workers_cache.setdefault(_workers_key(pattern, reads_environment), compiled)


def _hand_to_workers(
    items: list[RAW_ITEM] | None,
    patterns: dict[str, Any] | None,
    selector: str | None,
    parse_all: bool | None,
) -> None:
    """Sets what Ocean's worker function maps (`_calculate_entity` reads these globals), for
    the workers about to be forked to inherit."""
    jq_entity_processor._MULTIPROCESS_JQ_BATCH_DATA = items
    jq_entity_processor._MULTIPROCESS_JQ_BATCH_MAPPINGS = patterns
    jq_entity_processor._MULTIPROCESS_JQ_BATCH_SELECTOR_QUERY = selector
    jq_entity_processor._MULTIPROCESS_JQ_BATCH_PARSE_ALL = parse_all


async def _map_in_chunks(items: int, workers: int, limit_seconds: float) -> MappedBatch:
    """Each item's result in order, mapped by a fresh pool of `workers`; a chunk that fails as
    a whole (its worker died, or it was not mapped within `limit_seconds`, Ocean's bound for
    one item) is an error of the batch, which Ocean then fails, as it would for one item.
    """
    size = max(1, -(-items // (workers * CHUNKS_PER_WORKER)))
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("fork")
    ) as pool:
        chunks, errors = await gather_and_split_errors_from_results(
            asyncio.wait_for(
                loop.run_in_executor(
                    pool, _map_chunk, range(start, min(start + size, items))
                ),
                timeout=limit_seconds,
            )
            for start in range(0, items, size)
        )
    return [result for chunk in chunks for result in chunk], errors


def _map_chunk(indices: range) -> list[Mapped]:
    """Runs in a forked worker: the chunk's items, each mapped by Ocean's worker function."""
    return [jq_entity_processor._calculate_entity(index) for index in indices]


def _workers_key(pattern: str, reads_environment: bool) -> str:
    """The name `JQEntityProcessorSync._compile` files the pattern under."""
    formatted = jq_entity_processor_sync.JQEntityProcessorSync._format_filter(pattern)
    return formatted if reads_environment else _NO_ENVIRONMENT + formatted


def _patterns(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [p for inner in value.values() for p in _patterns(inner)]
    if isinstance(value, list):
        return [p for inner in value for p in _patterns(inner)]
    return []
