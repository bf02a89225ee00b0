"""Checks on the files of a deposit (the piece's own file and its attachments)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class AttachmentInput:
    path: Path
    kind: str = "AUTRE"
    designation: str = ""
    name: str = ""

    @property
    def display_name(self) -> str:
        return self.name or self.path.name


def check_deposit_files(file: Path | None, attachments: list[AttachmentInput]) -> list[Finding]:
    found: list[Finding] = []
    for label, path in ([("file", file)] if file else []) + [
        (f"attachments[{i}]", a.path) for i, a in enumerate(attachments)
    ]:
        if not path.is_file():
            found.append(
                Finding(
                    "file.missing",
                    Severity.ERROR,
                    label,
                    f"Fichier introuvable : {path}",
                    "vérifiez le chemin",
                )
            )
    return found


def detect_format(path: Path) -> str:
    head = path.read_bytes()[:1024]
    if head.startswith(b"%PDF"):
        return "PDF_NON_SIGNE"
    if head.lstrip().startswith(b"<"):
        return "XML"
    return "AUTRE"
