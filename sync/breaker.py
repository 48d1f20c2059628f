"""Failures in a row: after a few, the rest of a round of optional reads is skipped.

A resync reads some things it can do without (a page's published status, components' uptime),
each from a host that may be down. One failure costs that read; a run of them means the host is
down, and asking it the rest of the round would cost each read its whole deadline for nothing.
"""

from typing import Final

from loguru import logger

MAX_FAILURES_IN_A_ROW: Final = 3


class FailuresInARow:
    """Counts a round's `reads` that fail in a row; when the breaker trips it logs that, and
    what follows for the rest of the round (`then`)."""

    def __init__(
        self, reads: str, then: str, limit: int = MAX_FAILURES_IN_A_ROW
    ) -> None:
        self._reads = reads
        self._then = then
        self.limit = limit
        self._count = 0

    @property
    def tripped(self) -> bool:
        """Whether the round must stop reading."""
        return self._count >= self.limit

    def failed(self) -> bool:
        """Counts a failure; True, once logged, when the breaker has tripped."""
        self._count += 1
        if self._count == self.limit:
            logger.warning(f"{self._reads}: {self.limit} failed in a row; {self._then}")
        return self.tripped

    def succeeded(self) -> None:
        self._count = 0
