"""Blueprints and entities under Port's rules. Not thread-safe: `PortState` holds the lock.

What it reproduces, because an integration's outcome depends on it:
- blueprints are checked and completed the way Port answers them, and a relation
  may only target a blueprint that exists (hence Ocean's staged creation);
- upserts validate against the blueprint, merge or replace, create missing related
  entities only when asked, and remember who wrote the entity (its datasource);
- deletes take entities that *require* the deleted one with them only when asked
  (`delete_dependents`), otherwise they are refused. Optional relations pointing at a
  deleted entity are left as they are.
"""

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sandbox.port.model import (
    JsonObject,
    PortApiError,
    StoredEntity,
    relation_pairs,
    to_port_time,
    utc_now,
)
from sandbox.port.search import check_query, keys_named_by, matches, select_fields
from sandbox.port.validation import (
    check_blueprint_definition,
    check_entity_fields,
    check_identifier,
    check_properties,
    check_relations,
    invalid,
)

EntityKey = tuple[str, str]


def not_found(message: str) -> PortApiError:
    return PortApiError(404, "not_found", message)


@dataclass(frozen=True)
class UpsertOptions:
    merge: bool = True
    create_missing_related_entities: bool = True
    validation_only: bool = False


@dataclass(frozen=True)
class UpsertOutcome:
    entity: JsonObject
    created: bool


def _normalized_blueprint(
    body: JsonObject, created_at: str, updated_at: str
) -> JsonObject:
    """Fill in what Port fills in, so readers (Ocean's Blueprint model) find every key."""
    blueprint = copy.deepcopy(body)
    blueprint.setdefault("title", blueprint["identifier"])
    schema = blueprint.setdefault("schema", {})
    schema.setdefault("properties", {})
    schema.setdefault("required", [])
    for name, relation in blueprint.setdefault("relations", {}).items():
        relation.setdefault("title", name)
        relation.setdefault("required", False)
        relation.setdefault("many", False)
    for section in (
        "calculationProperties",
        "mirrorProperties",
        "aggregationProperties",
    ):
        blueprint.setdefault(section, {})
    blueprint["createdAt"] = created_at
    blueprint["updatedAt"] = updated_at
    return blueprint


