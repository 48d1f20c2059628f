"""What the default mappings must put in Port for the emulator's current data."""

from sandbox.statuspage.core import EmulatorCore

BLUEPRINTS = (
    "statuspage",
    "statuspageComponentGroup",
    "statuspageComponent",
    "statuspageIncident",
    "statuspageIncidentUpdate",
)


def expected_identifiers(emulator: EmulatorCore) -> dict[str, set[str]]:
    """Identifiers per blueprint: every page, group, member component (the default mapping
    skips the groups' own component entries), incident and incident update."""
    expected: dict[str, set[str]] = {blueprint: set() for blueprint in BLUEPRINTS}
    with emulator.reading() as state:
        for page in state.pages.values():
            expected["statuspage"].add(page.page_id)
            expected["statuspageComponentGroup"].update(page.groups)
            expected["statuspageComponent"].update(
                cid
                for cid, component in page.components.items()
                if not component.get("group")
            )
            for incident_id, record in page.incidents.items():
                expected["statuspageIncident"].add(incident_id)
                expected["statuspageIncidentUpdate"].update(
                    update["id"] for update in record.fields["incident_updates"]
                )
    return expected
