"""CSV export in the French office dialect: ``;``, decimal comma, cp1252, CRLF, dates
JJ/MM/AAAA; every part configurable. A character the encoding cannot hold stops the export
with the piece, the column and the character named.

Rows are formatted a batch at a time, column by column: each column is one chain of C-level
`map` calls over the batch (attribute, then a cache of texts for dates, parties, states), so
a cell costs no Python call. A batch where some cell needs quoting goes through `csv.writer`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from itertools import islice
from operator import attrgetter, methodcaller
from typing import Any, BinaryIO, TextIO

from decompte.sdk import ExportContext, Exporter, ExportOption, ExportRow, UsageError, hookimpl
from decompte.sdk.export import Memo, decimal_text, first_unencodable, text_output, unencodable
from decompte.sdk.states import label as state_label

#: key -> (French header, attribute path, kind). Kinds: text, amount, date, instant (a
#: datetime written as its day), state (its French label), cadre (its short code).
COLUMNS: dict[str, tuple[str, str, str]] = {
    "number": ("Numéro", "number", "text"),
    "cadre": ("Cadre", "cadre", "cadre"),
    "marche": ("Numéro de marché", "marche_number", "text"),
    "dossier": ("Dossier de facturation", "dossier_number", "text"),
    "issue_date": ("Date de la pièce", "issue_date", "date"),
    "due_date": ("Date d'échéance", "due_date", "date"),
    "deposited_at": ("Date de dépôt", "deposited_at", "instant"),
    "currency": ("Devise", "currency", "text"),
    "total_ht": ("Montant HT", "total_ht", "amount"),
    "total_vat": ("TVA", "total_vat", "amount"),
    "total_ttc": ("Montant TTC", "total_ttc", "amount"),
    "discount_ttc": ("Remise TTC", "discount_ttc", "amount"),
    "prepaid": ("Déjà payé", "prepaid", "amount"),
    "amount_due": ("Montant à payer", "amount_due", "amount"),
    "supplier_id": ("Identifiant fournisseur", "supplier.identifier", "text"),
    "supplier": ("Fournisseur", "supplier.name", "text"),
    "recipient_id": ("Identifiant destinataire", "recipient.identifier", "text"),
    "recipient": ("Destinataire", "recipient.name", "text"),
    "moe": ("Maîtrise d'œuvre", "moe.name", "text"),
    "moa": ("Maîtrise d'ouvrage", "moa.name", "text"),
    "engagement": ("Numéro d'engagement", "engagement", "text"),
    "service_code": ("Code service", "service_code", "text"),
    "state": ("État courant", "state", "text"),
    "state_label": ("Libellé de l'état", "state", "state"),
    "state_date": ("Date de l'état", "state_date", "date"),
    "certificate": ("Certificat de dépôt", "certificate", "text"),
}
DELIMITERS = {";": ";", ",": ",", "tab": "\t", "|": "|"}
LINE_ENDS = {"crlf": "\r\n", "lf": "\n"}
_BATCH = 1000


def _columns(value: list[str]) -> str:
    unknown = [c for c in value if c not in COLUMNS]
    return (
        f"colonnes inconnues : {', '.join(unknown)} (colonnes : {', '.join(COLUMNS)})"
        if unknown
        else ("" if value else "au moins une colonne")
    )


class CsvExporter(Exporter):
    name = "csv"
    label = "Tableur (CSV, dialecte bureautique français)"
    formats = ("csv",)
    needs_vat_lines = False  # one line per piece, its totals only
    options = (
        ExportOption("delimiter", str, ";", "séparateur de champs", choices=tuple(DELIMITERS)),
        ExportOption("decimal_mark", str, ",", "séparateur décimal", choices=(",", ".")),
        ExportOption(
            "encoding",
            str,
            "cp1252",
            "encodage",
            choices=("cp1252", "utf-8-sig", "utf-8", "iso-8859-15"),
        ),
        ExportOption("line_end", str, "crlf", "fin de ligne", choices=tuple(LINE_ENDS)),
        ExportOption("date_format", str, "%d/%m/%Y", "format des dates (strftime)"),
        ExportOption("columns", list, list(COLUMNS), "colonnes, dans l'ordre", check=_columns),
        ExportOption("header", bool, True, "écrire la ligne d'en-tête"),
    )

    def write(
        self,
        rows: Iterable[ExportRow],
        out: BinaryIO,
        fmt: str,
        options: Mapping[str, Any],
        context: ExportContext,
    ) -> int:
        o = options
        delimiter, mark, encoding = DELIMITERS[o["delimiter"]], o["decimal_mark"], o["encoding"]
        if delimiter == mark:
            raise UsageError(
                "Le séparateur de champs et le séparateur décimal sont identiques",
                field="delimiter",
                hint="choisissez ; avec la virgule décimale",
            )
        keys = list(o["columns"])
        headers = [COLUMNS[k][0] for k in keys]
        columns = [_column(key, mark, o["date_format"]) for key in keys]
        eol, cells = LINE_ENDS[o["line_end"]], len(keys)
        lines: list[str] = []  # the batch's lines, as written to the stream
        writer = csv.writer(_Sink(lines.append), delimiter=delimiter, lineterminator=eol)
        count = 0
        with text_output(out, encoding) as stream:
            numbers = [""] if o["header"] else []  # each line's piece, to name it in an error
            if o["header"]:
                writer.writerow(headers)
            for batch in _batches(rows):
                numbers += [row.number for row in batch]
                table = list(zip(*(column(batch) for column in columns), strict=True))
                plain = _plain_lines(table, delimiter, cells)
                if plain is None:
                    for values in table:
                        writer.writerow(values)  # quoting as the csv module does it
                else:
                    lines += [line + eol for line in plain]
                try:
                    stream.write("".join(lines))
                except UnicodeEncodeError:
                    raise _refusal(stream, lines, numbers, headers, delimiter, encoding) from None
                count += len(batch)
                lines.clear()
                numbers = []
            if lines:  # the header of an export without rows
                stream.write("".join(lines))
        return count


def _batches(rows: Iterable[ExportRow]) -> Iterator[list[ExportRow]]:
    it = iter(rows)
    while batch := list(islice(it, _BATCH)):
        yield batch


def _plain_lines(table: list[tuple[Any, ...]], delimiter: str, cells: int) -> list[str] | None:
    """The rows joined, when no cell is None or needs quoting (holds the delimiter, a quote or
    a line break); else None. One column goes through csv.writer: it quotes an empty cell,
    which a plain empty line would lose."""
    if cells == 1:
        return None
    try:
        lines = [delimiter.join(values) for values in table]
    except TypeError:  # a None among the values
        return None
    text = "\n".join(lines)
    if text.count(delimiter) != (cells - 1) * len(lines) or text.count("\n") != len(lines) - 1:
        return None
    return None if '"' in text or "\r" in text else lines


class _Sink:
    """What csv.writer writes to: here, the batch of lines."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write


