"""Port's `/v1` API as Ocean 0.55.4 calls it during `ocean sail`.

Answers follow Port's shapes (`{"ok": true, "<thing>": ...}` and
`{"ok": false, "error", "message"}`), which is what Ocean's Port client parses.
"""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse

from sandbox.port.catalog import UpsertOptions
from sandbox.port.dependencies import Datasource, RunId, State, authenticated_run
from sandbox.port.faults import blueprint_searched
from sandbox.port.model import JsonObject, PortApiError, parse_port_time

JsonBody = Annotated[JsonObject, Body()]

auth_router = APIRouter(prefix="/v1")
router = APIRouter(prefix="/v1", dependencies=[Depends(authenticated_run)])


def with_ingest_urls(integration: JsonObject, request: Request) -> JsonObject:
    """Point Ocean's log, metric and lakehouse shipping back at this server."""
    base = str(request.base_url).rstrip("/")
    return {
        **integration,
        "logAttributes": {"ingestId": "port-stub", "ingestUrl": f"{base}/ingest/logs"},
        "metricAttributes": {
            "ingestId": "port-stub",
            "ingestUrl": f"{base}/ingest/metrics",
        },
        "ingestAttributes": {"ingestUrl": f"{base}/ingest/lakehouse"},
    }


def _integration_answer(integration: JsonObject, request: Request) -> JsonObject:
    return {"ok": True, "integration": with_ingest_urls(integration, request)}


@auth_router.post("/auth/access_token")
async def access_token(state: State, body: JsonBody) -> JsonObject:
    if not body.get("clientId") or not body.get("clientSecret"):
        raise PortApiError(422, "invalid_request", "clientId and clientSecret needed")
    return state.issue_token()


@router.get("/organization")
async def organization(state: State) -> JsonObject:
    return state.organization()


# Integration


@router.get("/integration/provision-enabled")
async def provision_enabled() -> JsonObject:
    # No integration type is provisioned by "Port", so Ocean creates its own defaults.
    return {"ok": True, "integrations": []}


@router.get("/integration/{identifier}")
async def get_integration(
    identifier: str, state: State, request: Request
) -> JsonObject:
    return _integration_answer(state.get_integration(identifier), request)


@router.post("/integration")
async def create_integration(
    state: State, request: Request, body: JsonBody
) -> JsonObject:
    return _integration_answer(state.create_integration(body), request)


@router.patch("/integration/{identifier}")
async def patch_integration(
    identifier: str, state: State, request: Request, body: JsonBody
) -> JsonObject:
    return _integration_answer(state.patch_integration(identifier, body), request)


@router.patch("/integration/{identifier}/resync-state")
async def update_resync_state(
    identifier: str, state: State, run_id: RunId, request: Request, body: JsonBody
) -> JsonObject:
    integration = state.update_resync_state(identifier, body, run_id)
    return _integration_answer(integration, request)


@router.get("/integration/{identifier}/resync-request")
async def resync_request(identifier: str, state: State) -> JsonObject:
    return {"ok": True, "request": state.resync_request(identifier) or None}


# Incremental-sync cursors: one per (kind, index of the mapping's resource). Ocean 0.55.4 reads
# a missing cursor as `{"cursor": null}`, and saves with PUT, then POST when PUT answers 404.


@router.get("/integration/{identifier}/cursor")
async def get_cursor(
    identifier: str, state: State, kind: str, index: int
) -> JsonObject:
    return {"ok": True, "cursor": state.cursor(identifier, kind, index)}


@router.api_route("/integration/{identifier}/cursor", methods=["PUT", "POST"])
async def save_cursor(
    identifier: str,
    state: State,
    kind: str,
    index: int,
    body: JsonBody,
    request: Request,
) -> JsonObject:
    """PUT replaces a cursor (404 when there is none yet); POST creates one."""
    create = request.method == "POST"
    cursor = state.put_cursor(identifier, kind, index, body, create=create)
    return {"ok": True, "cursor": cursor}


