"""Shapes shared by the Port stand-in: errors in Port's format, stored entities, times."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JsonObject = dict[str, Any]


class PortApiError(Exception):
    """An answer Port would give as `{"ok": false, "error": ..., "message": ...}`."""

    def __init__(
        self,
        status_code: int,
        error: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.message = message
        self.headers = headers or {}

    def to_body(self) -> JsonObject:
        return {"ok": False, "error": self.error, "message": self.message}


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_port_time(moment: datetime) -> str:
    """Port writes times as ISO 8601 in UTC with milliseconds and a `Z`."""
    return (
        moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def parse_port_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class StoredEntity:
    identifier: str
    blueprint: str
    datasource: str
    created_at: datetime
    updated_at: datetime
    title: str | None = None
    icon: str | None = None
    team: Any = None
    properties: JsonObject = field(default_factory=dict)
    relations: JsonObject = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.blueprint, self.identifier)

    def to_port_json(self) -> JsonObject:
        """The entity as Port's API returns it (ownership is not part of it)."""
        body: JsonObject = {
            "identifier": self.identifier,
            "blueprint": self.blueprint,
            "title": self.title,
            "icon": self.icon,
            "team": self.team if self.team is not None else [],
            "properties": dict(self.properties),
            "relations": dict(self.relations),
            "createdAt": to_port_time(self.created_at),
            "updatedAt": to_port_time(self.updated_at),
        }
        return body

    def to_stub_json(self) -> JsonObject:
        """The entity for read-back, including who last wrote it."""
        return {**self.to_port_json(), "datasource": self.datasource}

    def relation_targets(self) -> list[tuple[str, str]]:
        return relation_pairs(self.relations)


def relation_pairs(relations: JsonObject) -> list[tuple[str, str]]:
    """(relation name, related identifier) pairs, one per related entity."""
    pairs: list[tuple[str, str]] = []
    for name, value in relations.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, item) for item in values if isinstance(item, str))
    return pairs
