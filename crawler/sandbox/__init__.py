"""The offline storefront: a synthetic marketplace generator and a local HTTP server."""

from crawler.sandbox.faults import Faults
from crawler.sandbox.output import generate
from crawler.sandbox.profiles import PROFILES, T1_MS, T2_MS, Profile
from crawler.sandbox.server import SandboxServer

__all__ = ["Faults", "PROFILES", "Profile", "SandboxServer", "T1_MS", "T2_MS", "generate"]
