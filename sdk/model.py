"""Plain data records of the domain. Money is `Decimal`, dates are `date`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class IdentifierType(StrEnum):
    SIRET = "SIRET"
    UE_HORS_FRANCE = "UE_HORS_FRANCE"
    HORS_UE = "HORS_UE"
    RIDET = "RIDET"
    TAHITI = "TAHITI"
    AUTRE = "AUTRE"
    PARTICULIER = "PARTICULIER"


class RoutingMode(StrEnum):
    """What a public structure requires on incoming pieces."""

    NONE = "none"
    SERVICE = "service"
    ENGAGEMENT = "engagement"
    SERVICE_AND_ENGAGEMENT = "service_and_engagement"
    SERVICE_OR_ENGAGEMENT = "service_or_engagement"


class MemberRole(StrEnum):
    GP = "GESTIONNAIRE_PRINCIPAL"
    GS = "GESTIONNAIRE_SECONDAIRE"
    USER = "UTILISATEUR_SIMPLE"


class ActorRole(StrEnum):
    """Roles a structure holds on a marché, and so on its billing files."""

    FOURNISSEUR = "FOURNISSEUR"  # titulaire (or mandataire of a group)
    COTRAITANT = "COTRAITANT"
    SOUSTRAITANT = "SOUSTRAITANT"
    MOE = "MOE"
    MOA = "MOA"
    SERVICE_FINANCIER = "SERVICE_FINANCIER"


class VatType(StrEnum):
    DEBITS = "DEBITS"
    ENCAISSEMENTS = "ENCAISSEMENTS"
    EXONERATION = "EXONERATION"
    SANS_TVA = "SANS_TVA"


class PaymentMode(StrEnum):
    VIREMENT = "VIREMENT"
    CHEQUE = "CHEQUE"
    PRELEVEMENT = "PRELEVEMENT"
    ESPECE = "ESPECE"
    AUTRE = "AUTRE"
    REPORT = "REPORT"


class AttachmentKind(StrEnum):
    """The « type » of an attachment (pièce jointe), as the deposit form offers it, plus the
    type the core gives the piece's own file when a completion replaces it (kept, never
    offered to the user: `DEPOSITED_ATTACHMENT_KINDS`)."""

    FACTURE = "FACTURE"
    BON_DE_COMMANDE = "BON_DE_COMMANDE"
    DEMANDE_PAIEMENT_SOUS_TRAITANT = "DEMANDE_PAIEMENT_SOUS_TRAITANT"
    PROCES_VERBAL = "PROCES_VERBAL"
    ATTESTATION = "ATTESTATION"
    SITUATION = "SITUATION"
    AUTRE = "AUTRE"
    FICHIER_REMPLACE = "FICHIER_REMPLACE"


#: The types a user may give an attachment (deposit, completion): all but the core's own.
DEPOSITED_ATTACHMENT_KINDS: tuple[AttachmentKind, ...] = tuple(
    k for k in AttachmentKind if k is not AttachmentKind.FICHIER_REMPLACE
)


SPACE_WORKS = "FACTURES_TRAVAUX"


@dataclass(frozen=True, slots=True)
class Address:
    line1: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "FR"


@dataclass(frozen=True, slots=True)
class Structure:
    id: int
    identifier: str
    identifier_type: IdentifierType
    name: str
    label: str
    address: Address
    active: bool
    public: bool
    routing_mode: RoutingMode


@dataclass(frozen=True, slots=True)
class BankAccount:
    id: int
    structure_id: int
    label: str
    iban: str
    bic: str


@dataclass(frozen=True, slots=True)
class Service:
    id: int
    structure_id: int
    code: str
    label: str
    active: bool
    ej_required: bool


@dataclass(frozen=True, slots=True)
class User:
    id: int
    login: str
    email: str
    last_name: str
    first_name: str
    active: bool


@dataclass(frozen=True, slots=True)
class Membership:
    user_id: int
    structure_id: int
    role: MemberRole


@dataclass(frozen=True, slots=True)
class MarcheActor:
    structure_id: int
    role: ActorRole
    service_code: str = ""
    direct_payment: bool = False
    validator_structure_id: int | None = None  # who validates this sub/co-contractor


@dataclass(frozen=True, slots=True)
class Marche:
    id: int
    number: str
    object: str
    actors: tuple[MarcheActor, ...]
    engagements: tuple[str, ...] = ()

    def structures(self, role: ActorRole) -> list[int]:
        return [a.structure_id for a in self.actors if a.role is role]

    def one(self, role: ActorRole) -> int | None:
        found = self.structures(role)
        return found[0] if found else None

    def actor(self, structure_id: int, role: ActorRole) -> MarcheActor | None:
        for a in self.actors:
            if a.structure_id == structure_id and a.role is role:
                return a
        return None


@dataclass(frozen=True, slots=True)
class VatLine:
    rate: Decimal  # percent, e.g. Decimal("20")
    base: Decimal
    amount: Decimal


@dataclass(slots=True)
class PieceDraft:
    """What a depositor fills in before the checks and the deposit."""

    cadre: str
    number: str
    issue_date: date
    marche_number: str = ""
    currency: str = "EUR"
    vat_type: VatType = VatType.DEBITS
    exemption_motive: str = ""
    payment_mode: PaymentMode = PaymentMode.VIREMENT
    engagement: str = ""
    service_code: str = ""
    due_date: date | None = None
    iban: str = ""
    bic: str = ""
    vat_lines: list[VatLine] = field(default_factory=list)
    total_ht: Decimal = Decimal("0")
    total_vat: Decimal = Decimal("0")
    total_ttc: Decimal = Decimal("0")
    discount_ttc: Decimal = Decimal("0")
    prepaid: Decimal = Decimal("0")
    amount_due: Decimal = Decimal("0")
    supplier_identifier: str = ""
    supplier_identifier_type: IdentifierType = IdentifierType.SIRET
    supplier_vat_number: str = ""
    recipient_identifier: str = ""
    recipient_identifier_type: IdentifierType = IdentifierType.SIRET
    moe_identifier: str = ""
    moa_identifier: str = ""
    file_name: str = ""
    comment: str = ""
    credit_note: bool = False


@dataclass(frozen=True, slots=True)
class Piece:
    id: int
    dossier_id: int
    dossier_number: str
    previous_id: int | None
    cadre: str
    number: str
    issue_date: date
    currency: str
    vat_type: VatType
    payment_mode: PaymentMode
    engagement: str
    service_code: str
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    amount_due: Decimal
    marche_id: int
    marche_number: str
    depositor_structure_id: int
    depositor_user_id: int
    supplier_structure_id: int
    recipient_structure_id: int | None
    moe_structure_id: int | None
    moa_structure_id: int | None
    state: str
    state_date: date
    holder_structure_id: int | None
    holder_role: str
    holder_since: date | None
    deposited_at: datetime
    certificate: str
    file_sha256: str
    file_name: str
    file_format: str
    downloaded: bool
    version: int
    vat_lines: tuple[VatLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    piece_id: int
    dossier_id: int
    at: datetime
    user_id: int | None
    user_login: str
    structure_id: int | None
    acting_role: str
    action: str
    from_state: str
    to_state: str
    reason: str
