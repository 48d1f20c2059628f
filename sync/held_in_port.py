"""What Port holds of one kind for one vendor, read from inside a resync through Ocean's own
Port client (its entity search, kept to this integration's entities), and rebuilt into the
objects the mapping made those entities from.

Why: a vendor whose API lists only what is ongoing (PingPong's incidents) would lose each
incident that ends to the next resync's stale deletion, which removes every entity the resync
did not yield. Re-reading every past incident at every resync costs a request each, more of
them every day; yielding again what Port already holds costs nothing at the vendor. That
reads the mapping backwards: each property and relation is put back into the field it was
mapped from. Only plain expressions read backwards:

- a field: `.status`, `.raw.reported_by`;
- one field of each item of a list: `[.components[].id]`, `[(.affected_components // [])[].code]`;
- a constant (`"statuspageIncident"`, `true`), which needs nothing back.

A resource whose blueprint is not a constant, or whose identifier is not a field, cannot even
be searched for: that is a PortReadError. A resource with any other expression, a selector
other than `true`, or `itemsToParse`, is found but not `complete`: yielding what was rebuilt
would blank what was not, so the caller must read those from the vendor instead.

PortReadError (vendors/contract.py) is a VendorError, so a resync treats it as the vendor's
page failing: it syncs the rest and deletes nothing.
"""

import json
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import httpx
from port_ocean.clients.port.client import PortClient
from port_ocean.clients.port.types import UserAgentType
from port_ocean.core.handlers.port_app_config.models import ResourceConfig
from port_ocean.core.models import Entity

from client import Item
from vendors.contract import PortReadError

_NAME: Final = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH: Final = rf"\.{_NAME}(?:\.{_NAME})*"
_FIELD: Final = re.compile(rf"^\s*({_PATH})\s*$")
_EACH: Final = re.compile(
    rf"^\s*\[\s*(?:\(\s*({_PATH})\s*//\s*\[\s*\]\s*\)|({_PATH}))\s*\[\s*\]\s*"
    rf"\.({_NAME})\s*\]\s*$"
)
# A search relation ({combinator, rules}) has no expression: it never reads backwards.
_SEARCH_RELATION: Final = "<search relation>"
_SEARCHED_FIELDS: Final = [
    "identifier",
    "blueprint",
    "title",
    "properties",
    "relations",
]


@dataclass(frozen=True)
class PortView:
    """What a sync may read of Port: the current mapping's resources, and Ocean's Port client,
    whose entity search keeps to this integration's entities. The entry point that starts the
    sync hands it down."""

    resources: Sequence[ResourceConfig]
    client: PortClient


Put = Callable[[Item, Any], None]
# Where one part of an entity (its identifier, title, a property, a relation) came from.
Part = tuple[Callable[[Entity], Any], str | None]


class MappedKind:
    """The current mapping's resources of one kind, read backwards: `fields` are the
    top-level fields they put back, `complete` whether that is everything they read.

    Raises PortReadError when a resource of the kind cannot be searched for."""

    def __init__(self, kind: str, port: PortView) -> None:
        self.kind = kind
        self._client = port.client
        self._resources = [_Backwards.of(r) for r in port.resources if r.kind == kind]
        self.fields = frozenset(f for r in self._resources for f in r.fields)
        self.complete = all(r.complete for r in self._resources)

    @property
    def mapped(self) -> bool:
        return bool(self._resources)

    @property
    def reads_only(self) -> frozenset[str] | None:
        """The top-level fields the kind's mapping reads, when it is mapped and that is all
        it reads (every expression a plain field, the selector `true`); else None."""
        return self.fields if self.mapped and self.complete else None

    async def held(self, id_prefix: str) -> dict[str, Item]:
        """The entities Port holds of the kind whose identifiers start with `id_prefix`,
        rebuilt, by identifier; one Port search per resource of the kind."""
        rule = {"property": "$identifier", "operator": "beginsWith", "value": id_prefix}
        return await self._rebuilt(
            rule, lambda identifier: identifier.startswith(id_prefix)
        )

    async def named(self, identifiers: Collection[str]) -> dict[str, Item]:
        """The entities Port holds of the kind under these identifiers, rebuilt, by
        identifier; one Port search per resource of the kind."""
        rule = {
            "property": "$identifier",
            "operator": "in",
            "value": sorted(identifiers),
        }
        return await self._rebuilt(rule, lambda identifier: identifier in identifiers)

    async def _rebuilt(
        self, identifier_rule: Item, wanted: Callable[[str], bool]
    ) -> dict[str, Item]:
        items: dict[str, Item] = {}
        for resource in self._resources:
            found = await _search(
                self._client, resource.blueprint, identifier_rule, wanted
            )
            for entity in found:
                rebuilt = resource.rebuild(entity)
                items[entity.identifier] = {
                    **rebuilt,
                    **items.get(entity.identifier, {}),
                }
        return items


