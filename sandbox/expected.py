"""What the default mappings must put in Port for the emulator's current data, for each vendor
whose dialect the integration reads it in."""

from collections.abc import Iterable
from typing import Final

from sandbox.statuspage.core import EmulatorCore

BLUEPRINTS = (
    "statuspage",
    "statuspageComponentGroup",
    "statuspageComponent",
    "statuspageIncident",
    "statuspageIncidentUpdate",
)
# How each vendor's ids appear in Port: Statuspage's as they are, the others prefixed.
ID_PREFIXES: Final = {"statuspage": "", "onlineornot": "onlineornot-"}


def expected_identifiers(
    emulator: EmulatorCore, vendors: Iterable[str] = ("statuspage",)
) -> dict[str, set[str]]:
    """Identifiers per blueprint: every page, group, member component (the default mapping
    skips the groups' own component entries; OnlineOrNot does not list them), incident and
    incident update, once per vendor."""
    emulated = _emulated_identifiers(emulator)
    return {
        blueprint: {
            f"{ID_PREFIXES[vendor]}{identifier}"
            for vendor in vendors
            for identifier in identifiers
        }
        for blueprint, identifiers in emulated.items()
    }


def _emulated_identifiers(emulator: EmulatorCore) -> dict[str, set[str]]:
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
