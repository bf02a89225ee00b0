"""Bundled plugins, registered exactly like third-party ones (hooks from `sdk.hookspecs`).

`BUNDLED` maps each plugin name to its module; pyproject.toml declares the same pairs in
the entry-point group ``decompte``. The name is the key of its ``[plugin.<name>]`` settings
table and the word to put in ``[plugins] disabled`` to switch it off.
"""

BUNDLED: dict[str, str] = {
    "rules": "plugins.builtin_rules",
    "cadres": "plugins.builtin_cadres",
    "fec": "plugins.export_fec",
    "csv": "plugins.export_csv",
    "pivot": "plugins.export_pivot",
    "webhooks": "plugins.webhooks:WebhooksPlugin",
}
