"""CPPFacturePivot-style XML: well-formed, counter and order numbers, every field in its
place, amounts with a dot, ISO dates, escaping, files in base64 on request."""

from __future__ import annotations

import base64
import dataclasses
import io
import xml.etree.ElementTree as ET
from decimal import Decimal as D

from plugin_rows import CONTEXT, make_row

from decompte.plugins.export_pivot import PivotExporter
from decompte.sdk.export import Party, parse_options
from decompte.sdk.model import Address, IdentifierType, RoutingMode, Structure

PIVOT = PivotExporter()
ME = Structure(
    2,
    "21450123100010",
    IdentifierType.SIRET,
    "COMMUNE",
    "",
    Address(),
    True,
    True,
    RoutingMode.NONE,
)


def export(rows, context=CONTEXT, **options) -> ET.Element:
    out = io.BytesIO()
    count = PIVOT.write(rows, out, "xml", parse_options(PIVOT, options), context)
    root = ET.fromstring(out.getvalue())
    assert count == len(root.findall("CPPFactures/CPPFacturePivotUnitaire"))
    return root


class Counted(list):
    total = None


def test_structure_and_fields_of_the_flow():
    context = dataclasses.replace(CONTEXT, structure=ME)
    root = export(
        iter([make_row(1), make_row(2, engagement="", service_code="")]),
        context,
        receiver_id="CPP0001",
    )
    assert root.tag == "CPPFacturePivot"
    assert (
        root.get("{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation")
        == "CPPFacturePivot_V2_02.xsd"
    )
    env = root.find("Enveloppe/EnveloppeUnitaire")
    params = {
        p.findtext("Code"): p.findtext("Valeurparametre")
        for p in env.findall("Parametres/ParametreIndiv")
    }
    assert params == {"DtPrd": "2026-11-23", "IdFlx": "DECOMPTE-21450123100010-20261123"}
    assert env.findtext("Partenaires/Emetteur/Id") == "21450123100010"
    assert env.findtext("Partenaires/Recepteur/Id") == "CPP0001"
    factures = root.find("CPPFactures")
    assert factures.get("Compteur") == "2"
    units = factures.findall("CPPFacturePivotUnitaire")
    assert [u.get("NumOrdre") for u in units] == ["1", "2"]
    assert [child.tag for child in units[0]] == ["Fournisseur", "Debiteur", "DonneesFacture"]
    f = units[0].find("Fournisseur")
    assert [c.tag for c in f] == [
        "TypeIdentifiant",
        "Identifiant",
        "RaisonSociale",
        "CodePays",
        "ReferenceBancaire",
        "ModeEmission",
    ]
    assert (
        f.findtext("TypeIdentifiant"),
        f.findtext("Identifiant"),
        f.findtext("RaisonSociale"),
    ) == ("1", "55210987800348", "BATIMENTS DURAND SA")
    assert f.find("ReferenceBancaire").get("Type") == "IBAN"
    assert f.findtext("ReferenceBancaire/Compte") == "FR7630006000011234567890189"
    d = units[0].find("Debiteur")
    assert (d.findtext("Identifiant"), d.findtext("Nom"), d.findtext("CodeService")) == (
        "21450123100010",
        "COMMUNE DE SAINT-AUBIN-SUR-LOIRE",
        "SERVICES_TECHNIQUES",
    )
    assert units[1].find("Debiteur/CodeService") is None
    data = units[0].find("DonneesFacture")
    assert [c.tag for c in data] == [
        "Id",
        "IdCPRO",
        "Type",
        "Cadre",
        "DateEmissionFacture",
        "DateReception",
        "ModePaiement",
        "Devise",
        "Montants",
        "TVAs",
        "Engagement",
    ]
    assert (data.findtext("Id"), data.findtext("Cadre"), data.findtext("Type")) == (
        "PDM-2026-001",
        "A4",
        "380",
    )
    assert data.findtext("DateEmissionFacture") == "2026-03-05"
    assert data.findtext("DateReception") == "2026-03-06"
    assert data.findtext("ModePaiement/Libelle") == "Virement"
    montants = {c.tag: D(c.text) for c in data.find("Montants")}
    assert montants == {
        "MontantHT": D("1200.00"),
        "MontantTTC": D("1411.00"),
        "MontantNetAPayer": D("1411.00"),
    }
    assert data.findtext("Montants/MontantHT") == "1200.00"
    tvas = [
        (t.findtext("Taux"), t.findtext("BaseHt"), t.findtext("MontantTVA"))
        for t in data.findall("TVAs/TVA")
    ]
    assert tvas == [("20", "1000.00", "200.00"), ("5.5", "200.00", "11.00")]
    assert data.findtext("Engagement/NumeroEngagement") == "EJ2026000123"
    assert data.findtext("Engagement/NumeroMarche") == "2026-ECO-001"


def test_text_is_escaped_and_any_character_survives_a_narrow_encoding():
    odd = Party(1, "55210987800348", "SIRET", "DURAND & FILS <BTP> « Győr » €")
    root = export([make_row(supplier=odd)], encoding="iso-8859-1")
    assert root.findtext(".//Fournisseur/RaisonSociale") == odd.name


def test_files_are_joined_in_base64_on_request():
    content = b"%PDF-1.7 demo"
    context = dataclasses.replace(CONTEXT, read_file=lambda sha: content)
    row = make_row(file_sha256="ab" * 32)
    assert export([row], context).find(".//PJ") is None
    pj = export([row], context, include_files="true").find(".//PJ")
    assert base64.b64decode(pj.findtext("Contenu")) == content
    assert (pj.findtext("NomPJ"), pj.findtext("MimeTypePJ")) == ("pdm.pdf", "application/pdf")


def test_an_empty_export_is_still_a_valid_flow():
    root = export(Counted())
    assert root.find("CPPFactures").get("Compteur") == "0"
