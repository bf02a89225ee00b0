"""The files of a deposit: the piece's own file (format detected, damaged or dangerous files
refused) and its attachments (portal rules, content read like the piece's), turned into
findings next to the other checks. A read stopped by the time safety net is no verdict on
the file: it is raised as « réessayez », not recorded as a finding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .documents import DocumentError, ReadDeadlineError, check_attachments, inspect_file
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


def inspect_deposit(
    file: Path | None,
    attachments: list[AttachmentInput],
    trust_bundle: Sequence[Path] = (),
    stored_bytes: int = 0,
) -> tuple[str, list[Finding]]:
    """The detected "format de dépôt" of `file` and every finding on the files (its
    signatures verified against `trust_bundle`, the configuration's trusted roots);
    `stored_bytes` are the piece's files already stored, counted in its total size."""
    found: list[Finding] = []
    file_format = ""
    if file is not None:
        try:
            inspection = inspect_file(file, trust_bundle=trust_bundle)
        except ReadDeadlineError:
            raise
        except DocumentError as exc:
            found.append(exc.as_finding())
        else:
            file_format = str(inspection.format)
            found += inspection.findings
    missing = [
        Finding(
            "attachment.missing",
            Severity.ERROR,
            f"attachments[{i}]",
            f"Pièce jointe introuvable : {a.path}",
            "vérifiez le chemin du fichier",
        )
        for i, a in enumerate(attachments)
        if not a.path.is_file()
    ]
    if missing:  # the size rules need every file: report the paths first
        return file_format, found + missing
    piece_file = file if file is not None and file.is_file() else None
    found += check_attachments(
        [(a.path, a.display_name) for a in attachments],
        piece_file=piece_file,
        stored_bytes=stored_bytes,
    )
    return file_format, found
