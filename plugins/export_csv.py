"""CSV export in the French office dialect: ``;``, decimal comma, cp1252, CRLF, dates
JJ/MM/AAAA; every part configurable. A character the encoding cannot hold stops the export
with the piece, the column and the character named.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from operator import attrgetter
from typing import Any, BinaryIO

from sdk import ExportContext, Exporter, ExportOption, ExportRow, UsageError, hookimpl
from sdk.export import text_output, unencodable
from sdk.states import label as state_label

#: key -> (French header, attribute path, kind). Kinds: text, amount, date, state.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "number": ("Numéro", "number", "text"),
    "cadre": ("Cadre", "cadre_short", "text"),
    "marche": ("Numéro de marché", "marche_number", "text"),
    "dossier": ("Dossier de facturation", "dossier_number", "text"),
    "issue_date": ("Date de la pièce", "issue_date", "date"),
    "due_date": ("Date d'échéance", "due_date", "date"),
    "deposited_at": ("Date de dépôt", "deposited_at", "date"),
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
_QUOTED = re.compile(r'["\r\n]')  # a value with these (or the delimiter) needs quotes


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
        paths = [COLUMNS[k][1] for k in keys]
        getter = attrgetter(*paths)  # C speed: one tuple of raw values per row
        fetch = getter if len(paths) > 1 else lambda row: (getter(row),)
        convert = [
            (i, _converter(COLUMNS[k][2], mark, o["date_format"]))
            for i, k in enumerate(keys)
            if COLUMNS[k][2] != "text"
        ]
        eol, last, fast = LINE_ENDS[o["line_end"]], len(keys) - 1, len(keys) > 1
        count = 0
        with text_output(out, encoding) as stream:
            writer = csv.writer(stream, delimiter=delimiter, lineterminator=eol)
            if o["header"]:
                writer.writerow(headers)
            for row in rows:
                try:
                    values = list(fetch(row))
                except AttributeError:  # a party absent (no MOE…): its cells stay empty
                    values = [_follow(row, path) for path in paths]
                for i, conv in convert:
                    values[i] = conv(values[i])
                try:
                    line = fast and None not in values and delimiter.join(values)
                    if line and line.count(delimiter) == last and not _QUOTED.search(line):
                        stream.write(line + eol)  # nothing to quote: skip the csv module
                    else:
                        writer.writerow(values)
                except UnicodeEncodeError:
                    cells = {
                        h: "" if v is None else str(v) for h, v in zip(headers, values, strict=True)
                    }
                    raise unencodable(cells, encoding, f"Pièce n° {row.number}") from None
                count += 1
        return count


def _follow(row: ExportRow, path: str) -> Any:
    head, _, attribute = path.partition(".")
    value = getattr(row, head)
    if attribute:
        return "" if value is None else getattr(value, attribute)
    return value


def _converter(kind: str, mark: str, day_format: str) -> Callable[[Any], str]:
    if kind == "amount":
        if mark == ".":
            return lambda value: format(value, "f")
        return lambda value: format(value, "f").replace(".", mark)
    if kind == "state":
        return state_label
    days: dict[date, str] = {}

    def day(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.date()  # a cache of days, not of instants
        text = days.get(value)
        if text is None:
            text = days[value] = value.strftime(day_format)
        return text

    return day


@hookimpl
def decompte_exporters() -> list[Exporter]:
    return [CsvExporter()]
