"""The checks Port applies to blueprints and entities, so mapping mistakes fail here as they would there.

Port answers 422 for an entity that does not fit its blueprint: an identifier with
characters Port refuses, a property or relation the blueprint does not define, a value
of the wrong type, outside its enum or not in its format, a required field missing.
`null` is accepted for any field that is not required, as Port does.
"""

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from sandbox.port.model import JsonObject, PortApiError

IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9@_.+:\\/=-]+$")
PROPERTY_TYPES = frozenset({"string", "number", "boolean", "object", "array"})


def invalid(message: str) -> PortApiError:
    return PortApiError(422, "invalid_request", message)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPE_CHECKS: Mapping[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
}


def _is_date_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_url(value: str) -> bool:
    parsed = urlparse(value)
    return bool(parsed.scheme and parsed.netloc)


_FORMAT_CHECKS: Mapping[str, Callable[[str], bool]] = {
    "date-time": _is_date_time,
    "url": _is_url,
}


def check_blueprint_definition(blueprint: JsonObject) -> None:
    identifier = blueprint.get("identifier")
    if not isinstance(identifier, str) or not IDENTIFIER_PATTERN.match(identifier):
        raise invalid(f"blueprint identifier {identifier!r} is missing or invalid")
    properties = blueprint.get("schema", {}).get("properties", {})
    for name, definition in properties.items():
        if definition.get("type") not in PROPERTY_TYPES:
            raise invalid(
                f"blueprint {identifier}: property {name!r} has unsupported type "
                f"{definition.get('type')!r}"
            )
    for name, relation in blueprint.get("relations", {}).items():
        if not isinstance(relation.get("target"), str):
            raise invalid(f"blueprint {identifier}: relation {name!r} has no target")


def check_identifier(identifier: Any) -> str:
    if isinstance(identifier, dict):
        raise invalid("search identifiers are not supported by the Port stub")
    if not isinstance(identifier, str) or not IDENTIFIER_PATTERN.match(identifier):
        raise invalid(
            f"entity identifier {identifier!r} must be a string matching "
            f"{IDENTIFIER_PATTERN.pattern}"
        )
    return identifier


def _check_value(where: str, definition: JsonObject, value: Any) -> None:
    expected_type = definition.get("type", "string")
    type_check = _TYPE_CHECKS.get(expected_type)
    if type_check is not None and not type_check(value):
        raise invalid(f"{where} must be of type {expected_type}, got {value!r}")
    enum = definition.get("enum")
    if enum is not None and value not in enum:
        raise invalid(f"{where} must be one of {enum}, got {value!r}")
    format_check = _FORMAT_CHECKS.get(definition.get("format", ""))
    if format_check is not None and isinstance(value, str) and not format_check(value):
        raise invalid(f"{where} must be a {definition['format']}, got {value!r}")
    items = definition.get("items")
    if expected_type == "array" and isinstance(items, dict) and isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(f"{where}[{index}]", items, item)


def check_properties(blueprint: JsonObject, properties: JsonObject) -> None:
    schema = blueprint.get("schema", {})
    definitions: JsonObject = schema.get("properties", {})
    where = f"entity of blueprint {blueprint['identifier']}"
    for name, value in properties.items():
        if name not in definitions:
            raise invalid(f"{where}: property {name!r} is not in the blueprint")
        if value is not None:
            _check_value(f"{where}: property {name!r}", definitions[name], value)
    for name in schema.get("required", []):
        if properties.get(name) is None:
            raise invalid(f"{where}: required property {name!r} is missing")


def check_relations(blueprint: JsonObject, relations: JsonObject) -> None:
    definitions: JsonObject = blueprint.get("relations", {})
    where = f"entity of blueprint {blueprint['identifier']}"
    for name, value in relations.items():
        definition = definitions.get(name)
        if definition is None:
            raise invalid(f"{where}: relation {name!r} is not in the blueprint")
        if value is None:
            continue
        if definition.get("many", False):
            if not isinstance(value, list) or not all(
                isinstance(item, str) for item in value
            ):
                raise invalid(f"{where}: relation {name!r} takes a list of identifiers")
        elif not isinstance(value, str):
            raise invalid(f"{where}: relation {name!r} takes a single identifier")
    for name, definition in definitions.items():
        if definition.get("required", False) and relations.get(name) in (None, []):
            raise invalid(f"{where}: required relation {name!r} is missing")


def check_entity_fields(body: JsonObject) -> None:
    title = body.get("title")
    if title is not None and not isinstance(title, str):
        raise invalid(f"entity title must be a string, got {title!r}")
    for part in ("properties", "relations"):
        if not isinstance(body.get(part, {}), dict):
            raise invalid(f"entity {part} must be an object")
