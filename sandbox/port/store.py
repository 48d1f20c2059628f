"""Everything the Port stand-in remembers, behind one lock.

The server thread writes while tests and people read, so every public method takes
the lock and hands out copies. State lives as long as the `PortState` object: several
`ocean sail` runs against one server see each other's blueprints and entities, which is
what makes stale-entity deletion observable.

A *run* starts with each access token the stub issues. Ocean fetches one token per
process, so a run is one integration process: its requests and the resync states it
reported carry the run's number.
"""

import base64
import copy
import json
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sandbox.port.actions import Actions
from sandbox.port.catalog import Catalog, UpsertOptions, UpsertOutcome, not_found
from sandbox.port.faults import FaultRoute, PortFault, PortFaults
from sandbox.port.model import (
    JsonObject,
    PortApiError,
    parse_port_time,
    to_port_time,
    utc_now,
)
from sandbox.port.validation import invalid

TOKEN_LIFETIME_SECONDS = 24 * 60 * 60
ORGANIZATION_ID = "org_port_stub"


@dataclass
class _Data:
    catalog: Catalog = field(default_factory=Catalog)
    integrations: dict[str, JsonObject] = field(default_factory=dict)
    resync_requests: dict[str, JsonObject] = field(default_factory=dict)
    # The run each access token started.
    tokens: dict[str, int] = field(default_factory=dict)
    requests: list[JsonObject] = field(default_factory=list)
    unhandled: list[JsonObject] = field(default_factory=list)
    resync_states: list[JsonObject] = field(default_factory=list)
    # Incremental-sync cursors by (integration, kind, index of the mapping's resource).
    cursors: dict[tuple[str, str, int], JsonObject] = field(default_factory=dict)
    faults: PortFaults = field(default_factory=PortFaults)


def _base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _make_token(run_id: int, issued_at: datetime) -> str:
    """A JWT-shaped token: Ocean decodes its claims (unverified) to tell machine users."""
    header = {"alg": "none", "typ": "JWT"}
    issued = int(issued_at.timestamp())
    claims = {
        "isMachine": True,
        "orgId": ORGANIZATION_ID,
        "runId": run_id,
        "iat": issued,
        "exp": issued + TOKEN_LIFETIME_SECONDS,
    }
    parts = (json.dumps(header).encode(), json.dumps(claims).encode())
    return ".".join([*(_base64url(part) for part in parts), secrets.token_urlsafe(16)])


