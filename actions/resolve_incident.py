"""Resolves an incident, with a closing message."""

from actions.base import Ask, WriteExecutor
from actions.definitions import INCIDENT_BLUEPRINT, form, picker
from actions.inputs import Inputs
from core.kinds import Family
from vendors.contract import IncidentChange, Made, Vendor, Written


class ResolveIncidentExecutor(WriteExecutor):
    ACTION_NAME = "resolve_incident"
    about = Family.INCIDENT
    made = Made.INCIDENT
    done = "resolved"
    title = "Resolve an incident"
    description = "Resolves a status-page incident, from Port"
    operation = "DAY-2"
    blueprint = INCIDENT_BLUEPRINT
    user_inputs = form(
        incident=picker(INCIDENT_BLUEPRINT, "Incident", "The incident to resolve"),
        body={
            "type": "string",
            "title": "Message",
            "description": "The last update",
        },
    )
    required = ("incident", "body")

    def ask(self, inputs: Inputs, run_id: str) -> Ask:
        incident = inputs.identifier("incident")
        body = inputs.text("body")

        async def resolve(vendor: Vendor, page_id: str) -> Written:
            change = IncidentChange(page_id, incident, "resolved", body, {})
            return await vendor.resolve_incident(change)

        return Ask(incident, [], resolve)
