"""Files the program writes for a user: built from names it did not choose, kept inside the
folder the user chose, never overwriting anything silently.

Names come from the store (a supplier's piece number, an attachment's file name, a plugin's
export name), so another user may have chosen them: a number starting with `/` or holding
`../` must not decide where a recipient's download lands. `safe_name` turns any such text into
one plain file name (no separator, no `..`, no control or invisible character, no leading dot
or dash, no Windows-reserved device name, bounded length, extension kept); `write_new` and
`publish` create the file inside the folder exclusively (`O_EXCL`: neither an existing file nor
a planted symbolic link is followed). An existing file is a named conflict unless the user
asked to replace it, and a replacement is atomic (written beside, then renamed over).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import Conflict, NotFound, UsageError
from .text_safety import first_unsafe

#: Bytes of a file name (most file systems allow 255): room left for a « (2) » suffix.
MAX_NAME_BYTES = 150
_MAX_SUFFIX = 16
_FORBIDDEN = frozenset('/\\<>:"|?*')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in "123456789¹²³"}
)
_OVERWRITE_HINT = "choisissez un autre dossier, ou ajoutez --overwrite pour remplacer le fichier"


def _clean_char(ch: str) -> str:
    if ch in _FORBIDDEN or first_unsafe(ch) is not None:  # NUL and every control included
        return "_"
    return ch


def _cap(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def safe_name(name: str, *, fallback: str = "fichier") -> str:
    """One plain file name for `name`, whatever it holds; `fallback` when nothing is left."""
    text = "".join(_clean_char(ch) for ch in unicodedata.normalize("NFC", name))
    text = text.strip().rstrip(". ")  # Windows drops trailing dots and spaces
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or len(ext) > _MAX_SUFFIX or not ext.strip("_"):
        stem, ext = text, ""
    stem = _cap(stem, MAX_NAME_BYTES - len(ext.encode("utf-8")) - 1).rstrip(". ")
    if not stem.strip("_"):
        stem = fallback
    if stem[0] in ".-":  # hidden files, and names a command would read as an option
        stem = "_" + stem[1:]
    if stem.split(".")[0].upper().rstrip() in _RESERVED:
        stem = "_" + stem
    return f"{stem}.{ext}" if ext else stem


def require_folder(folder: Path, *, field: str) -> Path:
    """`folder` when it is an existing folder; otherwise a named error saying what it is."""
    if folder.is_dir():
        return folder
    if folder.exists() or folder.is_symlink():
        raise UsageError(
            f"{folder} n'est pas un dossier",
            field=field,
            hint="indiquez un dossier (le nom du fichier est choisi par le programme)",
        )
    raise NotFound(
        f"Le dossier {folder} n'existe pas",
        field=field,
        hint="créez-le d'abord (mkdir -p) ou indiquez un dossier existant",
    )


def chosen_target(out: Path | None, default_name: str, *, field: str) -> Path:
    """Where a single file goes: `out` when the user named a file in an existing folder;
    inside `out` (or the current folder) under the safe `default_name` otherwise."""
    if out is None or out.is_dir():
        folder = out or Path.cwd()
        return plan(folder, [default_name])[0]
    require_folder(out.parent, field=field)
    if not out.name or out.name in {".", ".."}:
        raise UsageError(f"{out} n'est pas un nom de fichier", field=field)
    return out


def _numbered(name: str, n: int) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"


def plan(folder: Path, names: Sequence[str], *, fallback: str = "fichier") -> list[Path]:
    """Where each of `names` goes inside `folder`: safe names, distinct from one another
    (a second « PV.pdf » becomes « PV (2).pdf »), never outside the folder."""
    taken: set[str] = set()
    targets = []
    for raw in names:
        name = safe_name(raw, fallback=fallback)
        n = 1
        candidate = name
        while candidate.casefold() in taken:  # case-insensitive file systems too
            n += 1
            candidate = _numbered(name, n)
        taken.add(candidate.casefold())
        targets.append(folder / candidate)
    return targets


def free_target(folder: Path, name: str) -> Path:
    """The safe `name` inside `folder`, numbered « (2) », « (3) »… past existing files: for
    writes the user did not name (a certificate from the app, an export's default name)."""
    first = plan(folder, [name])[0]
    target, n = first, 1
    while _exists(target):
        n += 1
        target = folder / _numbered(first.name, n)
    return target


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _conflict(path: Path, field: str) -> Conflict:
    return Conflict(f"Le fichier {path} existe déjà", field=field, hint=_OVERWRITE_HINT)


def require_free(path: Path, *, field: str) -> None:
    """A named conflict (exit 6) when something already bears the name `path`."""
    if _exists(path):
        raise _conflict(path, field)


def _create(path: Path, field: str) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(path, flags | getattr(os, "O_BINARY", 0), 0o666)
    except FileExistsError:
        raise _conflict(path, field) from None
    except OSError as exc:
        raise UsageError(
            f"Impossible d'écrire {path} : {exc.strerror}",
            field=field,
            hint="choisissez un dossier où vous pouvez écrire",
        ) from None


def write_new(
    targets: Sequence[Path],
    contents: Sequence[Callable[[], bytes]],
    *,
    overwrite: bool = False,
    field: str,
) -> list[Path]:
    """Write each file of `targets` (from `plan`) with its content, all or nothing: an existing
    file refuses the whole batch before anything is written (unless `overwrite`), and a failure
    halfway removes what this call created."""
    if not overwrite:
        for path in targets:
            require_free(path, field=field)
    done: list[Path] = []
    try:
        for path, content in zip(targets, contents, strict=True):
            partial, fd = open_partial(path, field=field)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(content())
                publish(partial, path, overwrite=overwrite, field=field)
            finally:
                partial.unlink(missing_ok=True)
            done.append(path)
    except BaseException:
        if not overwrite:
            for path in done:
                path.unlink(missing_ok=True)
        raise
    return done


def open_partial(target: Path, *, field: str) -> tuple[Path, int]:
    """A new, empty, exclusive file beside `target` to write into before `publish`."""
    partial = target.with_name(f".{target.name}.partiel")
    return partial, _create(partial, field)


def publish(partial: Path, target: Path, *, overwrite: bool, field: str) -> None:
    """Give the finished `partial` its name `target`: atomically replacing an existing file
    only when `overwrite`, otherwise refusing (a file created meanwhile is not replaced)."""
    try:
        if overwrite:
            if target.is_dir() and not target.is_symlink():
                raise UsageError(
                    f"{target} est un dossier", field=field, hint="choisissez un autre nom"
                )
            os.replace(partial, target)
            return
        try:
            os.link(partial, target, follow_symlinks=False)  # fails if the name exists
        except FileExistsError:
            raise _conflict(target, field) from None
        except OSError:  # no hard links here (some network or FAT file systems)
            if _exists(target):
                raise _conflict(target, field) from None
            os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
