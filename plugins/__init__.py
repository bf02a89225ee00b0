"""Bundled plugins (`decompte.plugins`), registered exactly like third-party ones.

The host finds them through the entry points of the ``decompte`` distribution (group
``decompte`` in pyproject.toml), never by importing this package by name. Each entry point's
name is the key of its ``[plugin.<name>]`` settings table and the word to put in
``[plugins] disabled`` to switch it off.
"""
