"""Every key binding of the app, as data: an id, default keys, an action and a French label.

The keys of the actions on a piece come from the core's table of actions
(`decompte.sdk.actions.PIECE_ACTIONS`: binding id, default key, label). Screens build their
`BINDINGS` from this table (`bindings("piece")`), the help screen lists
it, and the `[ui.keymap]` table of the TOML config remaps any binding by id::

    [ui.keymap]
    "piece.take" = "p"
    "app.quit" = ["ctrl+q", "f10"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding

from decompte.sdk.actions import PIECE_ACTIONS
from decompte.sdk.vocabulary import DOWNLOAD_LABEL


@dataclass(frozen=True, slots=True)
class KeySpec:
    id: str
    keys: str
    action: str
    description: str
    show: bool = True
    priority: bool = False

    @property
    def scope(self) -> str:
        return self.id.split(".", 1)[0]

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.description,
            show=self.show,
            priority=self.priority,
            id=self.id,
        )


SCOPES = {
    "app": "Partout",
    "main": "Espace « Factures de travaux »",
    "table": "Tableaux de pièces",
    "synthese": "Synthèse",
    "rechercher": "Rechercher",
    "deposer": "Déposer",
    "fiscale": "Liste fiscale",
    "archives": "Archives",
    "piece": "Fiche pièce",
    "dossier": "Dossier de facturation",
    "modal": "Fenêtres de confirmation",
    "login": "Connexion",
}

_SPECS: tuple[KeySpec, ...] = (
    KeySpec("app.help", "f1", "app.help", "Aide", priority=True),
    KeySpec("app.palette", "ctrl+p", "app.command_palette", "Commandes", priority=True),
    KeySpec("app.quit", "ctrl+q", "app.quit", "Quitter", priority=True),
    KeySpec("main.synthese", "f2", "goto('synthese')", "Synthèse", show=False),
    KeySpec("main.rechercher", "f3", "goto('rechercher')", "Rechercher", show=False),
    KeySpec("main.deposer", "f4", "goto('deposer')", "Déposer", show=False),
    KeySpec("main.tableau", "f5", "goto('tableau')", "Tableau de bord", show=False),
    KeySpec("main.fiscale", "f6", "goto('fiscale')", "Liste fiscale", show=False),
    KeySpec("main.archives", "f7", "goto('archives')", "Archives", show=False),
    KeySpec("main.identity_next", "f8", "identity_next", "Changer de structure"),
    KeySpec("main.identity_pick", "shift+f8", "identity_pick", "Choisir la structure", show=False),
    KeySpec("main.logout", "ctrl+l", "logout", "Se déconnecter", show=False),
    KeySpec("table.open", "enter", "open", "Ouvrir"),
    KeySpec("table.sort", "s", "sort", "Trier"),
    KeySpec("table.up", "up", "cursor(-1)", "Ligne précédente", show=False),
    KeySpec("table.down", "down", "cursor(1)", "Ligne suivante", show=False),
    KeySpec("table.page_up", "pageup", "page(-1)", "Page précédente", show=False),
    KeySpec("table.page_down", "pagedown", "page(1)", "Page suivante", show=False),
    KeySpec("table.first", "home", "jump(0)", "Première ligne", show=False),
    KeySpec("table.last", "end", "jump(-1)", "Dernière ligne", show=False),
    KeySpec("table.left", "left", "column(-1)", "Colonne précédente", show=False),
    KeySpec("table.right", "right", "column(1)", "Colonne suivante", show=False),
    KeySpec("synthese.export", "f9", "export", "Exporter (CSV)"),
    KeySpec("synthese.refresh", "ctrl+r", "reload", "Actualiser"),
    KeySpec("rechercher.search", "f9", "search", "Rechercher"),
    KeySpec("rechercher.reset", "ctrl+r", "reset", "Réinitialiser"),
    KeySpec("rechercher.advanced", "ctrl+t", "advanced", "Critères avancés"),
    KeySpec("deposer.submit", "f9,ctrl+s", "submit", "Valider et envoyer"),
    KeySpec("deposer.file", "ctrl+o", "pick_file", "Fichier"),
    KeySpec("deposer.structure", "ctrl+f", "find_structure", "Chercher une structure"),
    KeySpec("deposer.add_line", "ctrl+n", "add_line", "Ajouter un taux"),
    KeySpec("deposer.remove_line", "ctrl+b", "remove_line", "Retirer le taux", show=False),
    KeySpec("deposer.attach", "ctrl+t", "attach", "Pièce jointe"),
    KeySpec("deposer.reset", "ctrl+r", "reset", "Nouveau dépôt", show=False),
    KeySpec("fiscale.show", "f9", "show", "Afficher"),
    KeySpec("archives.open", "enter", "open", "Ouvrir le dossier"),
    KeySpec("archives.refresh", "ctrl+r", "reload", "Actualiser", show=False),
    *(KeySpec(a.binding, a.key, a.app_action, a.key_label) for a in PIECE_ACTIONS),
    KeySpec("piece.download", "d", "download", DOWNLOAD_LABEL),
    KeySpec("piece.dossier", "o", "dossier", "Dossier"),
    KeySpec("piece.reload", "ctrl+r", "reload", "Actualiser", show=False),
    KeySpec("piece.back", "escape", "back", "Retour"),
    KeySpec("dossier.open", "enter", "open", "Ouvrir la pièce"),
    KeySpec("dossier.back", "escape", "back", "Retour"),
    KeySpec("modal.confirm", "ctrl+s", "confirm", "Confirmer"),
    KeySpec("modal.cancel", "escape", "cancel", "Annuler"),
    KeySpec("login.submit", "enter", "submit", "Se connecter", show=False),
)

SPECS: dict[str, KeySpec] = {spec.id: spec for spec in _SPECS}


def bindings(*scopes: str) -> list[Binding]:
    """The `BINDINGS` of a screen or widget: the specs of the given scopes, in order."""
    return [spec.binding() for spec in _SPECS if spec.scope in scopes]


def binding(binding_id: str) -> Binding:
    return SPECS[binding_id].binding()


class KeymapError(ValueError):
    pass


def load_keymap(ui: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Read `[ui.keymap]`: returns the keymap for `App.set_keymap` and French warnings for
    entries that were ignored (unknown id, value that is not a key or a list of keys)."""
    raw = ui.get("keymap", {}) or {}
    warnings: list[str] = []
    if not isinstance(raw, Mapping):
        return {}, ["[ui.keymap] doit être une table : identifiant = touches"]
    keymap: dict[str, str] = {}
    for binding_id, value in raw.items():
        if binding_id not in SPECS:
            close = [s for s in SPECS if s.split(".")[-1] == str(binding_id).split(".")[-1]]
            hint = f" (vouliez-vous dire {close[0]} ?)" if close else ""
            warnings.append(f"Raccourci inconnu ignoré : {binding_id}{hint}")
            continue
        if isinstance(value, str) and value.strip():
            keys = [k.strip() for k in value.split(",") if k.strip()]
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(k, str) and k.strip() for k in value)
        ):
            keys = [k.strip() for k in value]
        else:
            warnings.append(
                f"[ui.keymap] {binding_id} : une touche ou une liste de touches est attendue"
            )
            continue
        keymap[binding_id] = ",".join(keys)
    return keymap, warnings


def effective_keys(binding_id: str, keymap: Mapping[str, str]) -> str:
    return keymap.get(binding_id, SPECS[binding_id].keys)
