"""A run's inputs (its INTEGRATION_ACTION properties), read and checked before anything is
asked of Port or a vendor. Each reader names the input and what it must be when it is not.

An entity picker's value is read as Port may send it: the identifier itself, or the entity
(an object with `identifier`).
"""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from port_ocean.exceptions.execution_manager import ActionExecutionError

from vendors.contract import parsed_time


class InvalidInputError(ActionExecutionError):
    DEFAULT_STATUS_LABEL = "Invalid input"


class Inputs:
    def __init__(self, properties: Mapping[str, Any]) -> None:
        self._properties = properties

    def identifier(self, name: str) -> str:
        found = _identifier(self._properties.get(name))
        if found is None:
            raise InvalidInputError(f"'{name}' must name an entity of the catalog")
        return found

    def identifiers(self, name: str) -> list[str]:
        """An optional list of entities; none when absent."""
        value = self._properties.get(name)
        if value is None:
            return []
        found = [_identifier(item) for item in value] if isinstance(value, list) else []
        if not isinstance(value, list) or None in found:
            raise InvalidInputError(
                f"'{name}' must be a list of entities of the catalog"
            )
        return list(dict.fromkeys(i for i in found if i is not None))

    def text(self, name: str) -> str:
        value = self._properties.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInputError(f"'{name}' is required")
        return value.strip()

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self._properties.get(name)
        if value not in allowed:
            raise InvalidInputError(
                f"'{name}' must be one of {', '.join(allowed)}, not {value!r}"
            )
        return str(value)

    def optional_choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        return (
            None if _absent(self._properties.get(name)) else self.choice(name, allowed)
        )

    def optional_flag(self, name: str) -> bool | None:
        value = self._properties.get(name)
        if _absent(value):
            return None
        if not isinstance(value, bool):
            raise InvalidInputError(f"'{name}' must be true or false, not {value!r}")
        return value

    def moment(self, name: str) -> datetime:
        value = self._properties.get(name)
        moment = parsed_time(value)
        if moment is None:
            raise InvalidInputError(
                f"'{name}' must be an ISO 8601 time (2031-05-01T02:00:00Z), not {value!r}"
            )
        return moment

    def statuses(self, name: str, allowed: tuple[str, ...]) -> dict[str, str]:
        """An optional object of entity identifiers and the status each takes (its JSON
        text is read too, as a text input gives it); none when absent."""
        value = self._properties.get(name)
        if _absent(value):
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        wrong = (
            f"'{name}' must map component identifiers to one of {', '.join(allowed)}"
        )
        if not isinstance(value, dict):
            raise InvalidInputError(wrong)
        for identifier, status in value.items():
            if not identifier or status not in allowed:
                raise InvalidInputError(f"{wrong}; {identifier!r}: {status!r} is not")
        return {str(identifier): str(status) for identifier, status in value.items()}


def _identifier(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("identifier")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _absent(value: object) -> bool:
    return value is None or value == "" or value == {} or value == []
