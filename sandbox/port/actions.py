"""Port's self-service actions, as an integration that runs them sees Port: action definitions
(read, created and replaced by the integration at start), runs of an action (started with
Port's own `POST /v1/actions/{identifier}/runs`), and what Ocean 0.55.4's execution manager
calls: claim-pending with a visibility timeout, the ack, PATCH of a run, its logs, the run
itself, and the workflow-node claim it polls as well (never any node run here).

Delivery is at least once, as Port's is: a claimed run that is not finished when its
visibility timeout passes is handed out again, and so is one `redeliver`ed (the stand-in's way
to show an integration that stopped before reporting). A run's INTEGRATION_ACTION properties
are its definition's `integrationActionExecutionProperties` with each `{{ .inputs.name }}`
template evaluated over `{"inputs": ...}`; a value that is one whole template keeps its JSON
type. Port evaluates any jq there; the stand-in refuses (422) anything but a path of names, so
a definition needing more shows up instead of passing unchecked.
"""

import copy
import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from sandbox.port.model import JsonObject, PortApiError, to_port_time, utc_now

_TEMPLATE: Final = re.compile(r"\{\{([^{}]+)\}\}")
_PATH: Final = re.compile(r"(\.[A-Za-z_][A-Za-z0-9_]*)+")
_FINISHED: Final = frozenset({"SUCCESS", "FAILURE"})
Clock = Callable[[], float]


@dataclass
class ActionRun:
    id: str
    action: str
    installation_id: str
    action_type: str
    properties: JsonObject
    status: str = "IN_PROGRESS"
    # Monotonic time until which the run's current claim hides it; None: never claimed.
    claimed_until: float | None = None
    claims: int = 0
    acked_claim: int = 0
    link: list[str] = field(default_factory=list)
    external_run_id: str | None = None
    status_label: str | None = None
    logs: list[JsonObject] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: to_port_time(utc_now()))
    ended_at: str | None = None

    def claim_json(self) -> JsonObject:
        """The run as claim-pending hands it out (Ocean's ActionRun)."""
        return {
            "id": self.id,
            "status": self.status,
            "action": {"identifier": self.action},
            "payload": {
                "type": "INTEGRATION_ACTION",
                "installationId": self.installation_id,
                "integrationActionType": self.action_type,
                "integrationActionExecutionProperties": copy.deepcopy(self.properties),
            },
        }

    def to_json(self) -> JsonObject:
        return {
            **self.claim_json(),
            "link": list(self.link),
            "externalRunId": self.external_run_id,
            "statusLabel": self.status_label,
            "createdAt": self.created_at,
            "endedAt": self.ended_at,
            "logs": copy.deepcopy(self.logs),
        }


