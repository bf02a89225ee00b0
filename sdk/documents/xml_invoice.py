"""Safe parsing of CII (Factur-X) and UBL 2.1 invoices, and what they can pre-fill."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .errors import MalformedXmlError, NotAnInvoiceError, UnsafeXmlError
from .limits import DEFAULT_LIMITS, Limits
from .xml_safety import scan_xml

if TYPE_CHECKING:
    from lxml import etree  # imported when an XML is first read: the app starts without it

_log = logging.getLogger("decompte.documents")
NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_ROOTS = {
    f"{{{NS_CII}}}CrossIndustryInvoice": ("CII", "factur-x"),
    f"{{{NS_UBL_INVOICE}}}Invoice": ("UBL", "ubl-2.1-invoice"),
    f"{{{NS_UBL_CREDIT_NOTE}}}CreditNote": ("UBL", "ubl-2.1-creditnote"),
}
CREDIT_NOTE_TYPE_CODES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "502", "503", "532"}
)
SCHEME_SIRET = "0009"
SCHEME_SIREN = "0002"
# Fields a deposit can be pre-filled with (French labels), reported when absent.
FIELD_LABELS = {
    "number": "numéro",
    "issue_date": "date",
    "currency": "devise",
    "seller.name": "nom du fournisseur",
    "seller.siret": "SIRET du fournisseur",
    "seller.vat_number": "TVA intracommunautaire du fournisseur",
    "buyer.name": "nom du destinataire",
    "buyer.siret": "SIRET du destinataire",
    "total_ht": "montant HT",
    "total_vat": "montant TVA",
    "total_ttc": "montant TTC",
    "amount_due": "montant à payer",
    "vat_breakdown": "ventilation de la TVA",
    "due_date": "échéance",
    "engagement": "numéro d'engagement",
    "marche_number": "numéro de marché",
    "service_code": "code service",
}
PREFILL_FIELDS = tuple(FIELD_LABELS)


def _parser() -> etree.XMLParser:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,  # whitespace between elements: no node, less memory
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_xml(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """Parse untrusted XML: judged first while streaming (no DTD, no entity, budgets on
    elements, nodes, depth, attributes and text, see xml_safety), then parsed into a tree
    with no DTD, no entity, no network and lxml's size guards on."""
    scan_xml(data, limits)
    from lxml import etree

    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:  # ValueError: an encoding lxml rejects
        _log.debug("lxml: %s", exc)
        line = getattr(exc, "lineno", None)
        where = f" (ligne {line})" if line else ""
        raise MalformedXmlError(f"XML mal formé ou illisible{where}") from None
    if root.getroottree().docinfo.doctype:  # should expat and libxml2 ever disagree
        raise UnsafeXmlError("le XML déclare une DTD : refusée (risque XXE)")
    return root


def invoice_syntax(root: etree._Element) -> str:
    """ "CII" or "UBL"; NotAnInvoiceError for any other root element."""
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag in _ROOTS:
        return _ROOTS[tag][0]
    local = tag.rpartition("}")[2] if tag else "?"  # the local name, without the namespace
    if local == "CrossIndustryDocument":
        raise NotAnInvoiceError("facture ZUGFeRD 1.0 (CrossIndustryDocument) non prise en charge")
    raise NotAnInvoiceError(f"le XML n'est pas une facture (élément racine « {local} »)")


@dataclass(frozen=True, slots=True)
class Party:
    name: str = ""
    siret: str = ""
    siren: str = ""
    vat_number: str = ""
    identifiers: tuple[tuple[str, str], ...] = ()  # (scheme id or "", value)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "siret": self.siret,
            "siren": self.siren,
            "vat_number": self.vat_number,
            "identifiers": [{"scheme": s, "value": v} for s, v in self.identifiers],
        }


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    rate: Decimal | None  # percent, e.g. Decimal("20.00")
    base: Decimal | None
    amount: Decimal | None
    category: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return {
            "rate": _s(self.rate),
            "base": _s(self.base),
            "amount": _s(self.amount),
            "category": self.category,
        }


