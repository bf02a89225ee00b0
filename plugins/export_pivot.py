"""CPPFacturePivot-style XML, the flow the finance software of public bodies imports.

Structure: ``CPPFacturePivot / Enveloppe (parameters, partners) / CPPFactures[@Compteur] /
CPPFacturePivotUnitaire[@NumOrdre]`` with ``Fournisseur``, ``Debiteur``, ``DonneesFacture``
and, on request, the deposited file as ``PJ`` (base64). Written element by element: memory
stays flat. The code tables below are data **(verify)** against the published XSD
(CPPFacturePivot_V2_02.xsd), which is not shipped here.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, BinaryIO
from xml.sax.saxutils import escape, quoteattr

from decompte.sdk import (
    ExportContext,
    Exporter,
    ExportOption,
    ExportRow,
    Party,
    decimal_text,
    hookimpl,
)

#: Chorus Pro identifier type codes (verify).
IDENTIFIER_TYPES = {
    "SIRET": "1",
    "UE_HORS_FRANCE": "2",
    "HORS_UE": "3",
    "RIDET": "4",
    "TAHITI": "5",
    "AUTRE": "6",
    "PARTICULIER": "7",
}
PAYMENT_LABELS = {
    "VIREMENT": "Virement",
    "CHEQUE": "Chèque",
    "PRELEVEMENT": "Prélèvement",
    "ESPECE": "Espèces",
    "AUTRE": "Autre",
    "REPORT": "Report",
}
INVOICE_TYPE = "380"  # commercial invoice (UNTDID 1001)
MIME = {"pdf": "application/pdf", "xml": "application/xml"}


def _num(value: Decimal) -> str:
    return decimal_text(value, ".")


def _el(tag: str, value: object) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _party(tag: str, party: Party | None, name_tag: str, extra: str = "") -> str:
    if party is None:
        return ""
    return (
        f"<{tag}>{_el('TypeIdentifiant', IDENTIFIER_TYPES.get(party.identifier_type, '6'))}"
        f"{_el('Identifiant', party.identifier)}{_el(name_tag, party.name)}{extra}</{tag}>"
    )


class PivotExporter(Exporter):
    name = "pivot"
    label = "Flux XML CPPFacturePivot (logiciels financiers publics)"
    formats = ("xml",)
    needs_total = True  # CPPFactures/@Compteur comes before the invoices
    options = (
        ExportOption("encoding", str, "utf-8", "encodage", choices=("utf-8", "iso-8859-1")),
        ExportOption("schema", str, "CPPFacturePivot_V2_02.xsd", "schéma annoncé"),
        ExportOption("flow_id", str, "", "identifiant du flux (par défaut : date et structure)"),
        ExportOption("receiver_id", str, "", "identifiant du récepteur du flux"),
        ExportOption("include_files", bool, False, "joindre les fichiers déposés (base64)"),
        ExportOption("mode_emission", str, "PORTAIL", "mode d'émission déclaré (verify)"),
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
        iterator = iter(rows)
        pending = [first] if (first := next(iterator, None)) is not None else []
        total = getattr(rows, "total", None)  # counted by the source as it starts
        if total is None:
            pending += iterator
            total = len(pending)
        emitter = context.structure.identifier if context.structure else ""
        flow = o["flow_id"] or f"DECOMPTE-{emitter}-{context.today:%Y%m%d}"

        def put(text: str) -> None:
            out.write(text.encode(o["encoding"], "xmlcharrefreplace"))

        put(
            f'<?xml version="1.0" encoding="{o["encoding"].upper()}"?>\n'
            '<CPPFacturePivot xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f"xsi:noNamespaceSchemaLocation={quoteattr(o['schema'])}>"
            '<Enveloppe><EnveloppeUnitaire NumOrdre="1"><Parametres>'
            f'<ParametreIndiv NumOrdre="0001">{_el("Code", "DtPrd")}'
            f"{_el('Valeurparametre', context.today.isoformat())}</ParametreIndiv>"
            f'<ParametreIndiv NumOrdre="0002">{_el("Code", "IdFlx")}'
            f"{_el('Valeurparametre', flow)}</ParametreIndiv></Parametres>"
            f"<Partenaires><Recepteur>{_el('Id', o['receiver_id'])}</Recepteur>"
            f"<Emetteur>{_el('Id', emitter)}</Emetteur></Partenaires>"
            f'</EnveloppeUnitaire></Enveloppe>\n<CPPFactures Compteur="{total}">\n'
        )
        count = 0
        for count, row in enumerate(itertools.chain(pending, iterator), start=1):
            put(self._invoice(count, row, o, context))
        put("</CPPFactures></CPPFacturePivot>\n")
        return count

    def _invoice(self, n: int, row: ExportRow, o: Mapping[str, Any], context: ExportContext) -> str:
        bank = (
            (
                f'<ReferenceBancaire Type="IBAN">{_el("Compte", row.iban)}'
                f"{_el('Etablissement', row.bic)}</ReferenceBancaire>"
            )
            if row.iban
            else ""
        )
        supplier = _party(
            "Fournisseur",
            row.supplier,
            "RaisonSociale",
            f"{_el('CodePays', row.supplier.country)}{bank}"
            f"{_el('ModeEmission', o['mode_emission'])}",
        )
        service = _el("CodeService", row.service_code) if row.service_code else ""
        debtor = _party("Debiteur", row.recipient or row.moa, "Nom", service)
        vats = "".join(
            f"<TVA>{_el('Taux', _num(v.rate))}{_el('BaseHt', _num(v.base))}"
            f"{_el('MontantTVA', _num(v.amount))}</TVA>"
            for v in row.vat_lines
        )
        engagement = (
            f"<Engagement>{_el('NumeroEngagement', row.engagement)}"
            f"{_el('NumeroMarche', row.marche_number)}</Engagement>"
        )
        data = (
            f"<DonneesFacture>{_el('Id', row.number)}{_el('IdCPRO', row.certificate)}"
            f"{_el('Type', INVOICE_TYPE)}{_el('Cadre', row.cadre_short)}"
            f"{_el('DateEmissionFacture', row.issue_date.isoformat())}"
            f"{_el('DateReception', row.deposited_at.date().isoformat())}"
            f"<ModePaiement>{_el('Code', row.payment_mode)}"
            f"{_el('Libelle', PAYMENT_LABELS.get(row.payment_mode, row.payment_mode))}"
            f"</ModePaiement>{_el('Devise', row.currency)}"
            f"<Montants>{_el('MontantHT', _num(row.total_ht))}"
            f"{_el('MontantTTC', _num(row.total_ttc))}"
            f"{_el('MontantNetAPayer', _num(row.amount_due))}</Montants>"
            f"<TVAs>{vats}</TVAs>{engagement}</DonneesFacture>"
        )
        files = ""
        if o["include_files"] and row.file_sha256 and context.read_file is not None:
            ext = row.file_name.rsplit(".", 1)[-1].lower()
            content = base64.b64encode(context.read_file(row.file_sha256)).decode("ascii")
            files = (
                f'<PJ NumOrdre="1">{_el("Contenu", content)}{_el("NomPJ", row.file_name)}'
                f"{_el('TypePJ', '01')}"
                f"{_el('MimeTypePJ', MIME.get(ext, 'application/octet-stream'))}</PJ>"
            )
        return (
            f'<CPPFacturePivotUnitaire NumOrdre="{n}">{supplier}{debtor}{data}{files}'
            "</CPPFacturePivotUnitaire>\n"
        )


@hookimpl
def decompte_exporters() -> list[Exporter]:
    return [PivotExporter()]
