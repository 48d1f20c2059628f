"""A webhook is only a trigger: "this incident, component or page changed; read it again".

A delivery is reduced at the gate to the triggers it carries, which hold only what identifies
the object (vendor, family, page, id), never the body. What gets upserted is read from the API.
Triggers wait in `PendingTriggers`: one per object, however many deliveries named it meanwhile,
and at most MAX_PENDING in all.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

MAX_PENDING: Final = 1_000
# A flood about one object is answered by at most one read of it a second: deliveries that
# come meanwhile wait for the next read, which comes after the last of them.
MIN_SECONDS_BETWEEN_READS: Final = 1.0
# A trigger Ocean queued but never handed to a processor (a worker died, the mapping lacks its
# kinds) must not hold its object's place for ever.
PENDING_TTL_SECONDS: Final = 600.0
_MAX_UPDATE_IDS: Final = 1_000

Clock = Callable[[], float]
PageStatus = dict[str, str]


class InvalidEventError(ValueError):
    """A delivery this integration cannot act on; the message says why, without echoing it."""


class Family(StrEnum):
    INCIDENT = "incident"
    COMPONENT = "component"
    PAGE = "page"


@dataclass(frozen=True)
class Trigger:
    provider: str
    family: Family
    page_id: str
    subject_id: str
    # For an incident: the ids of its updates the delivery named, so that an incident the API
    # confirms gone takes its updates with it.
    update_ids: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.provider, self.family, self.page_id, self.subject_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "family": str(self.family),
            "page_id": self.page_id,
            "subject_id": self.subject_id,
            "update_ids": list(self.update_ids),
        }

    @classmethod
    def from_json(cls, value: Any) -> "Trigger":
        if not isinstance(value, dict):
            raise InvalidEventError("a trigger is not an object")
        texts = [value.get(f) for f in ("provider", "family", "page_id", "subject_id")]
        update_ids = value.get("update_ids", [])
        if not all(isinstance(text, str) and text for text in texts):
            raise InvalidEventError("a trigger lacks its provider, family, page or id")
        if not isinstance(update_ids, list) or not all(
            isinstance(i, str) for i in update_ids
        ):
            raise InvalidEventError("a trigger's update ids are not a list of strings")
        provider, family, page_id, subject_id = (str(text) for text in texts)
        if family not in set(Family):
            raise InvalidEventError(f"a trigger names no known family: {family!r}")
        return cls(
            provider,
            Family(family),
            page_id,
            subject_id,
            tuple(update_ids[:_MAX_UPDATE_IDS]),
        )


@dataclass(frozen=True)
class Notification:
    """What one delivery says: the objects to read again, and the page's overall status when
    the delivery carries it."""

    page_id: str
    triggers: tuple[Trigger, ...]
    page_status: PageStatus | None = None


def triggers_of(payload: Any) -> list[Trigger]:
    """The triggers the gate forwarded to Ocean in a delivery's place."""
    if not isinstance(payload, dict) or not isinstance(payload.get("triggers"), list):
        raise InvalidEventError("it is not a delivery the gate forwarded")
    return [Trigger.from_json(item) for item in payload["triggers"]]


def forwarded_body(triggers: list[Trigger]) -> dict[str, Any]:
    return {"triggers": [trigger.as_json() for trigger in triggers]}


class PendingTriggers:
    """Triggers handed to Ocean's queue and not yet taken up by a processor, and when each
    object was last read."""

    def __init__(
        self,
        limit: int = MAX_PENDING,
        ttl_seconds: float = PENDING_TTL_SECONDS,
        clock: Clock = time.monotonic,
    ) -> None:
        self._limit = limit
        self._ttl = ttl_seconds
        self._clock = clock
        self._since: dict[tuple[str, str, str, str], float] = {}
        self._read_at: dict[tuple[str, str, str, str], float] = {}

    def admit(self, trigger: Trigger) -> bool | None:
        """True when the trigger must be queued, False when the same object is already
        waiting (this delivery is answered by that one), None when the set is full."""
        now = self._clock()
        self._forget_older_than(now - self._ttl)
        if trigger.key in self._since:
            return False
        if len(self._since) >= self._limit:
            return None
        self._since[trigger.key] = now
        return True

    def taken(self, trigger: Trigger) -> None:
        """A processor took the trigger up: a later delivery about the object must queue again,
        as it may say something newer than what is being read."""
        self._since.pop(trigger.key, None)

    def reading(self, trigger: Trigger) -> float:
        """Seconds to wait before the object may be read again; the read is counted from
        then. Keeps at most MIN_SECONDS_BETWEEN_READS of history."""
        now = self._clock()
        while self._read_at:  # oldest first, as each read is stamped at the end
            key, at = next(iter(self._read_at.items()))
            if at > now - MIN_SECONDS_BETWEEN_READS:
                break
            del self._read_at[key]
        last = self._read_at.pop(trigger.key, None)
        wait = 0.0 if last is None else max(0.0, last + MIN_SECONDS_BETWEEN_READS - now)
        self._read_at[trigger.key] = now + wait
        return wait

    def __len__(self) -> int:
        return len(self._since)

    def _forget_older_than(self, moment: float) -> None:
        # Oldest first: a key is only ever added at the end.
        while self._since:
            key, since = next(iter(self._since.items()))
            if since >= moment:
                return
            del self._since[key]