async def _search(
    client: PortClient,
    blueprint: str,
    identifier_rule: Item,
    wanted: Callable[[str], bool],
) -> list[Entity]:
    query = {
        "combinator": "and",
        "rules": [
            {"property": "$blueprint", "operator": "=", "value": blueprint},
            identifier_rule,
        ],
    }
    try:
        # Ocean adds the rules that keep the search to this integration's own entities.
        found = await client.search_entities(
            UserAgentType.exporter, query=query, parameters_to_include=_SEARCHED_FIELDS
        )
    except (httpx.HTTPError, ValueError, KeyError) as error:
        raise PortReadError(
            f"could not read which {blueprint} entities Port holds: "
            f"{type(error).__name__}: {error}"
        ) from None
    # Port answers what was asked; checked again all the same, as nothing else may be kept.
    return [
        entity
        for entity in found
        if entity.blueprint == blueprint
        and isinstance(entity.identifier, str)
        and wanted(entity.identifier)
    ]


class _Backwards:
    """One resource's mapping, read backwards."""

    def __init__(self, blueprint: str, parts: Iterable[Part], complete: bool) -> None:
        self.blueprint = blueprint
        self.complete = complete
        self._puts: list[tuple[Callable[[Entity], Any], Put]] = []
        self.fields: set[str] = set()
        for value_of, expression in parts:
            if expression is None or _constant(expression):
                continue
            put = _put_back(expression)
            if put is None:
                self.complete = False
                continue
            self._puts.append((value_of, put[0]))
            self.fields.add(put[1])

    @classmethod
    def of(cls, resource: ResourceConfig) -> "_Backwards":
        mappings = resource.port.entity.mappings
        blueprint = _string_constant(mappings.blueprint)
        identifier = mappings.identifier
        if (
            blueprint is None
            or not isinstance(identifier, str)
            or not _FIELD.match(identifier)
        ):
            raise PortReadError(
                f"the {resource.kind} mapping must have a constant blueprint and an "
                "identifier that is a field (as the shipped mapping has) for the "
                "integration to find what Port holds of it"
            )
        extras = [mappings.team, mappings.icon]
        complete = (
            resource.selector.query.strip() == "true"
            and resource.port.items_to_parse is None
            and all(extra is None or _constant(extra) for extra in extras)
        )
        return cls(blueprint, _parts(resource), complete)

    def rebuild(self, entity: Entity) -> Item:
        item: Item = {}
        for value_of, put in self._puts:
            put(item, value_of(entity))
        return item


def _parts(resource: ResourceConfig) -> list[Part]:
    mappings = resource.port.entity.mappings
    parts: list[Part] = [
        (lambda entity: entity.identifier, str(mappings.identifier)),
        (lambda entity: entity.title, mappings.title),
    ]
    for name, expression in mappings.properties.items():
        parts.append((_property(name), expression))
    for name, relation in mappings.relations.items():
        expression = relation if isinstance(relation, str) else _SEARCH_RELATION
        parts.append((_relation(name), expression))
    return parts


def _property(name: str) -> Callable[[Entity], Any]:
    return lambda entity: entity.properties.get(name)


def _relation(name: str) -> Callable[[Entity], Any]:
    return lambda entity: entity.relations.get(name)


def _put_back(expression: str) -> tuple[Put, str] | None:
    """How to put a value back where `expression` read it, and the top-level field it goes
    to; None when the expression does not read backwards."""
    if field := _FIELD.match(expression):
        path = field.group(1).split(".")[1:]
        return (lambda item, value: _place(item, path, value)), path[0]
    if each := _EACH.match(expression):
        path = (each.group(1) or each.group(2)).split(".")[1:]
        key = each.group(3)

        def put_each(item: Item, value: Any) -> None:
            values = value if isinstance(value, list) else []
            _place(item, path, [{key: one} for one in values])

        return put_each, path[0]
    return None


def _place(item: Item, path: list[str], value: Any) -> None:
    """Sets `item[a][b]...` to `value`, unless something put a value there already (two
    expressions reading one field agree, and the first one wins)."""
    *parents, last = path
    for name in parents:
        child = item.setdefault(name, {})
        if not isinstance(child, dict):
            return
        item = child
    item.setdefault(last, value)


def _constant(expression: object) -> bool:
    """Whether a mapping expression is a JSON constant (`"x"`, `true`, `3`, `null`)."""
    if not isinstance(expression, str):
        return False
    try:
        value = json.loads(expression)
    except ValueError:
        return False
    return value is None or isinstance(value, str | int | float | bool)


def _string_constant(expression: str) -> str | None:
    try:
        value = json.loads(expression)
    except ValueError:
        return None
    return value if isinstance(value, str) and value else None
