"""The status-page vendors this integration reads, one registration line each."""

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
