"""What the default mappings must put in Port for the emulator's current data, for each vendor
whose dialect the integration reads it in."""

import re
from collections.abc import Callable, Iterable
from typing import Final

from sandbox.statuspage import pingpong_objects
from sandbox.statuspage.core import EmulatorCore
from sandbox.statuspage.model import JsonObject, PageState

BLUEPRINTS = (
    "statuspage",
    "statuspageComponentGroup",
    "statuspageComponent",
    "statuspageIncident",
    "statuspageIncidentUpdate",
)
# How each vendor's ids appear in Port: Statuspage's as they are, the others prefixed.
ID_PREFIXES: Final = {
    "statuspage": "",
    "onlineornot": "onlineornot-",
    "pingpong": "pingpong-",
    "incidentio": "incidentio-",
}
Identifiers = dict[str, set[str]]


def expected_identifiers(
    emulator: EmulatorCore, vendors: Iterable[str] = ("statuspage",)
) -> Identifiers:
    """Identifiers per blueprint: every page, group, member component (the default mapping
    skips the groups' own component entries; OnlineOrNot and PingPong do not list them),
    incident and incident update, once per vendor; for PingPong, of its one page, with its
    ongoing incidents and its maintenance (which has no updates); for incident.io, each
    component as placed on its page."""
    expected: Identifiers = {blueprint: set() for blueprint in BLUEPRINTS}
    served_as = {
        "pingpong": _pingpong_identifiers,
        "incidentio": _incidentio_identifiers,
    }
    for vendor in vendors:
        served = served_as.get(vendor, _emulated_identifiers)(emulator)
        for blueprint, identifiers in served.items():
            expected[blueprint].update(
                f"{ID_PREFIXES[vendor]}{identifier}" for identifier in identifiers
            )
    return expected


def pingpong_may_keep(emulator: EmulatorCore) -> Identifiers:
    """What Port may hold of PingPong beyond what it serves: its ended incidents and their
    updates, which an earlier run saw ongoing and Port keeps."""
    kept: Identifiers = {blueprint: set() for blueprint in BLUEPRINTS}
    with emulator.reading() as state:
        page = pingpong_objects.served_page(state)
        for incident in page.rendered_incidents():
            if pingpong_objects.is_maintenance(incident):
                continue
            if not pingpong_objects.is_ongoing(incident):
                kept["statuspageIncident"].add(f"pingpong-{incident['id']}")
                kept["statuspageIncidentUpdate"].update(
                    f"pingpong-{update['id']}"
                    for update in incident["incident_updates"]
                )
    return kept


def pingpong_page_id(emulator: EmulatorCore) -> str:
    """PingPong's page in Port: its project's name made a slug, prefixed (worked out here
    independently of the integration, which this judges)."""
    with emulator.reading() as state:
        name = str(pingpong_objects.served_page(state).page["name"])
    return "pingpong-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _emulated_identifiers(emulator: EmulatorCore) -> Identifiers:
    with emulator.reading() as state:
        pages = list(state.pages.values())
        return _identifiers(pages, {p.page_id for p in pages}, lambda _: True)


def _incidentio_identifiers(emulator: EmulatorCore) -> Identifiers:
    """As the Statuspage dialect serves them, but components by placement: `<page>-<id>`."""
    expected = _emulated_identifiers(emulator)
    with emulator.reading() as state:
        expected["statuspageComponent"] = {
            f"{page.page_id}-{component_id}"
            for page in state.pages.values()
            for component_id, component in page.components.items()
            if not component.get("group")
        }
    return expected


def _pingpong_identifiers(emulator: EmulatorCore) -> Identifiers:
    """Of the one page PingPong serves: its ongoing incidents with their updates, and its
    maintenance, which has none."""
    with emulator.reading() as state:
        page = pingpong_objects.served_page(state)
        page_id = pingpong_page_id(emulator).removeprefix("pingpong-")
        expected = _identifiers([page], {page_id}, pingpong_objects.is_ongoing)
        for incident in page.rendered_incidents():
            if pingpong_objects.is_maintenance(incident):
                expected["statuspageIncident"].add(incident["id"])
        return expected


def _identifiers(
    pages: list[PageState], page_ids: set[str], served: Callable[[JsonObject], bool]
) -> Identifiers:
    """The pages' groups, member components (the default mapping skips the groups' own
    component entries) and the incidents `served` serves, with their updates."""
    expected: Identifiers = {blueprint: set() for blueprint in BLUEPRINTS}
    expected["statuspage"] = page_ids
    for page in pages:
        expected["statuspageComponentGroup"].update(page.groups)
        expected["statuspageComponent"].update(
            cid for cid, c in page.components.items() if not c.get("group")
        )
        for incident in filter(served, page.rendered_incidents()):
            expected["statuspageIncident"].add(incident["id"])
            expected["statuspageIncidentUpdate"].update(
                update["id"] for update in incident["incident_updates"]
            )
    return expected
