"""Readers of vendors' JSON fields, which are trusted for nothing: a value of the wrong type or
shape reads as absent instead of failing the object."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from client import Item

# What an unreadable time reads as where one is needed to sort: before any real one.
EARLIEST = datetime.min.replace(tzinfo=UTC)


def parsed_time(value: object) -> datetime | None:
    """An ISO 8601 time (`Z` or an offset; none is taken as UTC), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def moment(value: object) -> datetime:
    """`parsed_time`, or EARLIEST for a value that is no time."""
    return parsed_time(value) or EARLIEST


def objects(value: object) -> list[Item]:
    """The objects in a list; nothing for anything else."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def host_of(url: str | None) -> str | None:
    """`https://status.example.com` -> `status.example.com` (a scheme is optional)."""
    if url is None:
        return None
    return urlsplit(url if "//" in url else f"//{url}").hostname
