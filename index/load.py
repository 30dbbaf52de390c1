"""The loading front door, kept for its callers: `load`, `check_size` and `is_supported` live in index.loaders."""

from index.loaders import SUPPORTED_SUFFIXES, check_size, is_supported, load

__all__ = ["SUPPORTED_SUFFIXES", "check_size", "is_supported", "load"]
