"""Failures in a row: after a few, the rest of a round of optional reads is skipped.

A resync reads some things it can do without (a page's published status, components' uptime),
each from a host that may be down. One failure costs that read; a run of them means the host is
down, and asking it the rest of the round would cost each read its whole deadline for nothing.
"""

from typing import Final

MAX_FAILURES_IN_A_ROW: Final = 3


class FailuresInARow:
    def __init__(self, limit: int = MAX_FAILURES_IN_A_ROW) -> None:
        self.limit = limit
        self._count = 0

    @property
    def tripped(self) -> bool:
        """Whether the round must stop reading."""
        return self._count >= self.limit

    def failed(self) -> bool:
        """Counts a failure; True when it is the one that trips the breaker."""
        self._count += 1
        return self._count == self.limit

    def succeeded(self) -> None:
        self._count = 0