class Catalog:
    def __init__(self) -> None:
        self.blueprints: dict[str, JsonObject] = {}
        self.entities: dict[EntityKey, StoredEntity] = {}

    # Blueprints

    def blueprint(self, identifier: str) -> JsonObject:
        blueprint = self.blueprints.get(identifier)
        if blueprint is None:
            raise not_found(f"blueprint {identifier!r} was not found")
        return blueprint

    def _check_relation_targets(self, blueprint: JsonObject) -> None:
        for name, relation in blueprint.get("relations", {}).items():
            target = relation["target"]
            if target != blueprint["identifier"] and target not in self.blueprints:
                raise not_found(
                    f"blueprint {blueprint['identifier']}: relation {name!r} targets "
                    f"blueprint {target!r}, which does not exist"
                )

    def create_blueprint(self, body: JsonObject) -> JsonObject:
        check_blueprint_definition(body)
        identifier = body["identifier"]
        if identifier in self.blueprints:
            raise PortApiError(
                409, "identifier_taken", f"blueprint {identifier!r} already exists"
            )
        self._check_relation_targets(body)
        now = to_port_time(utc_now())
        self.blueprints[identifier] = _normalized_blueprint(body, now, now)
        return self.blueprints[identifier]

    def patch_blueprint(self, identifier: str, body: JsonObject) -> JsonObject:
        current = self.blueprint(identifier)
        patched = {**current, **body, "identifier": identifier}
        check_blueprint_definition(patched)
        self._check_relation_targets(patched)
        self.blueprints[identifier] = _normalized_blueprint(
            patched, current["createdAt"], to_port_time(utc_now())
        )
        return self.blueprints[identifier]

    # Entities

    def entity(self, blueprint: str, identifier: str) -> StoredEntity:
        entity = self.entities.get((blueprint, identifier))
        if entity is None:
            raise not_found(f"entity {identifier!r} of {blueprint!r} was not found")
        return entity

    def sorted_entities(self) -> list[StoredEntity]:
        return [entity for _, entity in sorted(self.entities.items())]

    def _missing_related(
        self, blueprint: JsonObject, relations: JsonObject
    ) -> list[EntityKey]:
        missing: list[EntityKey] = []
        for name, related in relation_pairs(relations):
            target = blueprint["relations"][name]["target"]
            key = (target, related)
            if key not in self.entities and key not in missing:
                if target not in self.blueprints:
                    raise not_found(f"related blueprint {target!r} was not found")
                missing.append(key)
        return missing

    def _upsert_checked(
        self,
        blueprint: JsonObject,
        body: JsonObject,
        options: UpsertOptions,
        datasource: str,
    ) -> UpsertOutcome:
        check_entity_fields(body)
        identifier = check_identifier(body.get("identifier"))
        blueprint_id: str = blueprint["identifier"]
        if body.get("blueprint", blueprint_id) != blueprint_id:
            raise invalid(
                f"entity {identifier!r} names blueprint {body.get('blueprint')!r} "
                f"but was sent to blueprint {blueprint_id!r}"
            )
        existing = self.entities.get((blueprint_id, identifier))
        kept = existing if existing is not None and options.merge else None
        properties = {**(kept.properties if kept else {}), **body.get("properties", {})}
        relations = {**(kept.relations if kept else {}), **body.get("relations", {})}
        check_properties(blueprint, properties)
        check_relations(blueprint, relations)
        missing = self._missing_related(blueprint, relations)
        if missing and not options.create_missing_related_entities:
            raise not_found(f"related entities were not found: {missing}")

        now = utc_now()
        entity = StoredEntity(
            identifier=identifier,
            blueprint=blueprint_id,
            datasource=datasource,
            created_at=existing.created_at if existing is not None else now,
            updated_at=now,
            title=body.get("title", kept.title if kept else None),
            icon=body.get("icon", kept.icon if kept else None),
            team=body.get("team", kept.team if kept else None),
            properties=properties,
            relations=relations,
        )
        if not options.validation_only:
            # Port creates the missing targets as bare entities of the same writer.
            for target, related in missing:
                self.entities[(target, related)] = StoredEntity(
                    related, target, datasource, now, now
                )
            self.entities[entity.key] = entity
        return UpsertOutcome(
            entity=entity.to_port_json(),
            created=existing is None,
        )

    def upsert(
        self,
        blueprint_id: str,
        body: JsonObject,
        options: UpsertOptions,
        datasource: str,
    ) -> UpsertOutcome:
        return self._upsert_checked(
            self.blueprint(blueprint_id), body, options, datasource
        )

    def upsert_bulk(
        self,
        blueprint_id: str,
        bodies: Sequence[JsonObject],
        options: UpsertOptions,
        datasource: str,
    ) -> JsonObject:
        """Port's bulk answer: results and failures by index."""
        blueprint = self.blueprint(blueprint_id)
        answer: JsonObject = {"ok": True, "entities": [], "errors": []}
        for index, body in enumerate(bodies):
            try:
                upserted = self._upsert_checked(blueprint, body, options, datasource)
            except PortApiError as error:
                identifier = body.get("identifier")
                answer["errors"].append(
                    {
                        "identifier": (
                            identifier if isinstance(identifier, str) else "unknown"
                        ),
                        "index": index,
                        "statusCode": error.status_code,
                        "error": error.error,
                        "message": error.message,
                    }
                )
                continue
            answer["entities"].append(
                {
                    "identifier": upserted.entity["identifier"],
                    "index": index,
                    "created": upserted.created,
                }
            )
        return answer

    def _required_dependents(self, key: EntityKey) -> list[EntityKey]:
        dependents: list[EntityKey] = []
        for entity in self.entities.values():
            relations = self.blueprints.get(entity.blueprint, {}).get("relations", {})
            for name, related in entity.relation_targets():
                relation = relations.get(name, {})
                if (
                    relation.get("required", False)
                    and (relation.get("target"), related) == key
                ):
                    dependents.append(entity.key)
        return dependents

    def delete(
        self, keys: Sequence[EntityKey], delete_dependents: bool
    ) -> list[EntityKey]:
        """Delete the entities and, when asked, what requires them; all or nothing."""
        doomed = list(dict.fromkeys(keys))
        for key in doomed:
            for dependent in self._required_dependents(key):
                if dependent in doomed:
                    continue
                if not delete_dependents:
                    raise PortApiError(
                        422,
                        "has_dependents",
                        f"entity {key} is required by {dependent}",
                    )
                doomed.append(dependent)
        for key in doomed:
            del self.entities[key]
        return doomed

    def owned_by(
        self, prefix: str, suffix: str, created_before: datetime | None
    ) -> list[StoredEntity]:
        """Entities whose last writer's datasource has this prefix and suffix."""
        return [
            entity
            for entity in self.sorted_entities()
            if entity.datasource.startswith(prefix)
            and entity.datasource.endswith(suffix)
            and (created_before is None or entity.created_at < created_before)
        ]

    def search(self, query: JsonObject, include: Sequence[str]) -> list[JsonObject]:
        check_query(query)
        # Ocean asks for entities by key in every batch it upserts; a scan of the whole
        # catalog each time would make a large resync quadratic in the stand-in.
        keys = keys_named_by(query)
        candidates = (
            self.sorted_entities()
            if keys is None
            else [
                self.entities[key] for key in sorted(set(keys)) if key in self.entities
            ]
        )
        return [
            select_fields(entity.to_port_json(), include)
            for entity in candidates
            if matches(entity, query)
        ]
