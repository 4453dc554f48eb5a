"""Synthetic DSO extract drop generator (see docs/generator.md)."""

from connectors.generator.core import generate
from connectors.generator.plan import Params

__all__ = ["generate", "Params"]