@dataclass(frozen=True, slots=True)
class InvoiceData:
    """What a structured invoice says; `missing` and `problems` say what could not be read."""

    syntax: str  # "CII" or "UBL"
    profile: str = ""
    number: str = ""
    type_code: str = ""
    issue_date: date | None = None
    due_date: date | None = None
    currency: str = ""
    seller: Party = field(default_factory=Party)
    buyer: Party = field(default_factory=Party)
    total_ht: Decimal | None = None
    total_vat: Decimal | None = None
    total_ttc: Decimal | None = None
    prepaid: Decimal | None = None
    amount_due: Decimal | None = None
    vat_breakdown: tuple[VatBreakdown, ...] = ()
    engagement: str = ""  # BT-13, purchase order reference
    marche_number: str = ""  # BT-12, contract reference
    service_code: str = ""  # BT-10, buyer reference
    missing: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def credit_note(self) -> bool:
        return self.type_code in CREDIT_NOTE_TYPE_CODES

    def as_dict(self) -> dict[str, Any]:
        return {
            "syntax": self.syntax,
            "profile": self.profile,
            "number": self.number,
            "type_code": self.type_code,
            "credit_note": self.credit_note,
            "issue_date": _s(self.issue_date),
            "due_date": _s(self.due_date),
            "currency": self.currency,
            "seller": self.seller.as_dict(),
            "buyer": self.buyer.as_dict(),
            "total_ht": _s(self.total_ht),
            "total_vat": _s(self.total_vat),
            "total_ttc": _s(self.total_ttc),
            "prepaid": _s(self.prepaid),
            "amount_due": _s(self.amount_due),
            "vat_breakdown": [v.as_dict() for v in self.vat_breakdown],
            "engagement": self.engagement,
            "marche_number": self.marche_number,
            "service_code": self.service_code,
            "missing": list(self.missing),
            "problems": list(self.problems),
        }

    def draft_fields(self) -> dict[str, Any]:
        """Values for `sdk.model.PieceDraft` fields, only those that were read."""
        from ..model import IdentifierType, VatLine

        values: dict[str, Any] = {
            "number": self.number,
            "issue_date": self.issue_date,
            "due_date": self.due_date,
            "currency": self.currency,
            "engagement": self.engagement,
            "marche_number": self.marche_number,
            "service_code": self.service_code,
            "total_ht": self.total_ht,
            "total_vat": self.total_vat,
            "total_ttc": self.total_ttc,
            "prepaid": self.prepaid,
            "amount_due": self.amount_due,
            "supplier_vat_number": self.seller.vat_number,
            "supplier_identifier": self.seller.siret,
            "recipient_identifier": self.buyer.siret,
        }
        if self.seller.siret:
            values["supplier_identifier_type"] = IdentifierType.SIRET
        if self.buyer.siret:
            values["recipient_identifier_type"] = IdentifierType.SIRET
        lines = [
            VatLine(rate=v.rate, base=v.base, amount=v.amount)
            for v in self.vat_breakdown
            if v.rate is not None and v.base is not None and v.amount is not None
        ]
        if lines:
            values["vat_lines"] = lines
        if self.type_code:
            values["credit_note"] = self.credit_note
        return {k: v for k, v in values.items() if v not in (None, "")}


