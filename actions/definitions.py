"""The actions' definitions in Port, kept by the integration itself: a static file cannot know
this installation's identifier, and Ocean creates shipped actions only on a fresh install. So
at start each definition is created, or replaced where it differs from what this version
ships, and existing installations get them too.

Each runs on this installation (`INTEGRATION_ACTION` with its identifier and the executor's
`integrationActionType`) and passes every input, optional ones included; its pickers are
entity inputs on the shipped blueprints. Forms are declared on the executors.
"""

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

import httpx
from loguru import logger
from port_ocean.clients.port.client import PortClient
from port_ocean.clients.port.utils import handle_port_status_code

from actions.base import WriteExecutor

PAGE_BLUEPRINT: Final = "statuspage"
INCIDENT_BLUEPRINT: Final = "statuspageIncident"
COMPONENT_BLUEPRINT: Final = "statuspageComponent"
Definition = dict[str, Any]


def form(**inputs: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    """An action's user inputs, in the order its form shows them."""
    return MappingProxyType(inputs)


def statuses(example: str) -> dict[str, Any]:
    """An input mapping component identifiers to the status each takes."""
    return {
        "type": "object",
        "title": "Affected components",
        "description": (
            "Component identifiers and the status each takes, such as "
            f'{{"8kbf7d35c070": "{example}"}}'
        ),
    }


def picker(blueprint: str, title: str, description: str) -> dict[str, Any]:
    """An input that picks one entity of `blueprint` from the catalog."""
    return {
        "type": "string",
        "format": "entity",
        "blueprint": blueprint,
        "title": title,
        "description": description,
    }


def definition(executor: type[WriteExecutor], installation_id: str) -> Definition:
    names = list(executor.user_inputs)
    return {
        "identifier": f"{installation_id}_{executor.ACTION_NAME}",
        "title": executor.title,
        "icon": "StatusPage",
        "description": executor.description,
        "trigger": {
            "type": "self-service",
            "operation": executor.operation,
            "blueprintIdentifier": executor.blueprint,
            "userInputs": {
                "properties": {k: dict(v) for k, v in executor.user_inputs.items()},
                "required": list(executor.required),
                "order": names,
            },
        },
        "invocationMethod": {
            "type": "INTEGRATION_ACTION",
            "installationId": installation_id,
            "integrationActionType": executor.ACTION_NAME,
            "integrationActionExecutionProperties": {
                name: f"{{{{ .inputs.{name} }}}}" for name in names
            },
        },
    }


async def keep_definitions(
    client: PortClient,
    installation_id: str,
    executors: Iterable[type[WriteExecutor]],
) -> None:
    """Creates each action's definition in Port, or replaces it where it differs. A
    definition Port refuses is logged and left: the integration syncs all the same."""
    for executor in executors:
        wanted = definition(executor, installation_id)
        try:
            outcome = await _keep(client, wanted)
        except httpx.HTTPError as error:
            logger.warning(
                f"Actions: could not keep the definition {wanted['identifier']!r} in Port "
                f"({error}); its runs can still be started where it exists"
            )
            continue
        logger.info(f"Actions: definition {wanted['identifier']!r} {outcome}")


async def _keep(client: PortClient, wanted: Definition) -> str:
    url = f"{client.auth.api_url}/actions"
    headers = await client.auth.headers()
    identifier = wanted["identifier"]
    found = await client.client.get(f"{url}/{identifier}", headers=headers)
    if found.status_code == 404:
        created = await client.client.post(url, json=wanted, headers=headers)
        handle_port_status_code(created)
        return "created"
    handle_port_status_code(found)
    current = found.json().get("action") or {}
    if all(current.get(key) == value for key, value in wanted.items()):
        return "is current"
    replaced = await client.client.put(
        f"{url}/{identifier}", json=wanted, headers=headers
    )
    handle_port_status_code(replaced)
    return "updated"
