"""The configuration file: every unknown key, wrong type, value out of range or unusable
file is a named UsageError giving the key and the file; nothing is silently ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from decompte.sdk.config import MAX_DAYS, load_config
from decompte.sdk.errors import UsageError

BAD = [
    ("[store]\nurl = 3\n", "store.url", "type"),
    ("[store]\npath = 'x.db'\n", "store.path", "Clé inconnue"),
    ("[rules]\nqualification = 'oui'\n", "rules.qualification", "type"),
    ("[rules]\nstrict = true\n", "rules.strict", "Clé inconnue"),
    (
        "[deadlines]\nvalidator_days = 1000000000000\n",
        "deadlines.validator_days",
        "hors des bornes",
    ),
    ("[deadlines]\nmoe_days = -1\n", "deadlines.moe_days", "hors des bornes"),
    (f"[deadlines]\npayment_days = {MAX_DAYS + 1}\n", "deadlines.payment_days", "hors des bornes"),
    ("[deadlines]\nmoe_days = 7.5\n", "deadlines.moe_days", "type"),
    ("[deadlines]\nmoe_days = true\n", "deadlines.moe_days", "type"),
    ("[deadlines]\nmoe_days = '7'\n", "deadlines.moe_days", "type"),
    ("[deadlines]\nmoe_jours = 7\n", "deadlines.moe_jours", "Clé inconnue"),
    ("[plugins]\ndisabled = 'webhooks'\n", "plugins.disabled", "type"),
    ("[plugins]\ndisabled = [1]\n", "plugins.disabled", "type"),
    ("[plugins]\nenabled = []\n", "plugins.enabled", "Clé inconnue"),
    ("[ui]\ntheme = 3\n", "ui.theme", "type"),
    ("[ui]\ncursor_blink = 'yes'\n", "ui.cursor_blink", "type"),
    ("[ui]\nkeymap = 'x'\n", "ui.keymap", "type"),
    ("[ui]\ncouleur = 'rouge'\n", "ui.couleur", "Clé inconnue"),
    ("[ui]\nsweep_minutes = '15'\n", "ui.sweep_minutes", "un nombre attendu"),
    ("[ui]\nsweep_minutes = true\n", "ui.sweep_minutes", "type"),
    ("[ui]\nsweep_minutes = -1\n", "ui.sweep_minutes", "hors des bornes"),
    ("[ui]\nsweep_minutes = 1441\n", "ui.sweep_minutes", "hors des bornes"),
    ("[ui]\nsweep_minutes = nan\n", "ui.sweep_minutes", "hors des bornes"),
    ("[plugin]\nwebhooks = 3\n", "plugin.webhooks", "type"),
    ("store = 'x.db'\n", "[store]", "table"),
    ("[magasin]\nurl = 'x'\n", "[magasin]", "Section inconnue"),
    ("[store\nurl = 'x'\n", "--config", "Syntaxe TOML invalide ligne 1"),
    ("[store]\nurl = \n", "--config", "Syntaxe TOML invalide ligne 2"),
]


@pytest.mark.parametrize(("text", "key", "words"), BAD)
def test_bad_configuration_names_the_key_and_the_file(tmp_path, text, key, words):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as error:
        load_config(path)
    assert error.value.field == key
    assert words in error.value.message
    assert str(path) in error.value.message
    assert error.value.hint


def test_not_utf8_is_named(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"[ui]\ntheme = '\xff'\n")
    with pytest.raises(UsageError, match="UTF-8"):
        load_config(path)


def test_explicit_file_must_exist_and_be_a_file(tmp_path):
    with pytest.raises(UsageError, match="absent") as missing:
        load_config(tmp_path / "absent.toml")
    assert missing.value.field == "--config" and "absent.toml" in missing.value.message
    with pytest.raises(UsageError, match="dossier"):
        load_config(tmp_path)


def test_unreadable_file_is_named(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text("[ui]\n")

    def refused(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refused)  # root would read a 0000 file anyway
    with pytest.raises(UsageError, match="illisible") as error:
        load_config(path)
    assert error.value.field == "--config" and str(path) in error.value.message


def test_the_implicit_default_may_be_absent(monkeypatch, tmp_path):
    monkeypatch.setenv("DECOMPTE_CONFIG", str(tmp_path / "absent.toml"))
    assert load_config().deadlines.moe_days == 7


def test_a_valid_file_is_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        "[store]\nurl = 'x.db'\n[rules]\nqualification = true\n"
        f"[deadlines]\nvalidator_days = {MAX_DAYS}\nmoa_days = 0\n"
        "[plugins]\ndisabled = ['webhooks']\n[ui]\ntheme = 'nord'\n[ui.keymap]\n"
        "[plugin.webhooks]\nurl = 'https://exemple.fr'\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.db == "x.db" and config.qualification
    assert config.deadlines.validator_days == MAX_DAYS and config.deadlines.moa_days == 0
    assert config.disabled_plugins == ("webhooks",) and config.ui["theme"] == "nord"
    assert config.plugin_settings == {"webhooks": {"url": "https://exemple.fr"}}


def test_cli_names_a_missing_config_file(tmp_path, capsys):
    from decompte.sdk.cli import main

    assert main(["cadres", "--config", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert "--config" in err and "nope.toml" in err and "absent" in err
    assert Path(tmp_path / "nope.toml").exists() is False


def test_the_apps_sweep_interval_takes_minutes_whole_or_not(tmp_path):
    path = tmp_path / "config.toml"
    for value in ("0", "0.5", "15", "1440"):
        path.write_text(f"[ui]\nsweep_minutes = {value}\n", encoding="utf-8")
        assert load_config(path).ui["sweep_minutes"] == float(value)
