"""Where a run's write goes, found from the identifiers it names: the vendor they belong to (by
their prefix) and, from what this integration synced into Port, the page they are on.

An identifier Port does not hold for this integration, one of a vendor this installation has no
key for, or a component of another vendor or page than the run's subject, ends the run here,
naming it, before any vendor is asked anything.
"""

from collections.abc import Collection
from dataclasses import dataclass

from port_ocean.exceptions.execution_manager import ActionExecutionError

from client import Item
from core.kinds import Family, kinds_of
from runtime import Runtime
from sync.held_in_port import MappedKind, PortView
from vendors import owner_of
from vendors.contract import PortReadError, Vendor


class UnknownIdentifierError(ActionExecutionError):
    DEFAULT_STATUS_LABEL = "Unknown identifier"


@dataclass(frozen=True)
class Target:
    vendor: Vendor
    page_id: str


async def target_of(
    runtime: Runtime,
    port: PortView,
    about: Family,
    subject: str,
    components: Collection[str],
) -> Target:
    """The vendor and page of the run's subject (a page, an incident or a component), checked
    to hold the components the run names too."""
    vendor = vendor_of(runtime, subject)
    held = await _held(port, about, [subject])
    if subject not in held:
        raise UnknownIdentifierError(
            f"{about} {subject!r} is not in the catalog this integration syncs; pick one "
            "from the catalog"
        )
    page_id = subject if about is Family.PAGE else held[subject].get("page_id")
    if not isinstance(page_id, str) or not page_id:
        raise UnknownIdentifierError(
            f"Port holds no page for {about} {subject!r}: its mapping must relate it to "
            "its statuspage, as the shipped mapping does"
        )
    await _check_components(port, vendor, page_id, components)
    return Target(vendor, page_id)


def vendor_of(runtime: Runtime, identifier: str) -> Vendor:
    """The configured vendor an identifier belongs to."""
    owner = owner_of(identifier)
    vendor = runtime.vendor(owner.provider) if owner is not None else None
    if vendor is None:
        whose = f"a {owner.dialect.name}" if owner is not None else "no vendor's"
        raise UnknownIdentifierError(
            f"{identifier!r} is {whose} identifier, and this installation has no key for "
            "that vendor"
        )
    return vendor


async def _check_components(
    port: PortView, vendor: Vendor, page_id: str, components: Collection[str]
) -> None:
    for component in components:
        owner = owner_of(component)
        if owner is None or owner.provider != vendor.provider:
            raise UnknownIdentifierError(
                f"component {component!r} is not {vendor.name}'s, as page {page_id!r} is"
            )
    held = await _held(port, Family.COMPONENT, components) if components else {}
    for component in components:
        if component not in held:
            raise UnknownIdentifierError(
                f"component {component!r} is not in the catalog this integration syncs"
            )
        if held[component].get("page_id") != page_id:
            raise UnknownIdentifierError(
                f"component {component!r} is on page {held[component].get('page_id')!r}, "
                f"not on page {page_id!r}"
            )


async def _held(
    port: PortView, family: Family, identifiers: Collection[str]
) -> dict[str, Item]:
    """What Port holds of these identifiers among the kinds of `family` (not those nested in
    another kind's items), rebuilt from the mapping."""
    kinds = [MappedKind(k.name, port) for k in kinds_of(family) if k.nested is None]
    mapped = [kind for kind in kinds if kind.mapped]
    if not mapped:
        raise PortReadError(
            f"the mapping maps no {family} kind, so none can be looked up"
        )
    held: dict[str, Item] = {}
    for kind in mapped:
        held.update(await kind.named(identifiers))
    return held
