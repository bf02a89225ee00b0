"""Configuration: a TOML file in the platformdirs config folder, validated with clear errors."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .deadlines import DeadlineConfig
from .errors import UsageError

APP = "decompte"


def config_path() -> Path:
    if env := os.environ.get("DECOMPTE_CONFIG"):
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP)) / "config.toml"


def default_db_path() -> Path:
    if env := os.environ.get("DECOMPTE_DB"):
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP)) / "decompte.db"


@dataclass(frozen=True)
class Config:
    db: str = ""
    qualification: bool = False
    deadlines: DeadlineConfig = field(default_factory=DeadlineConfig)
    disabled_plugins: tuple[str, ...] = ()
    plugin_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    ui: dict[str, Any] = field(default_factory=dict)
    trust_bundle: tuple[Path, ...] = ()  # [signatures] PEM files of the trusted root certificates
    path: Path | None = None

    @property
    def db_target(self) -> str:
        return self.db or str(default_db_path())


_TOP = {"store", "rules", "deadlines", "plugins", "ui", "plugin", "signatures"}


def load_config(path: Path | None = None) -> Config:
    """Read the config file if it exists; unknown keys and wrong types are named."""
    path = path or config_path()
    if not path.exists():
        return Config(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"Fichier de configuration illisible : {exc}",
            field=str(path),
            hint="corrigez la syntaxe TOML",
        ) from None
    unknown = set(data) - _TOP
    if unknown:
        raise UsageError(
            f"Section inconnue : [{sorted(unknown)[0]}]",
            field=str(path),
            hint="sections possibles : " + ", ".join(sorted(_TOP)),
        )
    store = _table(data, "store", path)
    rules = _table(data, "rules", path)
    deadline_data = _table(data, "deadlines", path)
    allowed = {f.name for f in fields(DeadlineConfig)}
    for name, value in deadline_data.items():
        if name not in allowed:
            raise UsageError(
                f"Clé inconnue deadlines.{name}",
                field=str(path),
                hint="clés possibles : " + ", ".join(sorted(allowed)),
            )
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise UsageError(
                f"deadlines.{name} doit être un nombre de jours positif", field=str(path)
            )
    plugins = _table(data, "plugins", path)
    disabled = plugins.get("disabled", [])
    if not isinstance(disabled, list) or not all(isinstance(x, str) for x in disabled):
        raise UsageError("plugins.disabled doit être une liste de noms", field=str(path))
    qualification = rules.get("qualification", False)
    if not isinstance(qualification, bool):
        raise UsageError("rules.qualification doit valoir true ou false", field=str(path))
    db = store.get("url", "")
    if not isinstance(db, str):
        raise UsageError("store.url doit être un chemin ou une URL", field=str(path))
    return Config(
        db=db,
        qualification=qualification,
        deadlines=DeadlineConfig(**deadline_data),
        disabled_plugins=tuple(disabled),
        plugin_settings=_table(data, "plugin", path),
        ui=_table(data, "ui", path),
        trust_bundle=_trust_bundle(_table(data, "signatures", path), path),
        path=path,
    )


def _trust_bundle(section: dict[str, Any], path: Path) -> tuple[Path, ...]:
    """[signatures] trust_bundle: one PEM file or a list of them, relative to the config file;
    each must exist and hold certificates (the signature verdicts depend on it)."""
    unknown = set(section) - {"trust_bundle"}
    if unknown:
        raise UsageError(
            f"Clé inconnue signatures.{sorted(unknown)[0]}",
            field=str(path),
            hint="clé possible : trust_bundle",
        )
    value = section.get("trust_bundle", [])
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) and x for x in items):
        raise UsageError(
            "signatures.trust_bundle doit être un chemin de fichier PEM ou une liste de chemins",
            field=str(path),
        )
    bundle = tuple(path.parent / Path(x).expanduser() for x in items)
    if bundle:
        from .documents.signature import TrustBundleError, load_trust_roots

        try:
            load_trust_roots(bundle)
        except TrustBundleError as exc:
            raise UsageError(
                f"signatures.trust_bundle : {exc.message}",
                field=str(path),
                hint="indiquez un fichier PEM de certificats racines (-----BEGIN CERTIFICATE-----)",
            ) from None
    return bundle


def _table(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise UsageError(f"[{name}] doit être une table TOML", field=str(path))
    return value


def write_config(config: dict[str, Any], path: Path | None = None) -> Path:
    import tomli_w

    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path
