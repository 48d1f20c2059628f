"""The mapping configuration model and the shipped blueprints."""

from typing import Any

import pytest
from pydantic.v1 import ValidationError

from core.kinds import KINDS
from integration import StatuspagePortAppConfig
from vendors import VENDORS

# Status values listed in the Statuspage API reference; Port refuses an entity whose enum
# property holds a value its blueprint lacks, which would leave that entity stale.
API_STATUSES = {
    ("statuspageComponent", "status"): {
        "operational",
        "degraded_performance",
        "partial_outage",
        "major_outage",
        "under_maintenance",
    },
    ("statuspageIncident", "status"): {
        "investigating",
        "identified",
        "monitoring",
        "resolved",
        "scheduled",
        "in_progress",
        "completed",
    },
    ("statuspageIncident", "impact"): {"none", "minor", "major", "critical"},
    ("statuspageIncident", "impact_override"): {"none", "minor", "major", "critical"},
    # The public status API answers `maintenance` too while a maintenance is under way.
    ("statuspage", "status_indicator"): {
        "none",
        "maintenance",
        "minor",
        "major",
        "critical",
    },
}


def test_the_shipped_mapping_parses_with_every_kind(
    shipped_mapping: dict[str, Any],
) -> None:
    config = StatuspagePortAppConfig.parse_obj(shipped_mapping)

    kinds = [resource.kind for resource in config.resources]
    # The heavy kinds first: Ocean maps them while the light lists wait for the rate limit.
    assert kinds == [
        "statuspage",
        "incident",
        "incident_update",
        "component_group",
        "component",
        # The components' uptime, written only for those whose uptime a resync read.
        "component",
    ]
    assert all(type(kind) is str for kind in kinds)


def test_a_mistyped_kind_is_refused_with_the_valid_ones(
    shipped_mapping: dict[str, Any],
) -> None:
    mapping = {
        **shipped_mapping,
        "resources": [{**shipped_mapping["resources"][3], "kind": "incidents"}],
    }

    with pytest.raises(ValidationError, match="unknown kind 'incidents'") as raised:
        StatuspagePortAppConfig.parse_obj(mapping)

    assert all(kind.name in str(raised.value) for kind in KINDS)


@pytest.mark.parametrize(("blueprint", "prop"), list(API_STATUSES))
def test_blueprints_accept_every_status_the_api_returns(
    shipped_blueprints: dict[str, dict[str, Any]], blueprint: str, prop: str
) -> None:
    schema = shipped_blueprints[blueprint]["schema"]["properties"][prop]

    assert API_STATUSES[(blueprint, prop)] <= set(schema["enum"])
    assert set(schema["enum"]) == set(schema["enumColors"])


def test_every_blueprint_accepts_every_registered_vendor_as_provider(
    shipped_blueprints: dict[str, dict[str, Any]],
) -> None:
    # Port refuses an entity whose `provider` its blueprint's enum lacks (the resync still
    # reports success), so a vendor registered without its enum entry would land nothing.
    providers = {vendor.provider for vendor in VENDORS}
    for blueprint in shipped_blueprints.values():
        schema = blueprint["schema"]["properties"]["provider"]
        assert set(schema["enum"]) == set(schema["enumColors"]) == providers