def _s(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def read_invoice(data: bytes, limits: Limits = DEFAULT_LIMITS) -> InvoiceData:
    """Parse and extract an invoice XML (bytes of a file or of a Factur-X attachment)."""
    root = parse_xml(data, limits)
    invoice_syntax(root)
    return extract_invoice(root)


def extract_invoice(root: etree._Element) -> InvoiceData:
    """Read the pre-fill fields with the factur-x library (CII and UBL alike)."""
    from facturx import get_level, parse_ubl_cii_xml

    syntax, flavor = _ROOTS[root.tag]
    problems: list[str] = []
    try:
        level = profile = get_level(root, flavor)
    except Exception:
        level, profile = "extended", ""
        problems.append("profil (GuidelineSpecifiedDocumentContextParameter) non reconnu")
    try:
        raw = parse_ubl_cii_xml(
            root, flavor=flavor, level=level, check_xsd=False, date_as="date", bytes_as="string"
        )
    except Exception as exc:  # the library refuses the whole file on one bad value
        _log.debug("factur-x: %s", exc)
        raw = {}
        problems.append("données de la facture illisibles (une valeur ne respecte pas la norme)")
    reader = _Reader(raw, problems)
    values: dict[str, Any] = {
        "syntax": syntax,
        "profile": profile,
        "number": reader.text("BT-1"),
        "type_code": reader.text("BT-3"),
        "issue_date": reader.day("BT-2"),
        "due_date": reader.day("BT-9"),
        "currency": reader.text("BT-5"),
        "seller": _party(raw.get("BG-4")),
        "buyer": _party(raw.get("BG-7")),
        "total_ht": reader.amount("BT-109"),
        "total_vat": reader.amount("BT-110"),
        "total_ttc": reader.amount("BT-112"),
        "prepaid": reader.amount("BT-113"),
        "amount_due": reader.amount("BT-115"),
        "vat_breakdown": tuple(_vat(entry, reader) for entry in raw.get("BG-23") or ()),
        "engagement": reader.text("BT-13"),
        "marche_number": reader.text("BT-12"),
        "service_code": reader.text("BT-10"),
    }
    if syntax == "UBL" and root.tag.endswith("CreditNote") and not values["type_code"]:
        values["type_code"] = "381"
    missing = tuple(name for name in PREFILL_FIELDS if not _lookup(values, name))
    return InvoiceData(**values, missing=missing, problems=tuple(problems))


def _lookup(values: dict[str, Any], name: str) -> object:
    head, _, tail = name.partition(".")
    value = values[head]
    return getattr(value, tail) if tail else value


class _Reader:
    """Typed access to the library's dict; bad values become problems, not exceptions."""

    def __init__(self, raw: dict[str, Any], problems: list[str]) -> None:
        self.raw = raw
        self.problems = problems

    def text(self, key: str, source: dict[str, Any] | None = None) -> str:
        value = (self.raw if source is None else source).get(key)
        if isinstance(value, list):
            self.problems.append(f"{key} présent plusieurs fois, première valeur retenue")
            value = value[0] if value else ""
        return str(value).strip() if value is not None else ""

    def day(self, key: str) -> date | None:
        value = self.raw.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        return value if isinstance(value, date) else None

    def amount(self, key: str, source: dict[str, Any] | None = None) -> Decimal | None:
        text = self.text(key, source)
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.problems.append(f"{key} : montant illisible « {text} »")
            return None
        if not value.is_finite():
            self.problems.append(f"{key} : montant illisible « {text} »")
            return None
        return value


def _vat(entry: dict[str, Any], reader: _Reader) -> VatBreakdown:
    return VatBreakdown(
        rate=reader.amount("BT-119", entry),
        base=reader.amount("BT-116", entry),
        amount=reader.amount("BT-117", entry),
        category=reader.text("BT-118", entry),
    )


def _party(raw: object) -> Party:
    if not isinstance(raw, dict):
        return Party()
    pairs: list[tuple[str, str]] = []
    legal = str(raw.get("legal_identifier") or "").strip()
    legal_scheme = str(raw.get("legal_identifier_schemeid") or "").strip()
    if legal:
        pairs.append((legal_scheme, legal))
    others = raw.get("identifiers")
    if isinstance(others, dict):
        pairs.extend((str(k or ""), str(v).strip()) for k, v in others.items() if v)
    siret = next((v for s, v in pairs if s == SCHEME_SIRET), "")
    siren = next((v for s, v in pairs if s == SCHEME_SIREN), "") or siret[:9]
    vat = raw.get("vat_identifier")
    return Party(
        name=str(raw.get("name") or "").strip(),
        siret=siret.replace(" ", ""),
        siren=siren.replace(" ", ""),
        vat_number=str(vat).strip() if isinstance(vat, str) else "",
        identifiers=tuple(dict.fromkeys(pairs)),
    )
