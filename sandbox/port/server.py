"""`PortStub`: the Port stand-in served by uvicorn on a background thread.

    with PortStub() as port:
        run_integration(OCEAN__PORT__BASE_URL=port.base_url)
        assert port.entities("statuspageComponent")

It binds 127.0.0.1 on a port the OS picks at start (or the one given), and both
starting and stopping are bounded in time. Its read-back methods (PortState's) are the same
data the `/_stub/...` routes serve.
"""

from sandbox.port.app import create_app
from sandbox.port.model import JsonObject
from sandbox.port.store import PortState
from sandbox.serving import LoopbackServer


class PortStub(PortState, LoopbackServer):
    _name = "Port stub"

    def __init__(self, port: int = 0) -> None:
        PortState.__init__(self)
        LoopbackServer.__init__(self, create_app(self), port)

    def entity_identifiers(self, blueprint: str) -> set[str]:
        return {entity["identifier"] for entity in self.entities(blueprint)}

    # Actions (actions.py): start a run as a person would, read runs and definitions back

    def execute_action(self, identifier: str, inputs: JsonObject) -> str:
        """Starts a run of the action; returns its id."""
        run_id: str = self.actions.execute(identifier, inputs)["id"]
        return run_id

    def action_run(self, run_id: str) -> JsonObject:
        return self.actions.run(run_id)

    def action_runs(self) -> list[JsonObject]:
        return self.actions.runs()

    def action_definitions(self) -> list[JsonObject]:
        return self.actions.definitions()

    def redeliver(self, run_id: str, forget_record: bool = False) -> None:
        self.actions.redeliver(run_id, forget_record)
