"""The kinds this integration syncs and the models of its mapping configuration."""

from enum import StrEnum

from port_ocean.core.handlers.port_app_config.api import APIPortAppConfig
from port_ocean.core.handlers.port_app_config.models import (
    PortAppConfig,
    ResourceConfig,
)
from port_ocean.core.integrations.base import BaseIntegration


class ObjectKind(StrEnum):
    STATUSPAGE = "statuspage"
    # The same pages under the name Statuspage's own API uses, for mappings written against it.
    PAGE = "page"
    COMPONENT_GROUP = "component_group"
    COMPONENT = "component"
    INCIDENT = "incident"
    INCIDENT_UPDATE = "incident_update"


class StatuspageResourceConfig(ResourceConfig):
    # A typo in a mapping's kind fails with the list of valid kinds instead of syncing nothing.
    kind: ObjectKind


class StatuspagePortAppConfig(PortAppConfig):
    resources: list[StatuspageResourceConfig]  # type: ignore[assignment]


class StatuspageIntegration(BaseIntegration):
    class AppConfigHandlerClass(APIPortAppConfig):
        CONFIG_CLASS = StatuspagePortAppConfig
