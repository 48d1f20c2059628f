"""The part of Port's entity search language Ocean uses, and field selection (`include`).

Rules are `{"property", "operator", "value"}` or nested `{"combinator", "rules"}`.
Anything else (relation rules, unknown operators) is refused with 400 so a gap in the
stub shows up as an error instead of a silently wrong answer.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sandbox.port.model import JsonObject, PortApiError, StoredEntity


def _unsupported(message: str) -> PortApiError:
    return PortApiError(400, "invalid_query", f"Port stub: {message}")


def _contains(actual: Any, expected: Any) -> bool:
    return isinstance(actual, str | list) and expected in actual


# The operators Ocean and the integration ask with; anything else is refused.
_OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    "=": lambda actual, expected: bool(actual == expected),
    "in": lambda actual, expected: actual in expected,
    "contains": _contains,
    "beginsWith": lambda actual, expected: str(actual or "").startswith(expected),
}

_META_PROPERTIES: Mapping[str, Callable[[StoredEntity], Any]] = {
    "$identifier": lambda entity: entity.identifier,
    "$blueprint": lambda entity: entity.blueprint,
    "$title": lambda entity: entity.title,
    "$datasource": lambda entity: entity.datasource,
}


def _property_value(entity: StoredEntity, name: str) -> Any:
    meta = _META_PROPERTIES.get(name)
    return meta(entity) if meta is not None else entity.properties.get(name)


def check_query(rule: JsonObject) -> None:
    """Refuse what the stub cannot evaluate, whether or not any entity would reach it."""
    if "combinator" in rule:
        if rule["combinator"] not in ("and", "or"):
            raise _unsupported(f"unsupported combinator {rule['combinator']!r}")
        for inner in rule.get("rules", []):
            check_query(inner)
        return
    if "property" not in rule:
        raise _unsupported(f"unsupported rule {rule!r}")
    if rule.get("operator") not in _OPERATORS:
        raise _unsupported(f"unsupported operator {rule.get('operator')!r}")
    name = rule["property"]
    if name.startswith("$") and name not in _META_PROPERTIES:
        raise _unsupported(f"unsupported meta property {name!r}")


def matches(entity: StoredEntity, rule: JsonObject) -> bool:
    """Evaluate a rule that passed `check_query`."""
    if "combinator" in rule:
        results = (matches(entity, inner) for inner in rule.get("rules", []))
        return all(results) if rule["combinator"] == "and" else any(results)
    operator = _OPERATORS[rule["operator"]]
    return operator(_property_value(entity, rule["property"]), rule.get("value"))


def keys_named_by(rule: JsonObject) -> list[tuple[str, str]] | None:
    """The (blueprint, identifier) keys an `and` of `$blueprint =` and `$identifier =`/`in`
    rules (Ocean's diff lookups) is limited to, so a search need not scan the catalog; None
    for any other rule."""
    if rule.get("combinator") != "and":
        return None
    named: dict[str, Any] = {
        inner.get("property"): inner for inner in rule.get("rules", [])
    }
    blueprint, identifier = named.get("$blueprint"), named.get("$identifier")
    if blueprint is None or identifier is None or blueprint.get("operator") != "=":
        return None
    if identifier.get("operator") == "=":
        identifiers = [identifier.get("value")]
    elif identifier.get("operator") == "in" and isinstance(
        identifier.get("value"), list
    ):
        identifiers = identifier["value"]
    else:
        return None
    return [
        (blueprint.get("value"), name) for name in identifiers if isinstance(name, str)
    ]


def select_fields(entity: JsonObject, include: Sequence[str]) -> JsonObject:
    """Keep only the requested fields; `properties.x` and `relations.y` pick one key."""
    if not include:
        return entity
    selected: JsonObject = {}
    for path in include:
        head, _, key = path.partition(".")
        if head not in entity:
            continue
        if not key:
            selected[head] = entity[head]
        elif isinstance(entity[head], dict) and key in entity[head]:
            selected.setdefault(head, {})[key] = entity[head][key]
    return selected
