"""Frozen text encoders behind one interface (`Encoder`), built by name with `get_encoder`."""
from benchmark.encoders.base import Encoder
from benchmark.encoders.registry import available, get_encoder

__all__ = ["Encoder", "available", "get_encoder"]
