"""Folders and files the program creates are its user's alone (0700 / 0600), whatever the
umask: a store holds bank details, password hashes and suppliers' invoices. Sharing a store
between clerks is a deliberate act (see the README), never the accident of a loose umask.
Something that already exists keeps the rights it was given."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(folder: Path) -> None:
    """Create `folder` and its missing parents, each 0700."""
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=0o700)
        except FileExistsError:
            continue  # another process made it first: its rights are its own
        os.chmod(created, 0o700)


def private_file(path: Path) -> bool:
    """Create `path` empty and 0600 unless it exists; returns True when created."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return True
