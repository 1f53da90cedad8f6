"""Placeholder: filled in below."""

from __future__ import annotations


def backup_cmd() -> None:
    """备份."""


def restore_cmd() -> None:
    """恢复."""
