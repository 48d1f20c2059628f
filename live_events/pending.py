"""Triggers on their way from the gate to the processors.

A delivery is reduced at the gate to the triggers it carries (vendors/contract.py's `Trigger`:
what identifies the object, never the body), forwarded to Ocean in the body's place. What gets
upserted is read from the API. Triggers wait in `PendingTriggers`: one per object, however many
deliveries named it meanwhile, and at most MAX_PENDING in all.
"""

import time
from typing import Any, Final

from core.rate_limiter import Clock
from vendors.contract import InvalidEventError, Trigger

MAX_PENDING: Final = 1_000
# A flood about one object is answered by at most one read of it a second: deliveries that
# come meanwhile wait for the next read, which comes after the last of them.
MIN_SECONDS_BETWEEN_READS: Final = 1.0
# A trigger Ocean queued but never handed to a processor (a worker died, the mapping lacks its
# kinds) must not hold its object's place for ever.
PENDING_TTL_SECONDS: Final = 600.0


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
