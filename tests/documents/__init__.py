"""Tests of sdk.documents (a package, so its conftest does not shadow tests/conftest.py)."""
