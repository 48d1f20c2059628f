"""A Port API stand-in that a real `ocean sail` runs against, with read-back for tests."""

from sandbox.port.server import PortStub

__all__ = ["PortStub"]
