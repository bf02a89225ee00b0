"""FEC export (fichier des écritures comptables, art. A47 A-1 LPF) for supplier accounting.

One balanced entry per piece deposited by the supplier itself: client debited of the TTC
(after discount), discount debited, works revenue credited of the HT, VAT collected credited
per rate. 18 columns, ``|`` or tab, dates AAAAMMJJ, decimal comma, ISO-8859-15 by default,
file ``<SIREN>FEC<AAAAMMJJ>.txt`` (closing date of the fiscal year).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any, BinaryIO, TextIO

from decompte.sdk import (
    ExportContext,
    Exporter,
    ExportOption,
    ExportRow,
    Party,
    UsageError,
    hookimpl,
)
from decompte.sdk.export import Memo, decimal_text, first_unencodable, text_output, unencodable

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
SEPARATORS = {"|": "|", "tab": "\t"}
LINE_ENDS = {"crlf": "\r\n", "lf": "\n"}
_CLEAN = str.maketrans({"|": " ", "\t": " ", "\r": " ", "\n": " "})
_SEPARATOR = re.compile(r"[|\t\r\n]")


def clean(text: str) -> str:
    """A label without the field and record separators (then spaces collapsed)."""
    if _SEPARATOR.search(text) is None:
        return text
    return " ".join(text.translate(_CLEAN).split())


class FecExporter(Exporter):
    name = "fec"
    label = "Fichier des écritures comptables (FEC)"
    formats = ("txt",)
    default_role = "DEPOSANT"
    options = (
        ExportOption("separator", str, "|", "séparateur : | ou tab", choices=tuple(SEPARATORS)),
        ExportOption(
            "encoding",
            str,
            "iso-8859-15",
            "encodage du fichier",
            choices=("iso-8859-15", "utf-8", "ascii"),
        ),
        ExportOption("line_end", str, "crlf", "fin de ligne", choices=tuple(LINE_ENDS)),
        ExportOption("journal_code", str, "VT", "code du journal des ventes"),
        ExportOption("journal_label", str, "Ventes", "libellé du journal"),
        ExportOption("account_client", str, "411000", "compte client"),
        ExportOption("account_revenue", str, "704000", "compte de produits (travaux)"),
        ExportOption("account_vat", str, "445710", "compte de TVA collectée"),
        ExportOption("account_discount", str, "709000", "compte des remises accordées"),
        ExportOption("siren", str, "", "SIREN du nom de fichier (par défaut : la structure)"),
        ExportOption(
            "closing_date",
            date,
            None,
            "date de clôture de l'exercice (par défaut : le 31/12 de l'année)",
        ),
        ExportOption("first_number", int, 1, "numéro de la première écriture"),
        ExportOption("include_refused", bool, False, "inclure les pièces refusées"),
    )

    def file_name(self, fmt: str, options: Mapping[str, Any], context: ExportContext) -> str:
        siren = options["siren"]
        if not siren and context.structure is not None:
            siren = context.structure.identifier[:9]
        closing = options["closing_date"] or date(context.today.year, 12, 31)
        return f"{siren}FEC{closing:%Y%m%d}.txt"

    def write(
        self,
        rows: Iterable[ExportRow],
        out: BinaryIO,
        fmt: str,
        options: Mapping[str, Any],
        context: ExportContext,
    ) -> int:
        with text_output(out, options["encoding"]) as text:
            return self._write(text, rows, options, context)

    def _write(
        self, text: TextIO, rows: Iterable[ExportRow], o: Mapping[str, Any], context: ExportContext
    ) -> int:
        sep, eol, encoding = SEPARATORS[o["separator"]], LINE_ENDS[o["line_end"]], o["encoding"]
        journal = f"{clean(o['journal_code'])}{sep}{clean(o['journal_label'])}"
        documents = {c.code: c.document for c in context.cadres or ()}
        ymd = Memo(_ymd).__getitem__  # a few hundred distinct days
        clients = Memo(partial(_client_text, sep), {None: sep})  # no client: 2 empty columns
        text.write(sep.join(COLUMNS) + eol)
        number, written = o["first_number"], 0
        lines: list[str] = []  # a batch of entries, written together
        entries: list[int] = []  # the entry of each line, to name it in an encoding error
        for row in rows:
            if row.depositor.id != row.supplier.id:
                continue  # pieces of the MOE / MOA are not the supplier's sales
            if row.state.startswith("REFUSEE") and not o["include_refused"]:
                continue
            if row.currency != "EUR":
                raise UsageError(
                    f"Pièce n° {row.number} en {row.currency} : le FEC exige des montants en euros",
                    field="currency",
                    hint="exportez-la à part avec son taux de change",
                )
            day = ymd(row.issue_date)
            label = clean(
                f"{documents.get(row.cadre, row.cadre_short)} {row.number} "
                f"marché {row.marche_number}"
            )
            head = f"{journal}{sep}{number}{sep}{day}{sep}"
            tail = f"{sep}{clean(row.number)}{sep}{day}{sep}{label}{sep}"
            end = f"{sep}{sep}{sep}{ymd(row.deposited_at.date())}{sep}{sep}"
            client = clients[row.recipient or row.moa]
            for account, account_label, is_client, debit, amount in _postings(row, o):
                if not amount:
                    continue
                if amount < 0:
                    debit, amount = not debit, -amount
                value = decimal_text(amount)
                lines.append(
                    f"{head}{account}{sep}{account_label}{sep}{client if is_client else sep}"
                    f"{tail}{value if debit else '0,00'}{sep}{'0,00' if debit else value}{end}"
                )
                entries.append(number)
            number += 1
            written += 1
            if len(lines) >= _BATCH:
                _flush(text, lines, entries, sep, eol, encoding)
        _flush(text, lines, entries, sep, eol, encoding)
        return written


_BATCH = 2000


def _flush(
    text: TextIO, lines: list[str], entries: list[int], sep: str, eol: str, encoding: str
) -> None:
    """Write the batch; if a character cannot be encoded, write the entries before it and
    name the piece, the column and the character."""
    try:
        text.write(eol.join(lines) + eol if lines else "")
    except UnicodeEncodeError:
        bad = entries[first_unencodable(lines, encoding)]
        first = entries.index(bad)  # whole entries only, never half of one
        text.write("".join(line + eol for line in lines[:first]))
        cells = [
            line.split(sep) for line, entry in zip(lines, entries, strict=True) if entry == bad
        ]
        columns = dict(zip(COLUMNS, zip(*cells, strict=True), strict=True))
        raise unencodable(
            {c: " ".join(v) for c, v in columns.items()}, encoding, f"Pièce n° {cells[0][8]}"
        ) from None
    lines.clear()
    entries.clear()


def _client_text(sep: str, client: Party) -> str:
    """CompAuxNum and CompAuxLib of a client (recipient, else MOA), cleaned."""
    return f"{clean(client.identifier)}{sep}{clean(client.name)}"


def _postings(row: ExportRow, o: Mapping[str, Any]) -> list[tuple[str, str, bool, bool, Decimal]]:
    """(account, account label, on the client's auxiliary account?, debit?, amount)."""
    postings = [
        (o["account_client"], "Clients", True, True, row.total_ttc - row.discount_ttc),
        (
            o["account_discount"],
            "Rabais, remises et ristournes accordés",
            False,
            True,
            row.discount_ttc,
        ),
        (o["account_revenue"], "Travaux", False, False, row.total_ht),
    ]
    if not row.vat_lines:
        postings.append((o["account_vat"], "TVA collectée", False, False, row.total_vat))
    for line in row.vat_lines:
        postings.append(
            (
                o["account_vat"],
                _vat_label(line.rate),
                False,
                False,
                line.amount,
            )
        )
    return postings


@lru_cache(maxsize=64)
def _vat_label(rate: Decimal) -> str:
    """« TVA collectée 5,5 % »: a handful of rates per export."""
    return f"TVA collectée {decimal_text(rate.normalize())} %"


def _ymd(day: date) -> str:
    """AAAAMMJJ."""
    return f"{day:%Y%m%d}"


@hookimpl
def decompte_exporters() -> list[Exporter]:
    return [FecExporter()]
