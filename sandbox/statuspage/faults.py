"""Faults armed for the next N matching API calls.

A fault matches a request when its pattern (a shell-style glob such as
`/v1/pages/*/incidents`) matches the request path or the route template
(`/v1/pages/{page_id}/incidents`), and its method, if given, is the request's.
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

FaultKind = Literal[
    "status", "slow", "malformed", "trickle", "cut", "html", "shape", "endless"
]


@dataclass
class Fault:
    """What to do instead of a normal answer, and for how many more calls.

    status:    answer `status` with a JSON error body (and `retry_after`, if given).
    slow:      wait `seconds` (meant to outlast the client's timeout), then answer.
    malformed: answer with the real body cut in half, so it is not valid JSON.
    trickle:   send the real answer one byte every `seconds`.
    cut:       send the real answer's headers and half its body, then drop the connection.
    html:      answer 200 with an HTML error page, as a proxy in front of the API might.
    shape:     answer 200 with the real body wrapped in an object (`{"data": ...}`).
    endless:   answer the first page whatever page is asked, as a server ignoring paging.
    """

    pattern: str
    kind: FaultKind
    remaining: int = 1
    status: int = 500
    seconds: float = 0.0
    method: str | None = None
    retry_after: str | None = None

    def __post_init__(self) -> None:
        if self.remaining < 1:
            raise ValueError("a fault must apply to at least one call")
        if self.kind == "status" and not 400 <= self.status <= 599:
            raise ValueError("a status fault needs an error status (400-599)")
        if self.kind in ("slow", "trickle") and self.seconds <= 0:
            raise ValueError(f"a {self.kind} fault needs seconds > 0")

    def matches(self, method: str, path: str, template: str | None) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if fnmatchcase(path, self.pattern):
            return True
        return template is not None and fnmatchcase(template, self.pattern)


class FaultPlan:
    """Armed faults, used up first-armed first."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def arm(self, fault: Fault) -> None:
        self._faults.append(fault)

    def take(self, method: str, path: str, template: str | None) -> Fault | None:
        """The fault for this call, if any, counting the call against it."""
        for fault in self._faults:
            if fault.matches(method, path, template):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()
