"""What each kind yields in a resync. The live-event processors reuse the enrichment here.

Every list is fetched at most once per resync, so the `page` and `statuspage` kinds share one
page list and `incident_update` reuses the incidents that the `incident` kind fetched. A failed
fetch is remembered for the rest of the resync too, so a Statuspage outage costs one round of
retries rather than one per kind. A page that fails is reported after the other pages have
synced, by raising: any error makes Ocean skip deleting stale entities, so nothing that still
exists in Statuspage is lost to a failed fetch.
"""

from collections.abc import AsyncIterator, Callable
from typing import Any
from weakref import WeakKeyDictionary

from loguru import logger
from port_ocean.context.event import event
from port_ocean.context.ocean import ocean

from client import Item, StatuspageAuthError, StatuspageError, get_client
from settings import current_settings

Fetch = Callable[[], AsyncIterator[list[Item]]]
PageStatus = dict[str, str]
PageFetch = Callable[[str], AsyncIterator[list[Item]]]
_MEMO = "statuspage_fetches"


class ResyncIncompleteError(StatuspageError):
    """Some pages could not be synced; their entities are kept as they were in Port."""


async def _once_per_resync(key: str, fetch: Fetch) -> AsyncIterator[list[Item]]:
    """Streams `fetch`'s batches the first time in this resync and replays them, or its
    failure, every time after."""
    memo: dict[str, list[list[Item]] | StatuspageError] = event.attributes.setdefault(
        _MEMO, {}
    )
    outcome = memo.get(key)
    if isinstance(outcome, StatuspageError):
        raise outcome
    if outcome is not None:
        for batch in outcome:
            yield batch
        return
    batches: list[list[Item]] = []
    try:
        async for batch in fetch():
            batches.append(batch)
            yield batch
    except StatuspageError as error:
        memo[key] = error
        raise
    memo[key] = batches


async def _account_pages() -> list[Item]:
    async def fetch() -> AsyncIterator[list[Item]]:
        yield await get_client().get_pages()

    return [page async for batch in _once_per_resync("pages", fetch) for page in batch]


def _incidents_of(page_id: str) -> AsyncIterator[list[Item]]:
    return _once_per_resync(
        f"incidents:{page_id}", lambda: get_client().iter_incidents(page_id)
    )


def _component_groups_of(page_id: str) -> AsyncIterator[list[Item]]:
    return get_client().iter_component_groups(page_id)


def _components_of(page_id: str) -> AsyncIterator[list[Item]]:
    return get_client().iter_components(page_id)


async def _selected_pages() -> tuple[list[Item], list[str]]:
    """The account's pages narrowed to `statuspageIds`, and the configured ids it lacks."""
    pages: list[Item] = await _account_pages()
    wanted = current_settings().page_ids
    if not wanted:
        return pages, []
    found = {page["id"] for page in pages}
    return [page for page in pages if page["id"] in wanted], [
        page_id for page_id in wanted if page_id not in found
    ]


def _missing_pages_error(kind: str, missing: list[str]) -> ResyncIncompleteError:
    return ResyncIncompleteError(
        f"{kind}: statuspageIds lists page(s) this API key cannot see: {', '.join(missing)}. "
        "Remove them from statuspageIds or use an API key of the organization that owns them."
    )


# The page API does not return a page's overall status; only webhooks carry it. The last status
# each page's webhook brought is kept for the life of the integration, so a resync does not
# blank what the webhook set.
_page_statuses: "WeakKeyDictionary[object, dict[str, PageStatus]]" = WeakKeyDictionary()


def with_status(page: Item, status: PageStatus | None = None) -> Item:
    """The page with its overall status: `status` when a webhook just brought one (it is
    remembered), else the last one known."""
    known = _page_statuses.setdefault(ocean.app, {})
    if status is not None:
        known[page["id"]] = status
    return {**page, **known.get(page["id"], {})}


async def resync_pages(kind: str) -> AsyncIterator[list[Item]]:
    pages, missing = await _selected_pages()
    if pages:
        yield [with_status(page) for page in pages]
    logger.info(f"{kind}: synced {len(pages)} page(s)")
    if missing:
        raise _missing_pages_error(kind, missing)


async def _resync_each_page(kind: str, fetch: PageFetch) -> AsyncIterator[list[Item]]:
    """Yields `fetch`'s batches for every selected page; raises at the end if any page failed."""
    pages, missing = await _selected_pages()
    failures: list[str] = []
    total = 0
    for page in pages:
        try:
            async for batch in fetch(page["id"]):
                total += len(batch)
                yield batch
        except StatuspageAuthError:
            raise
        except StatuspageError as error:
            logger.error(
                f"{kind}: page {page['id']} failed, its entities are kept: {error}"
            )
            failures.append(f"page {page['id']}: {error}")
    logger.info(
        f"{kind}: synced {total} item(s) from {len(pages) - len(failures)} page(s)"
    )
    if failures:
        raise ResyncIncompleteError(f"{kind}: " + "; ".join(failures))
    if missing:
        raise _missing_pages_error(kind, missing)


async def resync_component_groups(kind: str) -> AsyncIterator[list[Item]]:
    async for batch in _resync_each_page(kind, _component_groups_of):
        yield batch


async def resync_components(kind: str) -> AsyncIterator[list[Item]]:
    async for batch in _resync_each_page(kind, _components_of):
        yield batch


async def resync_incidents(kind: str) -> AsyncIterator[list[Item]]:
    async for batch in _resync_each_page(kind, _incidents_of):
        yield batch


async def resync_incident_updates(kind: str) -> AsyncIterator[list[Item]]:
    async for incidents in _resync_each_page(kind, _incidents_of):
        updates = [update for incident in incidents for update in updates_of(incident)]
        if updates:
            yield updates


def updates_of(incident: dict[str, Any]) -> list[Item]:
    """An incident's updates, each carrying the page id so a mapping can relate it."""
    return [
        {**update, "page_id": incident.get("page_id"), "incident_id": incident["id"]}
        for update in incident.get("incident_updates") or []
    ]
