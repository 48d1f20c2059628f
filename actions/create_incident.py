"""Declares an incident on a page: its name, status and first message, and, when given, its
impact, the affected components' statuses and whether subscribers are told."""

from actions.base import Ask, WriteExecutor
from actions.definitions import (
    INCIDENT_BLUEPRINT,
    PAGE_BLUEPRINT,
    form,
    picker,
    statuses,
)
from actions.inputs import Inputs
from core.kinds import Family
from vendors.contract import (
    COMPONENT_STATUSES,
    IMPACTS,
    OPEN_INCIDENT_STATUSES,
    Made,
    NewIncident,
    Vendor,
    Written,
)


class CreateIncidentExecutor(WriteExecutor):
    ACTION_NAME = "create_incident"
    about = Family.PAGE
    made = Made.INCIDENT
    done = "declared"
    title = "Declare an incident"
    description = "Declares an incident on a status page, from Port"
    operation = "CREATE"
    blueprint = INCIDENT_BLUEPRINT
    user_inputs = form(
        page=picker(PAGE_BLUEPRINT, "Status page", "The page to declare it on"),
        name={"type": "string", "title": "Name", "description": "What is wrong"},
        status={
            "type": "string",
            "title": "Status",
            "enum": list(OPEN_INCIDENT_STATUSES),
            "default": "investigating",
        },
        body={
            "type": "string",
            "title": "Message",
            "description": "The first update",
        },
        impact={"type": "string", "title": "Impact", "enum": list(IMPACTS)},
        components=statuses("partial_outage"),
        notify={"type": "boolean", "title": "Notify subscribers"},
    )
    required = ("page", "name", "status", "body")

    def ask(self, inputs: Inputs, run_id: str) -> Ask:
        page = inputs.identifier("page")
        name, body = inputs.text("name"), inputs.text("body")
        status = inputs.choice("status", OPEN_INCIDENT_STATUSES)
        impact = inputs.optional_choice("impact", IMPACTS)
        notify = inputs.optional_flag("notify")
        affected = inputs.statuses("components", COMPONENT_STATUSES)

        async def declare(vendor: Vendor, page_id: str) -> Written:
            new = NewIncident(
                page_id, name, status, body, affected, run_id, impact, notify
            )
            return await vendor.create_incident(new)

        return Ask(page, list(affected), declare)
