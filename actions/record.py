"""What a run records on itself in Port, so that Port delivering it again (after its visibility
timeout passed, or the integration restarted before it reported) writes nothing twice: before
the run is reported, the identifier of what its write made or changed; before the write, that
record is read, and when it is there the object is read again instead of written.

An action run keeps it in `externalRunId` (`<run id>:<identifier>`, unique to the run) and
reads it back from the run; a workflow-node run keeps it in its output, which Port hands out
with the run.
"""

from typing import Final

from port_ocean.clients.port.client import PortClient
from port_ocean.clients.port.utils import handle_port_status_code
from port_ocean.core.models import IntegrationRun, WorkflowNodeRun

from vendors.contract import Written

OUTPUT_KEY: Final = "statuspageObject"


async def recorded(client: PortClient, run: IntegrationRun) -> str | None:
    """The identifier an earlier delivery of the run recorded, if any."""
    if isinstance(run, WorkflowNodeRun):
        value = run.output.get(OUTPUT_KEY)
        return value if isinstance(value, str) and value else None
    response = await client.client.get(
        f"{client.auth.api_url}/actions/runs/{run.id}",
        headers=await client.auth.headers(),
    )
    handle_port_status_code(response)
    external = response.json().get("run", {}).get("externalRunId")
    prefix = f"{run.id}:"
    if not isinstance(external, str) or not external.startswith(prefix):
        return None
    return external.removeprefix(prefix) or None


async def record(client: PortClient, run: IntegrationRun, written: Written) -> None:
    """Records on the run what its write made or changed, and the link to it."""
    identifier = str(written.item["id"])
    if isinstance(run, WorkflowNodeRun):
        output = {**run.output, OUTPUT_KEY: identifier}
        await client.patch_run(run, {"output": output})
        run.output = output
        return
    patch: dict[str, object] = {"externalRunId": f"{run.id}:{identifier}"}
    if written.link is not None:
        patch["link"] = written.link
    await client.patch_run(run, patch)
