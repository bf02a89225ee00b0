"""Helpers for exporters: decimals as text, a strict text stream over the binary output,
the clear error for a character the encoding lacks, a memo for repeated values, and the
parsing of an exporter's options (`--option clé=valeur`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, BinaryIO, TypeVar

from .errors import UsageError
from .export_records import Exporter
from .pluginapi import check_settings

K = TypeVar("K")
V = TypeVar("V")


def decimal_text(value: Decimal, mark: str = ",") -> str:
    """'1234,50': no thousands separator, never an exponent, the decimals kept as stored."""
    text = str(value)  # four times faster than format(value, "f"), the same for amounts
    if "E" in text:
        text = format(value, "f")  # Decimal("2E+1") and the like
    return text.replace(".", mark) if mark != "." else text


@contextmanager
def text_output(out: BinaryIO, encoding: str) -> Iterator[io.TextIOWrapper]:
    """Text over a binary stream, strict encoding, no newline translation; the stream is
    left open (the wrapper is detached, not closed)."""
    text = io.TextIOWrapper(out, encoding=encoding, errors="strict", newline="")
    try:
        yield text
        text.flush()
    finally:
        text.detach()


def unencodable(values: Mapping[str, str], encoding: str, where: str) -> UsageError:
    """The clear error for a value the output encoding cannot hold."""
    for column, text in values.items():
        try:
            text.encode(encoding)
        except UnicodeEncodeError as exc:
            char = text[exc.start]
            return UsageError(
                f"{where}, colonne {column} : le caractère « {char} » (U+{ord(char):04X}) "
                f"n'existe pas dans l'encodage {encoding}",
                field="encoding",
                hint="choisissez un encodage qui le contient (utf-8-sig par exemple) "
                "ou corrigez la donnée",
            )
    return UsageError(f"{where} : valeur impossible à encoder en {encoding}", field="encoding")


def first_unencodable(lines: Sequence[str], encoding: str) -> int:
    """Index of the first line the encoding cannot hold (one of them is known not to fit):
    an exporter writes the lines before it, whole, then names what stopped it."""
    for n, line in enumerate(lines):
        try:
            line.encode(encoding)
        except UnicodeEncodeError:
            return n
    raise ValueError("every line fits the encoding")


class Memo(dict[K, V]):
    """`compute(key)` once per distinct key, then a C-level dict lookup: an export repeats
    the same few hundred days, parties, states and rates over thousands of rows."""

    def __init__(self, compute: Callable[[K], V], preset: Mapping[K, V] | None = None) -> None:
        super().__init__(preset or {})
        self.compute = compute

    def __missing__(self, key: K) -> V:
        self[key] = value = self.compute(key)
        return value


def option_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``["separator=tab", "journal_code=VT"]`` (``--option`` on the command line) to a dict."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"Option mal formée : {pair}",
                field="--option",
                hint="écrivez CLÉ=VALEUR, par exemple separator=tab",
            )
        options[key.strip()] = value.strip()
    return options


def parse_options(exporter: Exporter, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check an exporter's options (strings from the command line or typed values)."""
    values, problems = check_settings(exporter.name, exporter.options, dict(raw or {}))
    if problems:
        allowed = ", ".join(o.name for o in exporter.options) or "aucune"
        message = "; ".join(p.replace(f"plugin.{exporter.name}.", "option ") for p in problems)
        raise UsageError(message, field="options", hint=f"options de {exporter.name} : {allowed}")
    return values
