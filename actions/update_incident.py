"""Posts an update on an incident: its new status, a message, and, when given, the affected
components' statuses."""

from actions.base import Ask, WriteExecutor
from actions.definitions import INCIDENT_BLUEPRINT, form, picker, statuses
from actions.inputs import Inputs
from core.kinds import Family
from vendors.contract import (
    COMPONENT_STATUSES,
    OPEN_INCIDENT_STATUSES,
    IncidentChange,
    Made,
    Vendor,
    Written,
)


class UpdateIncidentExecutor(WriteExecutor):
    ACTION_NAME = "update_incident"
    about = Family.INCIDENT
    made = Made.INCIDENT
    done = "updated"
    title = "Update an incident"
    description = "Posts an update on a status-page incident, from Port"
    operation = "DAY-2"
    blueprint = INCIDENT_BLUEPRINT
    user_inputs = form(
        incident=picker(INCIDENT_BLUEPRINT, "Incident", "The incident to update"),
        status={
            "type": "string",
            "title": "Status",
            "enum": list(OPEN_INCIDENT_STATUSES),
        },
        body={"type": "string", "title": "Message"},
        components=statuses("operational"),
    )
    required = ("incident", "status", "body")

    def ask(self, inputs: Inputs, run_id: str) -> Ask:
        incident = inputs.identifier("incident")
        status = inputs.choice("status", OPEN_INCIDENT_STATUSES)
        body = inputs.text("body")
        affected = inputs.statuses("components", COMPONENT_STATUSES)

        async def update(vendor: Vendor, page_id: str) -> Written:
            change = IncidentChange(page_id, incident, status, body, affected)
            return await vendor.update_incident(change)

        return Ask(incident, list(affected), update)
