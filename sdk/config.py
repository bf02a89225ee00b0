"""Configuration: a TOML file in the platformdirs config folder, validated with clear errors.

Each section has one small validator (`SECTIONS`): unknown keys, wrong types and values out
of range are refused with the key (`deadlines.validator_days`) and the file, never ignored.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .deadlines import DeadlineConfig
from .errors import UsageError
from .late_payment import EcbRate, LatePaymentConfig
from .private_paths import private_dir
from .text_safety import printable

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
    late_payment: LatePaymentConfig = field(default_factory=LatePaymentConfig)
    disabled_plugins: tuple[str, ...] = ()
    plugin_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    ui: dict[str, Any] = field(default_factory=dict)
    trust_bundle: tuple[Path, ...] = ()  # [signatures] PEM files of the trusted root certificates
    path: Path | None = None

    @property
    def db_target(self) -> str:
        return self.db or str(default_db_path())


#: The longest delay a `[deadlines]` key may hold, in days (ten years).
MAX_DAYS = 3650
#: The `[ui]` keys the app reads, and the TOML type each must have.
UI_KEYS: dict[str, type | tuple[type, ...]] = {
    "theme": str,
    "cursor_blink": bool,
    "animations": bool,
    "structure": str,
    "keymap": dict,
    "download_dir": str,
    "export_dir": str,
    "files_dir": str,
    "sweep_minutes": (int, float),  # the app's deadline sweep timer; 0: never
}
#: The longest interval of the app's deadline sweep, in minutes (a day).
MAX_SWEEP_MINUTES = 1440
_TYPE_NAMES = {
    str: "un texte",
    bool: "true ou false",
    dict: "une table",
    int: "un nombre",
    float: "un nombre",
    list: "une liste",
}


class _Where:
    """The file being read, so that each error names it with the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, key: str, message: str, hint: str = "") -> UsageError:
        return UsageError(
            f"{message} (fichier {printable(str(self.path))})",
            field=key,
            hint=hint or f"corrigez {key} dans ce fichier",
        )

    def known(self, section: str, table: dict[str, Any], allowed: Iterable[str]) -> None:
        allowed = sorted(allowed)
        for key in table:
            if key not in allowed:
                raise self.error(
                    f"{section}.{printable(key)}",
                    "Clé inconnue",
                    "clés possibles : " + ", ".join(allowed),
                )

    def typed(self, key: str, value: Any, kind: type | tuple[type, ...]) -> Any:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wrong_bool = isinstance(value, bool) and bool not in kinds
        if not isinstance(value, kinds) or wrong_bool:
            wanted = " ou ".join(dict.fromkeys(_TYPE_NAMES.get(k, k.__name__) for k in kinds))
            raise self.error(key, f"Valeur de type inattendu : {wanted} attendu")
        return value


# One small validator per section: the section's table in, `Config` keywords out.


def _store(table: dict[str, Any], where: _Where) -> dict[str, Any]:
    where.known("store", table, ["url"])
    return {"db": where.typed("store.url", table.get("url", ""), str)}


def _rules(table: dict[str, Any], where: _Where) -> dict[str, Any]:
    where.known("rules", table, ["qualification"])
    return {
        "qualification": where.typed("rules.qualification", table.get("qualification", False), bool)
    }


def _deadlines(table: dict[str, Any], where: _Where) -> dict[str, Any]:
    where.known("deadlines", table, [f.name for f in fields(DeadlineConfig)])
    for name, value in table.items():
        key = f"deadlines.{name}"
        if not 0 <= where.typed(key, value, int) <= MAX_DAYS:
            raise where.error(
                key,
                f"Délai hors des bornes : {value} jours",
                f"un nombre de jours de 0 à {MAX_DAYS}",
            )
    return {"deadlines": DeadlineConfig(**table)}


def _percent(where: _Where, key: str, value: Any, high: Decimal) -> Decimal:
    """A rate or an amount written as a TOML number or text ("2.15"), from 0 to `high`."""
    where.typed(key, value, (str, int, float))
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not 0 <= number <= high:
        raise where.error(key, f"Valeur invalide : {printable(str(value))}", f"de 0 à {high}")
    return number


def _late_payment(table: dict[str, Any], where: _Where) -> dict[str, Any]:
    """`ecb_rates`: the ECB main refinancing rate table, each row `{ from = 2025-06-11,
    rate = "2.15" }` (a TOML date, a percent), replacing the built-in one; `margin`: the
    points added (8); `indemnity`: the flat indemnity in euros (40)."""
    where.known("late_payment", table, ["ecb_rates", "margin", "indemnity"])
    default = LatePaymentConfig()
    rates = default.ecb_rates
    if "ecb_rates" in table:
        key = "late_payment.ecb_rates"
        rows = where.typed(key, table["ecb_rates"], list)
        if not rows:
            raise where.error(key, "Table des taux BCE vide", "au moins une ligne")
        found: dict[date, Decimal] = {}
        for row in rows:
            where.typed(key, row, dict)
            where.known(key, row, ["from", "rate"])
            start = row.get("from")
            if not isinstance(start, date) or isinstance(start, datetime):
                raise where.error(key, "Date attendue dans « from »", "ex. from = 2025-06-11")
            if start in found:
                raise where.error(key, f"Date en double : {start:%d/%m/%Y}")
            found[start] = _percent(where, key, row.get("rate", ""), Decimal(100))
        rates = tuple(EcbRate(day, rate) for day, rate in sorted(found.items()))
    return {
        "late_payment": LatePaymentConfig(
            ecb_rates=rates,
            margin=_percent(where, "late_payment.margin", table.get("margin", "8"), Decimal(100)),
            indemnity=_percent(
                where, "late_payment.indemnity", table.get("indemnity", "40"), Decimal(100000)
            ),
        )
    }


