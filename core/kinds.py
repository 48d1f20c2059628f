"""The one table of what this integration syncs: every Ocean kind, the per-page list it is
drawn from, and the live-event family whose events change it.

Everything that depends on which kinds exist follows from `KINDS`: the resync handlers main.py
registers, the kinds a mapping may name (integration.py), the lists the fetch memo reads once per
page, the lists and single-object reads every vendor must provide (vendors/contract.py), and the
kinds each live-event processor answers for. A new per-page kind is one row here, each vendor's
reader of its list, and its mapping.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class PageList(StrEnum):
    """The lists a status page has; a vendor reads each with its method of the same name."""

    COMPONENT_GROUPS = "component_groups"
    COMPONENTS = "components"
    INCIDENTS = "incidents"


class Family(StrEnum):
    """What a live event can say changed: a page, one of its components, one of its incidents.
    A vendor reads the object an event names with its method of the family's name."""

    PAGE = "page"
    COMPONENT = "component"
    INCIDENT = "incident"


@dataclass(frozen=True)
class Nested:
    """Items listed inside each item of a list: `field` holds them, and each carries its
    parent's id under `parent_id`."""

    field: str
    parent_id: str


@dataclass(frozen=True)
class Kind:
    name: str
    # The per-page list its items come from; None: the pages themselves.
    source: PageList | None
    # The live-event family whose events change it; None: it follows resyncs only.
    family: Family | None
    # None: its items are the source list's; else the entries nested in each of them.
    nested: Nested | None = None


KINDS: Final = (
    Kind("statuspage", None, Family.PAGE),
    # The same pages under the name Statuspage's own API uses, for mappings written against it.
    Kind("page", None, Family.PAGE),
    Kind("component_group", PageList.COMPONENT_GROUPS, None),
    Kind("component", PageList.COMPONENTS, Family.COMPONENT),
    Kind("incident", PageList.INCIDENTS, Family.INCIDENT),
    Kind(
        "incident_update",
        PageList.INCIDENTS,
        Family.INCIDENT,
        Nested("incident_updates", parent_id="incident_id"),
    ),
)
KIND_NAMES: Final = frozenset(kind.name for kind in KINDS)


def kind_named(name: str) -> Kind:
    """The row of `name`; KeyError naming the valid kinds for any other."""
    for kind in KINDS:
        if kind.name == name:
            return kind
    valid = ", ".join(kind.name for kind in KINDS)
    raise KeyError(f"unknown kind {name!r}; expected one of: {valid}")


def kinds_of(family: Family) -> tuple[Kind, ...]:
    """The kinds an event of `family` changes."""
    return tuple(kind for kind in KINDS if kind.family is family)
