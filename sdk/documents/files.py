"""File-level helpers: safe names, content sniffing, hashing without loading the file."""

from __future__ import annotations

import errno
import hashlib
import os
import unicodedata
from pathlib import Path

from .errors import FileMissingError, InvalidFileNameError

CHUNK = 1 << 20
HEAD_BYTES = 1024
_RESERVED = set('/\\<>:"|?*')

# Magic numbers, checked in order; "pdf" and "xml" are handled apart (they may be offset).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x1f\x8b", "gzip"),
    (b"BM", "bmp"),
)

KIND_LABELS = {
    "pdf": "PDF",
    "xml": "XML",
    "png": "image PNG",
    "jpeg": "image JPEG",
    "gif": "image GIF",
    "tiff": "image TIFF",
    "bmp": "image BMP",
    "zip": "archive ZIP (ou document Office/OpenDocument)",
    "rar": "archive RAR",
    "7z": "archive 7z",
    "ole": "document Office ancien format",
    "gzip": "archive gzip",
    "unknown": "contenu non reconnu",
}

# What content each extension may hold; extensions absent here are not checked.
EXTENSION_KINDS: dict[str, frozenset[str]] = {
    "pdf": frozenset({"pdf"}),
    "xml": frozenset({"xml"}),
    "svg": frozenset({"xml"}),
    "xades": frozenset({"xml"}),
    "png": frozenset({"png"}),
    "jpg": frozenset({"jpeg"}),
    "jpeg": frozenset({"jpeg"}),
    "gif": frozenset({"gif"}),
    "tif": frozenset({"tiff"}),
    "tiff": frozenset({"tiff"}),
    "bmp": frozenset({"bmp"}),
    "zip": frozenset({"zip"}),
    "docx": frozenset({"zip"}),
    "xlsx": frozenset({"zip"}),
    "pptx": frozenset({"zip"}),
    "odt": frozenset({"zip"}),
    "ods": frozenset({"zip"}),
    "odp": frozenset({"zip"}),
    "doc": frozenset({"ole"}),
    "xls": frozenset({"ole"}),
    "ppt": frozenset({"ole"}),
    "rar": frozenset({"rar"}),
    "7z": frozenset({"7z"}),
}


# Kinds whose bytes must be what the extension says: anything else is an error, not a doubt.
STRICT_KINDS = frozenset({"pdf", "xml", "png", "jpeg", "gif", "tiff", "bmp"})


# What the operating system says, in French (its own words are English).
_OS_REASONS = {
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.ENOENT: "introuvable",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.ENAMETOOLONG: "chemin trop long",
    errno.ELOOP: "trop de liens symboliques",
    errno.EIO: "erreur d'entrée-sortie du disque",
}


def os_reason(exc: OSError) -> str:
    return _OS_REASONS.get(exc.errno or 0, "erreur du système de fichiers")


def name_problem(name: str) -> str:
    """Why `name` is unsafe as a stored file name, or "" if it is fine."""
    if not name or not name.strip():
        return "le nom de fichier est vide"
    if name in {".", ".."}:
        return f"« {name} » n'est pas un nom de fichier"
    bad = sorted({c for c in name if c in _RESERVED})
    if "/" in bad or "\\" in bad:
        return "le nom de fichier contient un séparateur de chemin (/ ou \\)"
    if bad:
        return f"le nom de fichier contient des caractères interdits ({' '.join(bad)})"
    for char in name:
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            return f"le nom de fichier contient un caractère de contrôle (U+{ord(char):04X})"
    if name != name.strip():
        return "le nom de fichier commence ou finit par un espace"
    return ""


def validate_file_name(name: str) -> str:
    """Return `name` if it is a safe bare file name, else raise InvalidFileNameError."""
    problem = name_problem(name)
    if problem:
        raise InvalidFileNameError(problem)
    return name


def extension(name: str) -> str:
    """Lower-case extension without the dot ("" when there is none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def file_size(path: Path) -> int:
    """Size of a regular file, from the file system (nothing is read)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileMissingError(f"fichier introuvable : {path}") from None
    except OSError as exc:
        raise FileMissingError(f"fichier illisible : {path} ({os_reason(exc)})") from None
    if not os.path.isfile(path):
        raise FileMissingError(f"ce n'est pas un fichier ordinaire : {path}")
    return info.st_size


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise FileMissingError(f"fichier illisible : {path} ({os_reason(exc)})") from None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sniff(head: bytes) -> str:
    """Content kind from the first bytes: "pdf", "xml", "png", … or "unknown"."""
    if b"%PDF-" in head[:HEAD_BYTES]:
        return "pdf"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith((b"\xff\xfe<\x00", b"\xfe\xff\x00<")):  # UTF-16 with a BOM
        return "xml"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if text.startswith(b"<?xml") or (text[:1] == b"<" and text[1:2].isalpha()):
        return "xml"
    return "unknown"
