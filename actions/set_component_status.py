"""Sets a component's status."""

from actions.base import Ask, WriteExecutor
from actions.definitions import COMPONENT_BLUEPRINT, form, picker
from actions.inputs import Inputs
from core.kinds import Family
from vendors.contract import COMPONENT_STATUSES, ComponentChange, Made, Vendor, Written


class SetComponentStatusExecutor(WriteExecutor):
    ACTION_NAME = "set_component_status"
    about = Family.COMPONENT
    made = Made.COMPONENT
    done = "changed"
    title = "Set a component's status"
    description = "Sets a status-page component's status, from Port"
    operation = "DAY-2"
    blueprint = COMPONENT_BLUEPRINT
    user_inputs = form(
        component=picker(COMPONENT_BLUEPRINT, "Component", "The component to set"),
        status={
            "type": "string",
            "title": "Status",
            "enum": list(COMPONENT_STATUSES),
        },
    )
    required = ("component", "status")

    def ask(self, inputs: Inputs, run_id: str) -> Ask:
        component = inputs.identifier("component")
        status = inputs.choice("status", COMPONENT_STATUSES)

        async def set_status(vendor: Vendor, page_id: str) -> Written:
            change = ComponentChange(page_id, component, status)
            return await vendor.set_component_status(change)

        return Ask(component, [], set_status)
