"""Acting from Port: one executor per action type, run by Ocean's execution manager. What they
share is in base.py, their definitions in Port in definitions.py."""

from actions.base import WriteExecutor
from actions.create_incident import CreateIncidentExecutor
from actions.resolve_incident import ResolveIncidentExecutor
from actions.schedule_maintenance import ScheduleMaintenanceExecutor
from actions.set_component_status import SetComponentStatusExecutor
from actions.update_incident import UpdateIncidentExecutor

EXECUTORS: tuple[type[WriteExecutor], ...] = (
    CreateIncidentExecutor,
    UpdateIncidentExecutor,
    ResolveIncidentExecutor,
    SetComponentStatusExecutor,
    ScheduleMaintenanceExecutor,
)
