"""landcon — 全域土地综合整治 (whole-region comprehensive land consolidation) platform."""

__version__ = "0.1.0"
