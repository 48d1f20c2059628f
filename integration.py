"""The kinds this integration syncs and the models of its mapping configuration."""

from enum import StrEnum

from port_ocean.core.handlers.port_app_config.api import APIPortAppConfig
from port_ocean.core.handlers.port_app_config.models import (
    PortAppConfig,
    ResourceConfig,
)
from port_ocean.core.integrations.base import BaseIntegration
from pydantic.v1 import validator


class ObjectKind(StrEnum):
    STATUSPAGE = "statuspage"
    # The same pages under the name Statuspage's own API uses, for mappings written against it.
    PAGE = "page"
    COMPONENT_GROUP = "component_group"
    COMPONENT = "component"
    INCIDENT = "incident"
    INCIDENT_UPDATE = "incident_update"


class StatuspageResourceConfig(ResourceConfig):
    @validator("kind")
    def _known_kind(cls, kind: str) -> str:
        # A typo in a mapping's kind fails with the valid kinds instead of syncing nothing.
        # It stays a plain str: Ocean loads this module under another name, and its log
        # records cannot pickle an enum defined here.
        if kind not in set(ObjectKind):
            valid = ", ".join(ObjectKind)
            raise ValueError(f"unknown kind {kind!r}; expected one of: {valid}")
        return kind


class StatuspagePortAppConfig(PortAppConfig):
    resources: list[StatuspageResourceConfig]  # type: ignore[assignment]


class StatuspageIntegration(BaseIntegration):
    class AppConfigHandlerClass(APIPortAppConfig):
        CONFIG_CLASS = StatuspagePortAppConfig
