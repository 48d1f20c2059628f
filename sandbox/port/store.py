"""Everything the Port stand-in remembers, behind one lock.

The server thread writes while tests and people read, so every public method takes
the lock and hands out copies. State lives as long as the `PortState` object: several
`ocean sail` runs against one server see each other's blueprints and entities, which is
what makes stale-entity deletion observable.

A *run* starts with each access token the stub issues. Ocean fetches one token per
process, so a run is one integration process: its requests, the resync states it
reported and counts of what it upserted and deleted are grouped under it.
"""

import base64
import copy
import itertools
import json
import secrets
import threading
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

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
KEPT_LOG_RECORDS = 5000
ORGANIZATION_ID = "org_port_stub"


@dataclass
class Run:
    id: int
    started_at: datetime
    resync_states: list[JsonObject] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> JsonObject:
        return {
            "id": self.id,
            "startedAt": to_port_time(self.started_at),
            "lastResyncStatus": (
                self.resync_states[-1].get("status") if self.resync_states else None
            ),
            "resyncStates": copy.deepcopy(self.resync_states),
            "counters": dict(self.counters),
        }


@dataclass
class _Data:
    feature_flags: list[str]
    catalog: Catalog = field(default_factory=Catalog)
    integrations: dict[str, JsonObject] = field(default_factory=dict)
    resync_requests: dict[str, JsonObject] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    requests: list[JsonObject] = field(default_factory=list)
    unhandled: list[JsonObject] = field(default_factory=list)
    resync_states: list[JsonObject] = field(default_factory=list)
    examples: dict[str, dict[str, list[JsonObject]]] = field(default_factory=dict)
    logs: deque[JsonObject] = field(
        default_factory=lambda: deque(maxlen=KEPT_LOG_RECORDS)
    )
    ingested: Counter[str] = field(default_factory=Counter)
    migrations: dict[str, JsonObject] = field(default_factory=dict)
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
    def __init__(self, feature_flags: Sequence[str] = ()) -> None:
        self._lock = threading.RLock()
        self._default_feature_flags = list(feature_flags)
        self._data = _Data(feature_flags=list(feature_flags))
        self._migration_ids = itertools.count(1)

    def reset(self) -> None:
        """Forget everything, tokens included: a running integration re-authenticates."""
        with self._lock:
            self._data = _Data(feature_flags=list(self._default_feature_flags))

    # Faults

    def inject_fault(self, fault: PortFault) -> None:
        with self._lock:
            self._data.faults.arm(fault)

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
            now = utc_now()
            run = Run(id=len(self._data.runs) + 1, started_at=now)
            self._data.runs.append(run)
            token = _make_token(run.id, now)
            self._data.tokens[token] = run.id
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

    def _count(self, run_id: int | None, counter: str, amount: int = 1) -> None:
        for run in self._data.runs:
            if run.id == run_id:
                run.counters[counter] += amount

    # Organization

    def organization(self) -> JsonObject:
        with self._lock:
            return {
                "ok": True,
                "organization": {
                    "id": ORGANIZATION_ID,
                    "name": "Port stub",
                    "featureFlags": list(self._data.feature_flags),
                    "isBlocked": False,
                },
            }

    def set_feature_flags(self, flags: Iterable[str]) -> None:
        with self._lock:
            self._data.feature_flags = list(flags)

    # Blueprints and entities (rules in catalog.py; counting and copies here)

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

    def delete_blueprint(self, identifier: str) -> None:
        with self._lock:
            self._data.catalog.delete_blueprint(identifier)

    def delete_all_entities(
        self, blueprint_id: str, delete_blueprint: bool, run_id: int | None
    ) -> str:
        """Port does this as a migration; here it is done before answering."""
        with self._lock:
            removed = self._data.catalog.delete_blueprint_entities(blueprint_id)
            self._count(run_id, "entitiesDeleted", len(removed))
            if delete_blueprint:
                self._data.catalog.delete_blueprint(blueprint_id)
            migration_id = f"migration_{next(self._migration_ids)}"
            self._data.migrations[migration_id] = {
                "id": migration_id,
                "actor": "port-stub",
                "sourceBlueprint": blueprint_id,
                "mapping": {},
                "status": "COMPLETED",
            }
            return migration_id

    def migration(self, migration_id: str) -> JsonObject:
        with self._lock:
            migration = self._data.migrations.get(migration_id)
            if migration is None:
                raise not_found(f"migration {migration_id!r} was not found")
            return dict(migration)

    def upsert_entity(
        self,
        blueprint_id: str,
        body: JsonObject,
        options: UpsertOptions,
        datasource: str,
        run_id: int | None,
    ) -> UpsertOutcome:
        with self._lock:
            try:
                outcome = self._data.catalog.upsert(
                    blueprint_id, body, options, datasource
                )
            except PortApiError:
                self._count(run_id, "upsertErrors")
                raise
            self._count(run_id, outcome.counter)
            return outcome

    def upsert_entities_bulk(
        self,
        blueprint_id: str,
        bodies: Sequence[JsonObject],
        options: UpsertOptions,
        datasource: str,
        run_id: int | None,
    ) -> JsonObject:
        """Port's bulk answer: per-entity results by index, failures in `errors`."""
        with self._lock:
            outcome = self._data.catalog.upsert_bulk(
                blueprint_id, bodies, options, datasource
            )
            for counter, amount in outcome.counts.items():
                self._count(run_id, counter, amount)
            return outcome.answer

    def delete_entity(
        self,
        blueprint_id: str,
        identifier: str,
        delete_dependents: bool,
        run_id: int | None,
    ) -> None:
        with self._lock:
            entity = self._data.catalog.entity(blueprint_id, identifier)
            removed = self._data.catalog.delete([entity.key], delete_dependents)
            self._count(run_id, "entitiesDeleted", len(removed))

    def bulk_delete_entities(
        self,
        blueprint_id: str,
        identifiers: Sequence[str],
        delete_dependents: bool,
        run_id: int | None,
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
            removed = catalog.delete(keys, delete_dependents)
            self._count(run_id, "entitiesDeleted", len(removed))
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

    def delete_integration(self, identifier: str) -> None:
        with self._lock:
            self._integration_or_404(identifier)
            del self._data.integrations[identifier]

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
            for run in self._data.runs:
                if run.id == run_id:
                    run.resync_states.append(copy.deepcopy(record))
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

    def record_examples(
        self, identifier: str, kind: str, examples: list[JsonObject]
    ) -> None:
        with self._lock:
            per_kind = self._data.examples.setdefault(identifier, {})
            per_kind[kind] = copy.deepcopy(examples)

    def examples(self, identifier: str) -> dict[str, list[JsonObject]]:
        with self._lock:
            return copy.deepcopy(self._data.examples.get(identifier, {}))

    # Ingestion side channels (logs, metrics, lakehouse)

    def record_logs(self, records: Sequence[JsonObject]) -> None:
        with self._lock:
            self._data.logs.extend(copy.deepcopy(list(records)))
            self._data.ingested["logs"] += len(records)

    def logs(self) -> list[JsonObject]:
        with self._lock:
            return copy.deepcopy(list(self._data.logs))

    def record_ingest(self, channel: str) -> None:
        with self._lock:
            self._data.ingested[channel] += 1

    def ingested(self) -> dict[str, int]:
        with self._lock:
            return dict(self._data.ingested)

    # Request records

    def record_request(self, entry: JsonObject) -> None:
        with self._lock:
            self._data.requests.append(dict(entry))
            self._count(entry.get("run"), "requests")

    def record_unhandled(self, entry: JsonObject) -> None:
        with self._lock:
            self._data.unhandled.append(dict(entry))

    def requests(self) -> list[JsonObject]:
        with self._lock:
            return copy.deepcopy(self._data.requests)

    def unhandled(self) -> list[JsonObject]:
        with self._lock:
            return copy.deepcopy(self._data.unhandled)

    def runs(self) -> list[JsonObject]:
        with self._lock:
            return [run.to_json() for run in self._data.runs]
