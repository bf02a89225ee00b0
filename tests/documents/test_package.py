"""Public surface of sdk.documents and what importing it costs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import decompte.sdk.documents as documents
from decompte.sdk.errors import DecompteError, UsageError


def test_public_names() -> None:
    for name in documents.__all__:
        assert hasattr(documents, name), name


def test_errors_are_named_decompte_errors() -> None:
    errors = [getattr(documents, n) for n in documents.__all__ if n.endswith("Error")]
    assert len(errors) >= 15
    for error in errors:
        assert issubclass(error, DecompteError) and issubclass(error, UsageError)
        instance = error("message")
        assert instance.field in {"file", "file_name"} and instance.hint


def test_import_is_light() -> None:
    code = "import decompte.sdk.documents, sys; print(' '.join(sys.modules))"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    modules = set(out.stdout.split())
    for heavy in ("textual", "fpdf", "facturx", "pypdf", "pyhanko", "requests", "lxml"):
        assert heavy not in modules, heavy
