"""The status-page vendors this integration reads and writes, one registration line each, and
which of them an identifier in Port belongs to."""

from vendors.contract import Vendor
from vendors.incidentio import IncidentIoVendor
from vendors.onlineornot import OnlineOrNotVendor
from vendors.pingpong import PingPongVendor
from vendors.statuspage import StatuspageVendor

VENDORS: tuple[type[Vendor], ...] = (
    StatuspageVendor,
    OnlineOrNotVendor,
    PingPongVendor,
    IncidentIoVendor,
)


def owner_of(port_id: str) -> type[Vendor] | None:
    """The vendor one of Port's identifiers belongs to: the one whose id prefix is the
    longest that fits (Statuspage's ids have none); None when none fits."""
    fitting = [vendor for vendor in VENDORS if port_id.startswith(vendor.ids.prefix)]
    return max(fitting, key=lambda vendor: len(vendor.ids.prefix), default=None)