def _plugins(table: dict[str, Any], where: _Where) -> dict[str, Any]:
    where.known("plugins", table, ["disabled"])
    disabled = where.typed("plugins.disabled", table.get("disabled", []), list)
    for name in disabled:
        where.typed("plugins.disabled", name, str)
    return {"disabled_plugins": tuple(disabled)}


def _ui(table: dict[str, Any], where: _Where) -> dict[str, Any]:
    where.known("ui", table, UI_KEYS)
    for name, value in table.items():
        where.typed(f"ui.{name}", value, UI_KEYS[name])
    if not 0 <= table.get("sweep_minutes", 0) <= MAX_SWEEP_MINUTES:
        raise where.error(
            "ui.sweep_minutes",
            f"Intervalle hors des bornes : {table['sweep_minutes']} minutes",
            f"un nombre de minutes de 0 (jamais) à {MAX_SWEEP_MINUTES}",
        )
    return {"ui": table}


def _plugin(table: dict[str, Any], where: _Where) -> dict[str, Any]:
    """`[plugin.NAME]` tables: each plugin's host checks its keys against its settings."""
    for name, settings in table.items():
        where.typed(f"plugin.{printable(name)}", settings, dict)
    return {"plugin_settings": table}


def _signatures(table: dict[str, Any], where: _Where) -> dict[str, Any]:
    """`trust_bundle`: one PEM file or a list of them, relative to the config file; each must
    exist and hold certificates (the signature verdicts depend on it)."""
    where.known("signatures", table, ["trust_bundle"])
    value = table.get("trust_bundle", [])
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) and x for x in items):
        raise where.error(
            "signatures.trust_bundle",
            "Un chemin de fichier PEM ou une liste de chemins est attendu",
        )
    bundle = tuple(where.path.parent / Path(x).expanduser() for x in items)
    if bundle:
        from .documents.signature import TrustBundleError, load_trust_roots

        try:
            load_trust_roots(bundle)
        except TrustBundleError as exc:
            raise where.error(
                "signatures.trust_bundle",
                exc.message,
                "indiquez un fichier PEM de certificats racines (-----BEGIN CERTIFICATE-----)",
            ) from None
    return {"trust_bundle": bundle}


#: The sections a configuration file may hold, each with its validator.
SECTIONS: dict[str, Callable[[dict[str, Any], _Where], dict[str, Any]]] = {
    "store": _store,
    "rules": _rules,
    "deadlines": _deadlines,
    "late_payment": _late_payment,
    "plugins": _plugins,
    "ui": _ui,
    "plugin": _plugin,
    "signatures": _signatures,
}


def load_config(path: Path | None = None) -> Config:
    """Read the configuration: the default file (`None`) may be absent, a file named
    explicitly must exist; a syntax error, an unknown key, a wrong type or a value out of
    range is named with its key and the file."""
    explicit = path is not None
    path = path or config_path()
    where = _Where(path)
    if not explicit and not path.exists():
        return Config(path=path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise where.error(
            "--config", "Fichier de configuration absent", "indiquez un fichier existant"
        ) from None
    except IsADirectoryError:
        raise where.error(
            "--config", "Ce chemin est un dossier", "indiquez un fichier TOML"
        ) from None
    except OSError:
        raise where.error(
            "--config", "Fichier de configuration illisible", "vérifiez ses droits de lecture"
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise where.error(
            "--config", "Fichier de configuration illisible : il n'est pas en UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise where.error("--config", _syntax_error(exc), "corrigez la syntaxe TOML") from None
    unknown = [name for name in data if name not in SECTIONS]
    if unknown:
        raise where.error(
            f"[{printable(unknown[0])}]",
            "Section inconnue",
            "sections possibles : " + ", ".join(f"[{name}]" for name in SECTIONS),
        )
    settings: dict[str, Any] = {}
    for name, validate in SECTIONS.items():
        table = data.get(name, {})
        if not isinstance(table, dict):
            raise where.error(f"[{name}]", "Cette section doit être une table TOML")
        settings.update(validate(table, where))
    return Config(path=path, **settings)


def _syntax_error(exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's message is English: only the place is kept."""
    place = re.search(r"at line (\d+), column (\d+)", str(exc))
    if place:
        return f"Syntaxe TOML invalide ligne {place[1]}, colonne {place[2]}"
    return "Syntaxe TOML invalide" + (" en fin de fichier" if "end of document" in str(exc) else "")


def write_config(config: dict[str, Any], path: Path | None = None) -> Path:
    import tomli_w

    path = path or config_path()
    private_dir(path.parent)
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path