@router.post("/integration/{identifier}/kinds/{kind}/examples")
async def kind_examples(identifier: str, kind: str) -> JsonObject:
    return {"ok": True}


# Blueprints


@router.post("/blueprints/entities/datasource-entities")
async def datasource_entities(state: State, body: JsonBody) -> JsonObject:
    """The listing stale-entity deletion diffs against (Ocean 0.55.4 reconciliation)."""
    before = body.get("before")
    try:
        before_time = parse_port_time(before) if before else None
    except ValueError as error:
        raise PortApiError(400, "invalid_request", "bad `before` time") from error
    return state.datasource_entities(
        prefix=body.get("datasource_prefix", ""),
        suffix=body.get("datasource_suffix", ""),
        before=before_time,
        limit=int(body.get("limit", 5000)),
        cursor=body.get("from"),
    )


@router.get("/blueprints/{identifier}")
async def get_blueprint(identifier: str, state: State) -> JsonObject:
    return {"ok": True, "blueprint": state.get_blueprint(identifier)}


@router.post("/blueprints")
async def create_blueprint(state: State, body: JsonBody) -> JsonObject:
    return {"ok": True, "blueprint": state.create_blueprint(body)}


@router.patch("/blueprints/{identifier}")
async def patch_blueprint(identifier: str, state: State, body: JsonBody) -> JsonObject:
    return {"ok": True, "blueprint": state.patch_blueprint(identifier, body)}


# Entities


def _upsert_options(
    merge: bool = True,
    create_missing_related_entities: bool = True,
    validation_only: bool = False,
) -> UpsertOptions:
    return UpsertOptions(merge, create_missing_related_entities, validation_only)


Options = Annotated[UpsertOptions, Depends(_upsert_options)]


@router.post("/blueprints/{blueprint}/entities")
async def upsert_entity(
    blueprint: str,
    state: State,
    datasource: Datasource,
    options: Options,
    body: JsonBody,
) -> JsonObject:
    state.raise_fault("upsert", blueprint)
    outcome = state.upsert_entity(blueprint, body, options, datasource)
    return {"ok": True, "entity": outcome.entity}


@router.post("/blueprints/{blueprint}/entities/bulk")
async def upsert_entities_bulk(
    blueprint: str,
    state: State,
    datasource: Datasource,
    options: Options,
    body: JsonBody,
) -> JSONResponse:
    state.raise_fault("upsert", blueprint)
    answer = state.upsert_entities_bulk(
        blueprint, body.get("entities", []), options, datasource
    )
    # Port answers a partly failed bulk with 207 Multi-Status.
    return JSONResponse(answer, status_code=207 if answer["errors"] else 200)


@router.get("/blueprints/{blueprint}/entities/{identifier:path}")
async def get_entity(blueprint: str, identifier: str, state: State) -> JsonObject:
    return {"ok": True, "entity": state.get_entity(blueprint, identifier)}


@router.delete("/blueprints/{blueprint}/entities/{identifier:path}")
async def delete_entity(
    blueprint: str,
    identifier: str,
    state: State,
    delete_dependents: bool = False,
) -> JsonObject:
    state.delete_entity(blueprint, identifier, delete_dependents)
    return {"ok": True}


@router.post("/blueprints/{blueprint}/bulk/entities/delete")
async def bulk_delete_entities(
    blueprint: str,
    state: State,
    body: JsonBody,
    delete_dependents: bool = False,
) -> JsonObject:
    deleted = state.bulk_delete_entities(
        blueprint, body.get("entities", []), delete_dependents
    )
    return {"ok": True, "deletedEntities": deleted}


@router.post("/entities/search")
async def search_entities(
    state: State,
    body: JsonBody,
    include: Annotated[list[str] | None, Query()] = None,
) -> JsonObject:
    state.raise_fault("search", blueprint_searched(body))
    return {"ok": True, "entities": state.search_entities(body, include or [])}