class PortState:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._data = _Data()
        # Action definitions and runs keep their own lock (actions.py).
        self.actions = Actions()

    def reset(self) -> None:
        """Forget everything, tokens included: a running integration re-authenticates."""
        with self._lock:
            self._data = _Data()
        self.actions.reset()

    # Faults

    def inject_fault(
        self,
        route: FaultRoute,
        status: int,
        blueprint: str | None = None,
        times: int | None = None,
    ) -> None:
        """Port answers `status` to the next `times` calls of `route` (for ever when None),
        of `blueprint` only when given (sandbox/port/faults.py)."""
        with self._lock:
            self._data.faults.arm(PortFault(route, status, blueprint, times))

    def raise_fault(self, route: FaultRoute, blueprint: str | None) -> None:
        """Raises the error of the fault armed for this call, if any."""
        with self._lock:
            fault = self._data.faults.take(route, blueprint)
        if fault is not None:
            raise fault.error()

    def clear_faults(self) -> None:
        with self._lock:
            self._data.faults.clear()

    # Authentication and runs

    def issue_token(self) -> JsonObject:
        with self._lock:
            run_id = len(self._data.tokens) + 1
            token = _make_token(run_id, utc_now())
            self._data.tokens[token] = run_id
            return {
                "ok": True,
                "accessToken": token,
                "expiresIn": TOKEN_LIFETIME_SECONDS,
                "tokenType": "Bearer",
            }

    def run_for(self, authorization: str | None) -> int | None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            return self._data.tokens.get(token)

    # Organization

    def organization(self) -> JsonObject:
        with self._lock:
            return {
                "ok": True,
                "organization": {
                    "id": ORGANIZATION_ID,
                    "name": "Port stub",
                    "featureFlags": [],
                    "isBlocked": False,
                },
            }

    # Blueprints and entities (rules in catalog.py; copies here)

    def get_blueprint(self, identifier: str) -> JsonObject:
        with self._lock:
            return copy.deepcopy(self._data.catalog.blueprint(identifier))

    def blueprints(self) -> list[JsonObject]:
        with self._lock:
            blueprints = self._data.catalog.blueprints
            return [copy.deepcopy(blueprints[name]) for name in sorted(blueprints)]

    def create_blueprint(self, body: JsonObject) -> JsonObject:
        with self._lock:
            return copy.deepcopy(self._data.catalog.create_blueprint(body))

    def patch_blueprint(self, identifier: str, body: JsonObject) -> JsonObject:
        with self._lock:
            return copy.deepcopy(self._data.catalog.patch_blueprint(identifier, body))

    def upsert_entity(
        self,
        blueprint_id: str,
        body: JsonObject,
        options: UpsertOptions,
        datasource: str,
    ) -> UpsertOutcome:
        with self._lock:
            return self._data.catalog.upsert(blueprint_id, body, options, datasource)

    def upsert_entities_bulk(
        self,
        blueprint_id: str,
        bodies: Sequence[JsonObject],
        options: UpsertOptions,
        datasource: str,
    ) -> JsonObject:
        """Port's bulk answer: per-entity results by index, failures in `errors`."""
        with self._lock:
            return self._data.catalog.upsert_bulk(
                blueprint_id, bodies, options, datasource
            )

    def delete_entity(
        self,
        blueprint_id: str,
        identifier: str,
        delete_dependents: bool,
    ) -> None:
        with self._lock:
            entity = self._data.catalog.entity(blueprint_id, identifier)
            self._data.catalog.delete([entity.key], delete_dependents)

    def bulk_delete_entities(
        self,
        blueprint_id: str,
        identifiers: Sequence[str],
        delete_dependents: bool,
    ) -> list[str]:
        """Delete those that exist; answer which of the requested ones were deleted."""
        with self._lock:
            catalog = self._data.catalog
            catalog.blueprint(blueprint_id)
            keys = [
                (blueprint_id, identifier)
                for identifier in identifiers
                if (blueprint_id, identifier) in catalog.entities
            ]
            catalog.delete(keys, delete_dependents)
            return [identifier for _, identifier in keys]

    def datasource_entities(
        self,
        prefix: str,
        suffix: str,
        before: datetime | None,
        limit: int,
        cursor: str | None,
    ) -> JsonObject:
        """Entities last written by one integration and, given `before`, created before it.

        Ocean passes its resync start as `before` and diffs the answer against what
        the resync produced, so entities a live event created meanwhile are spared.
        The filter is on creation: Ocean's deletion threshold divides the stale
        count by this list's length, which only makes sense if the list still holds
        the entities the resync just rewrote.
        """
        try:
            start = int(cursor) if cursor else 0
        except ValueError as error:
            raise PortApiError(400, "invalid_request", "bad `from` cursor") from error
        with self._lock:
            owned = self._data.catalog.owned_by(prefix, suffix, before)
            page = owned[start : start + limit]
            has_more = start + limit < len(owned)
            return {
                "ok": True,
                "entities": [entity.to_port_json() for entity in page],
                "next": str(start + limit) if has_more else None,
            }

    def search_entities(
        self, query: JsonObject, include: Sequence[str]
    ) -> list[JsonObject]:
        with self._lock:
            return self._data.catalog.search(query, include)

    def get_entity(self, blueprint_id: str, identifier: str) -> JsonObject:
        with self._lock:
            return self._data.catalog.entity(blueprint_id, identifier).to_port_json()

    def entities(self, blueprint: str | None = None) -> list[JsonObject]:
        with self._lock:
            return [
                entity.to_stub_json()
                for entity in self._data.catalog.sorted_entities()
                if blueprint is None or entity.blueprint == blueprint
            ]

    # Integrations

    def _integration_or_404(self, identifier: str) -> JsonObject:
        integration = self._data.integrations.get(identifier)
        if integration is None:
            raise not_found(f"integration {identifier!r} was not found")
        return integration

    def get_integration(self, identifier: str) -> JsonObject:
        with self._lock:
            return copy.deepcopy(self._integration_or_404(identifier))

    def integrations(self) -> list[JsonObject]:
        with self._lock:
            return [
                copy.deepcopy(i) for _, i in sorted(self._data.integrations.items())
            ]

    def create_integration(self, body: JsonObject) -> JsonObject:
        identifier = body.get("installationId")
        if not isinstance(identifier, str) or not identifier:
            raise invalid("installationId is required")
        with self._lock:
            if identifier in self._data.integrations:
                raise PortApiError(
                    409, "identifier_taken", f"integration {identifier!r} exists"
                )
            now = to_port_time(utc_now())
            integration: JsonObject = {
                "changelogDestination": {},
                "config": {},
                "installationType": "OnPrem",
                "arePortResourcesInitialized": False,
                "resyncState": {"status": None, "updatedAt": now},
                **copy.deepcopy(body),
                "createdAt": now,
                "updatedAt": now,
            }
            self._data.integrations[identifier] = integration
            return copy.deepcopy(integration)

    def patch_integration(self, identifier: str, body: JsonObject) -> JsonObject:
        with self._lock:
            integration = self._integration_or_404(identifier)
            integration.update(copy.deepcopy(body))
            integration["installationId"] = identifier
            integration["updatedAt"] = to_port_time(utc_now())
            return copy.deepcopy(integration)

    def update_resync_state(
        self, identifier: str, state: JsonObject, run_id: int | None
    ) -> JsonObject:
        with self._lock:
            integration = self._integration_or_404(identifier)
            now = to_port_time(utc_now())
            integration["resyncState"] = {**copy.deepcopy(state), "updatedAt": now}
            record = {
                "integration": identifier,
                "run": run_id,
                "receivedAt": now,
                **copy.deepcopy(state),
            }
            self._data.resync_states.append(record)
            return copy.deepcopy(integration)

    def resync_states(self, integration: str | None = None) -> list[JsonObject]:
        with self._lock:
            return [
                copy.deepcopy(record)
                for record in self._data.resync_states
                if integration is None or record["integration"] == integration
            ]

    def request_resync(self, identifier: str) -> JsonObject:
        """What a person pressing "resync" in Port does; polling listeners pick it up."""
        with self._lock:
            self._integration_or_404(identifier)
            request = {"status": "PENDING", "updatedAt": to_port_time(utc_now())}
            self._data.resync_requests[identifier] = request
            return dict(request)

    def resync_request(self, identifier: str) -> JsonObject:
        with self._lock:
            return dict(self._data.resync_requests.get(identifier, {}))

    # Incremental-sync cursors (Ocean's CursorStore)

    def cursor(self, identifier: str, kind: str, index: int) -> JsonObject | None:
        with self._lock:
            self._integration_or_404(identifier)
            cursor = self._data.cursors.get((identifier, kind, index))
            return copy.deepcopy(cursor)

    def put_cursor(
        self, identifier: str, kind: str, index: int, body: JsonObject, create: bool
    ) -> JsonObject:
        """Replaces a cursor (PUT, 404 when there is none yet) or creates one (POST)."""
        primary = body.get("primary")
        if not isinstance(primary, str):
            raise invalid("a cursor needs `primary`, an ISO 8601 time")
        try:
            parse_port_time(primary)
        except ValueError as error:
            raise invalid(f"`primary` is not an ISO 8601 time: {primary!r}") from error
        with self._lock:
            self._integration_or_404(identifier)
            key = (identifier, kind, index)
            if not create and key not in self._data.cursors:
                raise not_found(f"no cursor for kind {kind!r} at index {index}")
            cursor = {
                "kind": kind,
                "index": index,
                "primary": primary,
                "updatedAt": to_port_time(utc_now()),
            }
            self._data.cursors[key] = cursor
            return copy.deepcopy(cursor)

    def cursors(self, identifier: str | None = None) -> list[JsonObject]:
        with self._lock:
            return [
                {"integration": key[0], **copy.deepcopy(cursor)}
                for key, cursor in sorted(self._data.cursors.items())
                if identifier is None or key[0] == identifier
            ]

    # Request records

    def record_request(self, entry: JsonObject) -> None:
        with self._lock:
            self._data.requests.append(dict(entry))

    def record_unhandled(self, entry: JsonObject) -> None:
        with self._lock:
            self._data.unhandled.append(dict(entry))

    def requests(self) -> list[JsonObject]:
        with self._lock:
            return copy.deepcopy(self._data.requests)

    def unhandled(self) -> list[JsonObject]:
        with self._lock:
            return copy.deepcopy(self._data.unhandled)
