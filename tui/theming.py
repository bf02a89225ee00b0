"""Themes from files: each `themes/*.toml` describes one Textual `Theme` (colours, dark flag,
extra CSS variables). The file's `name` is what `[ui] theme` and `--theme` accept; Textual's
built-in theme names are accepted too."""

from __future__ import annotations

import os
import tomllib
from dataclasses import fields
from pathlib import Path

from textual.theme import Theme

DEFAULT_THEME = "dark"
_THEME_FIELDS = {f.name for f in fields(Theme)}


def themes_dir() -> Path:
    if env := os.environ.get("DECOMPTE_THEMES"):
        return Path(env)
    return Path(__file__).resolve().parent.parent / "themes"


def load_theme_file(path: Path) -> tuple[Theme, str]:
    """A Theme and its French label; ValueError with the file name when the file is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"Thème {path.name} illisible : {exc}") from None
    label = str(data.pop("label", data.get("name", path.stem)))
    data.setdefault("name", path.stem)
    unknown = set(data) - _THEME_FIELDS
    if unknown:
        raise ValueError(f"Thème {path.name} : clé inconnue {sorted(unknown)[0]}")
    if "primary" not in data:
        raise ValueError(f"Thème {path.name} : la couleur « primary » est obligatoire")
    return Theme(**data), label


def load_themes(folder: Path | None = None) -> tuple[list[tuple[Theme, str]], list[str]]:
    """All themes of the folder, and the problems met (a bad file never stops the app)."""
    folder = folder or themes_dir()
    found: list[tuple[Theme, str]] = []
    problems: list[str] = []
    if not folder.is_dir():
        return found, [f"Dossier des thèmes introuvable : {folder}"]
    for path in sorted(folder.glob("*.toml")):
        try:
            found.append(load_theme_file(path))
        except ValueError as exc:
            problems.append(str(exc))
    return found, problems