def _refusal(
    stream: TextIO,
    lines: list[str],
    numbers: list[str],
    headers: list[str],
    delimiter: str,
    encoding: str,
) -> UsageError:
    """Write the lines before the first one the encoding cannot hold; name its piece,
    column and character."""
    n = first_unencodable(lines, encoding)
    stream.write("".join(lines[:n]))  # whole lines only, never half a piece
    cells = next(csv.reader([lines[n]], delimiter=delimiter))
    where = f"Pièce n° {numbers[n]}" if numbers[n] else "En-tête"
    return unencodable(dict(zip(headers, cells, strict=True)), encoding, where)


def _texts(compute: Callable[[Any], str]) -> Callable[[Any], str]:
    """A cell's text computed once per distinct value (days, parties, states, cadres); an
    absent value (no MOE, no due date) is an empty cell."""
    return Memo(compute, {None: ""}).__getitem__


def _column(key: str, mark: str, day_format: str) -> Callable[[list[ExportRow]], Iterable[Any]]:
    """The function that gives a batch's cells for one column."""
    _, path, kind = COLUMNS[key]
    top, _, attribute = path.partition(".")
    get = attrgetter(top)
    if attribute:  # a party's identifier or name
        texts = _texts(attrgetter(attribute))
        return lambda batch: map(texts, map(get, batch))
    if kind == "amount":
        return lambda batch: _amounts(map(get, batch), mark)
    if kind in ("date", "instant"):
        days = _texts(methodcaller("strftime", day_format))
        if kind == "date":
            return lambda batch: map(days, map(get, batch))
        to_day = methodcaller("date")  # a cache of days, not of instants
        return lambda batch: map(days, map(to_day, map(get, batch)))
    if kind in ("state", "cadre"):
        texts = _texts(state_label if kind == "state" else _cadre_short)
        return lambda batch: map(texts, map(get, batch))
    return lambda batch: map(get, batch)


def _amounts(values: Iterable[Decimal], mark: str) -> list[str]:
    """'1234,50' for each amount: joined, the decimal point replaced once, split again."""
    values = list(values)
    text = "\x00".join(map(str, values))
    if "E" in text:  # Decimal("2E+1") and the like: the slow, exact way
        return [decimal_text(value, mark) for value in values]
    return text.replace(".", mark).split("\x00") if values else []


def _cadre_short(code: str) -> str:
    return code.split("_", 1)[0]


@hookimpl
def decompte_exporters() -> list[Exporter]:
    return [CsvExporter()]
