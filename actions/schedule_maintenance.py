"""Schedules a maintenance on a page: its name, message and window, and, when given, the
components it takes down."""

from actions.base import Ask, WriteExecutor
from actions.definitions import (
    COMPONENT_BLUEPRINT,
    INCIDENT_BLUEPRINT,
    PAGE_BLUEPRINT,
    form,
    picker,
)
from actions.inputs import Inputs, InvalidInputError
from core.kinds import Family
from vendors.contract import Made, NewMaintenance, Vendor, Written


class ScheduleMaintenanceExecutor(WriteExecutor):
    ACTION_NAME = "schedule_maintenance"
    about = Family.PAGE
    made = Made.MAINTENANCE
    done = "scheduled"
    title = "Schedule a maintenance"
    description = "Schedules a maintenance on a status page, from Port"
    operation = "CREATE"
    blueprint = INCIDENT_BLUEPRINT
    user_inputs = form(
        page=picker(PAGE_BLUEPRINT, "Status page", "The page to schedule it on"),
        name={"type": "string", "title": "Name"},
        body={"type": "string", "title": "Message"},
        scheduled_for={"type": "string", "format": "date-time", "title": "Starts"},
        scheduled_until={"type": "string", "format": "date-time", "title": "Ends"},
        components={
            "type": "array",
            "title": "Components",
            "items": picker(COMPONENT_BLUEPRINT, "Component", "A component it affects"),
        },
    )
    required = ("page", "name", "body", "scheduled_for", "scheduled_until")

    def ask(self, inputs: Inputs, run_id: str) -> Ask:
        page = inputs.identifier("page")
        name, body = inputs.text("name"), inputs.text("body")
        starts = inputs.moment("scheduled_for")
        ends = inputs.moment("scheduled_until")
        if ends <= starts:
            raise InvalidInputError("'scheduled_until' must be after 'scheduled_for'")
        components = inputs.identifiers("components")

        async def schedule(vendor: Vendor, page_id: str) -> Written:
            new = NewMaintenance(
                page_id, name, body, starts, ends, tuple(components), run_id
            )
            return await vendor.schedule_maintenance(new)

        return Ask(page, components, schedule)