class Actions:
    """Definitions and runs, behind one lock (the server thread writes, tests read)."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._definitions: dict[str, JsonObject] = {}
        self._runs: dict[str, ActionRun] = {}
        self._ids = itertools.count(1)

    def reset(self) -> None:
        with self._lock:
            self._definitions.clear()
            self._runs.clear()

    # Definitions

    def definition(self, identifier: str) -> JsonObject:
        with self._lock:
            return copy.deepcopy(self._definition(identifier))

    def definitions(self) -> list[JsonObject]:
        with self._lock:
            return copy.deepcopy(list(self._definitions.values()))

    def create_definition(self, body: JsonObject) -> JsonObject:
        identifier = _checked_definition(body)
        with self._lock:
            if identifier in self._definitions:
                raise PortApiError(
                    409, "identifier_taken", f"action {identifier!r} already exists"
                )
            self._definitions[identifier] = copy.deepcopy(body)
            return copy.deepcopy(body)

    def replace_definition(self, identifier: str, body: JsonObject) -> JsonObject:
        if _checked_definition(body) != identifier:
            raise PortApiError(422, "invalid_request", "identifier cannot change")
        with self._lock:
            self._definition(identifier)
            self._definitions[identifier] = copy.deepcopy(body)
            return copy.deepcopy(body)

    # Runs, as people start them and Port hands them out

    def execute(self, identifier: str, inputs: JsonObject) -> JsonObject:
        """Starts a run of the action with these inputs, as Port's UI or API does."""
        with self._lock:
            definition = self._definition(identifier)
            missing = [
                name
                for name in definition["trigger"]["userInputs"].get("required", [])
                if inputs.get(name) is None
            ]
            if missing:
                raise PortApiError(
                    422, "invalid_inputs", f"missing required inputs: {missing}"
                )
            invocation = definition["invocationMethod"]
            run = ActionRun(
                id=f"r_stub{next(self._ids):06d}",
                action=identifier,
                installation_id=invocation["installationId"],
                action_type=invocation["integrationActionType"],
                properties=_rendered(
                    invocation["integrationActionExecutionProperties"],
                    {"inputs": copy.deepcopy(inputs)},
                ),
            )
            self._runs[run.id] = run
            return run.to_json()

    def claim(
        self, installation_id: str, limit: int, visibility_ms: int, exclude: list[str]
    ) -> list[JsonObject]:
        with self._lock:
            now = self._clock()
            claimed: list[JsonObject] = []
            for run in self._runs.values():
                if len(claimed) >= max(limit, 0):
                    break
                visible = run.claimed_until is None or run.claimed_until <= now
                if (
                    run.installation_id == installation_id
                    and run.status not in _FINISHED
                    and visible
                    and run.action not in exclude
                ):
                    run.claimed_until = now + visibility_ms / 1000
                    run.claims += 1
                    claimed.append(run.claim_json())
            return claimed

    def ack(self, run_id: str) -> None:
        """Takes the run's current claim; a claim taken already is a 409, as in Port."""
        with self._lock:
            run = self._run(run_id)
            if run.claims == 0 or run.acked_claim == run.claims:
                raise PortApiError(409, "run_already_acked", f"{run_id} is taken")
            run.acked_claim = run.claims

    def patch(self, run_id: str, body: JsonObject) -> JsonObject:
        with self._lock:
            run = self._run(run_id)
            if "status" in body:
                run.status = str(body["status"])
                if run.status in _FINISHED:
                    run.ended_at = to_port_time(utc_now())
            if "link" in body:
                link = body["link"]
                run.link = list(link) if isinstance(link, list) else [str(link)]
            if "externalRunId" in body:
                run.external_run_id = body["externalRunId"]
            if "statusLabel" in body:
                run.status_label = body["statusLabel"]
            return run.to_json()

    def log(self, run_id: str, body: JsonObject) -> None:
        with self._lock:
            self._run(run_id).logs.append(
                {**copy.deepcopy(body), "at": to_port_time(utc_now())}
            )

    def run(self, run_id: str) -> JsonObject:
        with self._lock:
            return self._run(run_id).to_json()

    def runs(self) -> list[JsonObject]:
        with self._lock:
            return [run.to_json() for run in self._runs.values()]

    def redeliver(self, run_id: str, forget_record: bool = False) -> None:
        """Hands the run out again, unfinished, as Port does when an integration stopped
        before it reported; with `forget_record`, also before it recorded anything on it.
        """
        with self._lock:
            run = self._run(run_id)
            run.status, run.ended_at, run.claimed_until = "IN_PROGRESS", None, None
            if forget_record:
                run.link, run.external_run_id = [], None

    def _definition(self, identifier: str) -> JsonObject:
        definition = self._definitions.get(identifier)
        if definition is None:
            raise PortApiError(404, "not_found", f"action {identifier!r} not found")
        return definition

    def _run(self, run_id: str) -> ActionRun:
        run = self._runs.get(run_id)
        if run is None:
            raise PortApiError(404, "not_found", f"run {run_id!r} not found")
        return run


def _checked_definition(body: JsonObject) -> str:
    """The identifier of a definition shaped as an integration action needs, or a 422."""
    identifier = body.get("identifier")
    invocation = body.get("invocationMethod")
    trigger = body.get("trigger")
    if not isinstance(identifier, str) or not identifier:
        raise PortApiError(422, "invalid_request", "identifier is required")
    if not isinstance(trigger, dict) or not isinstance(trigger.get("userInputs"), dict):
        raise PortApiError(422, "invalid_request", "trigger.userInputs is required")
    if not isinstance(invocation, dict) or invocation.get("type") not in (
        "INTEGRATION_ACTION",
        "WEBHOOK",
        "GITHUB",
        "KAFKA",
    ):
        raise PortApiError(422, "invalid_request", "invocationMethod.type is invalid")
    if invocation["type"] == "INTEGRATION_ACTION" and not all(
        isinstance(invocation.get(key), expected)
        for key, expected in (
            ("installationId", str),
            ("integrationActionType", str),
            ("integrationActionExecutionProperties", dict),
        )
    ):
        raise PortApiError(
            422,
            "invalid_request",
            "an INTEGRATION_ACTION needs installationId, integrationActionType and "
            "integrationActionExecutionProperties",
        )
    return identifier


def _rendered(value: Any, context: JsonObject) -> Any:
    if isinstance(value, dict):
        return {key: _rendered(inner, context) for key, inner in value.items()}
    if isinstance(value, list):
        return [_rendered(inner, context) for inner in value]
    if not isinstance(value, str):
        return value
    whole = _TEMPLATE.fullmatch(value.strip())
    if whole is not None:
        return _evaluated(whole.group(1), context)
    return _TEMPLATE.sub(lambda m: _text(_evaluated(m.group(1), context)), value)


def _evaluated(expression: str, context: JsonObject) -> Any:
    path = expression.strip()
    if not _PATH.fullmatch(path):
        raise PortApiError(
            422, "invalid_template", f"the stand-in evaluates only paths, not {path!r}"
        )
    value: Any = context
    for name in path.split(".")[1:]:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)
