"""What the syncs of one run came to, so a one-shot run can exit with its result.

`ocean sail` exits 0 whatever happened. The integration records here what Ocean reports of each
sync and of each kind, full or incremental, and `sail.py` turns it into the process's exit
status. What Port refused of a kind's upserts (`PortUpserts`) is counted here too: Ocean does
not report it as a failure (integration.py says where it hides it), so the integration makes it
one of the kind's errors.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from port_ocean.core.models import Entity
from port_ocean.exceptions.core import OceanAbortException

from client import VendorError

# A verdict names the first failures; the log above it has every one.
_NAMED_FAILURES = 3


@dataclass
class SyncOutcome:
    syncs: int = 0
    # Whether the run's sync was Ocean's incremental sync rather than a full resync.
    incremental: bool = False
    # Each distinct failure, with where it happened: one refused key fails every kind, and is
    # told once.
    failures: dict[str, list[str]] = field(default_factory=dict)
    # How many syncs are running now (a signal that comes then interrupts one).
    running: int = 0

    def record_kind(self, kind: str, errors: list[Exception]) -> None:
        for error in errors:
            for leaf in _leaves(error):
                self._add(_describe(leaf), kind)

    def record_cursor_kept(self, kind: str) -> None:
        """An incremental kind that Ocean did not let advance its cursor: it failed (saving
        the cursor included), and the run stopped there."""
        if not any(kind in where for where in self.failures.values()):
            self._add(
                "its incremental sync failed and kept its cursor (see the log)", kind
            )

    def record_sync(self, succeeded: bool, incremental: bool = False) -> None:
        self.syncs += 1
        self.incremental |= incremental
        if not succeeded and not self.failures:
            self._add(f"Ocean reported the {self.name} as failed (see the log)")

    def record_crash(self, error: BaseException, incremental: bool = False) -> None:
        self.syncs += 1
        self.incremental |= incremental
        self._add(f"the {self.name} stopped: {_describe(error)}")

    @property
    def name(self) -> str:
        return "incremental sync" if self.incremental else "sync"

    def verdict(self) -> str | None:
        """None when every sync completed, else one line saying why the run failed."""
        if self.syncs == 0:
            return "no sync ran (see the log for what stopped it)"
        if not self.failures:
            return None
        named = [
            f"{failure} [{', '.join(where)}]" if where else failure
            for failure, where in list(self.failures.items())[:_NAMED_FAILURES]
        ]
        more = len(self.failures) - _NAMED_FAILURES
        return "; ".join(named) + (f"; and {more} more failure(s)" if more > 0 else "")

    def _add(self, failure: str, where: str | None = None) -> None:
        places = self.failures.setdefault(failure, [])
        if where is not None and where not in places:
            places.append(where)


class PortUpsertError(Exception):
    """Port refused or failed some of a kind's upserts: the kind failed, not its vendor."""


@dataclass
class PortUpserts:
    """The entities one kind sent Port to upsert, and those Port accepted, by blueprint."""

    sent: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)

    def count(self, sent: Iterable[Entity], accepted: Iterable[Entity]) -> None:
        self.sent.update(entity.blueprint for entity in sent)
        self.accepted.update(entity.blueprint for entity in accepted)

    def error(self) -> PortUpsertError | None:
        """The kind's error when Port did not take every upsert, naming each blueprint
        and how many of its entities were not written."""
        failed = {
            blueprint: sent - self.accepted[blueprint]
            for blueprint, sent in self.sent.items()
            if sent > self.accepted[blueprint]
        }
        if not failed:
            return None
        counts = ", ".join(
            f"{count} of {self.sent[blueprint]} {blueprint}"
            for blueprint, count in failed.items()
        )
        return PortUpsertError(
            f"Port failed to upsert {counts} entities (its answers are in the log)"
        )


def _leaves(error: BaseException) -> list[BaseException]:
    """Ocean gathers a kind's errors into (nested) exception groups, and wraps each in an abort
    exception; the errors inside say what broke."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    if isinstance(error, OceanAbortException) and error.__cause__ is not None:
        return _leaves(error.__cause__)
    return [error]


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if isinstance(error, VendorError | PortUpsertError) and text:
        return text  # ours, written to be read as it is
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
