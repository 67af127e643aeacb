"""The offline storefront: a synthetic marketplace generator and a local HTTP server."""

from sandbox.faults import Faults
from sandbox.output import generate
from sandbox.profiles import PROFILES, T1_MS, T2_MS, Profile
from sandbox.server import SandboxServer

__all__ = ["Faults", "PROFILES", "Profile", "SandboxServer", "T1_MS", "T2_MS", "generate"]
