"""Routing a deposit: from the marché's identity card and the cadre, who the supplier,
recipient, MOE, MOA and validators are, and who holds the piece first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Row, select

from .access import may_receive, unseen_marche
from .cadres import Cadre
from .errors import UsageError
from .findings import Finding, Severity
from .marches import load as load_marche
from .model import ActorRole, Marche, PieceDraft, Structure
from .piece_rows import structures_by_id
from .session import Session
from .states import Holder
from .store import rows as R
from .store.schema import marches, structures


@dataclass(frozen=True, slots=True)
class Route:
    """The structures a deposit concerns."""

    supplier: Structure
    recipient: Structure | None
    moe: Structure | None
    moa: Structure | None
    holder: Structure
    holder_role: Holder
    next_structure: Structure
    validator1: Structure | None
    validator2: Structure | None
    depositor_role: ActorRole


def find_marche(conn: Connection, draft: PieceDraft) -> Marche:
    """The marché a first piece names (usage error or not found otherwise)."""
    if not draft.marche_number.strip():
        raise UsageError(
            "Le numéro de marché est obligatoire",
            field="marche_number",
            hint="indiquez le marché auquel la pièce se rattache",
        )
    mid = conn.execute(
        select(marches.c.id).where(marches.c.number == draft.marche_number.strip())
    ).scalar()
    if mid is None:
        raise unseen_marche(draft.marche_number)
    return load_marche(conn, mid)


def route_deposit(
    conn: Connection,
    session: Session,
    draft: PieceDraft,
    cadre: Cadre | None,
    marche: Marche,
    prev: Row | None,
    findings: list[Finding],
) -> Route:
    me = session.structure.id
    roles = [a.role for a in marche.actors if a.structure_id == me]
    if not roles:  # answered as a marché that does not exist: nothing tells it does
        raise unseen_marche(marche.number)
    role = cadre.depositor if cadre and cadre.depositor in roles else roles[0]
    by_id = structures_by_id(conn, {a.structure_id for a in marche.actors})

    def pick(
        identifier: str, default: int | None, card: list[int], field_name: str, what: str
    ) -> Structure | None:
        """The structure named (or the default), if the identity card lists it for this
        role and it is active; a finding otherwise, never a silent route."""
        if not identifier.strip():
            chosen = by_id.get(default) if default else None
            return receiving(chosen, field_name, findings)
        found = conn.execute(
            select(structures).where(structures.c.identifier == identifier.replace(" ", ""))
        ).first()
        if found is None:
            findings.append(
                Finding(
                    "actors.unknown",
                    Severity.ERROR,
                    field_name,
                    f"Aucune structure d'identifiant {identifier}",
                    "cherchez la structure par raison sociale ou code postal",
                )
            )
            return None
        named = R.structure(found)
        if named.id not in card and named.id != default:
            listed = " ; ".join(
                f"{by_id[i].identifier} - {by_id[i].name}" for i in card if i in by_id
            )
            findings.append(
                Finding(
                    "actors.not_on_card",
                    Severity.ERROR,
                    field_name,
                    f"{named.identifier} - {named.name} n'est pas {what} du marché {marche.number}",
                    f"d'après la fiche identité du marché : {listed}"
                    if listed
                    else "la fiche identité du marché n'en nomme aucune : complétez-la",
                )
            )
            return None
        return receiving(named, field_name, findings)

    if prev is not None:
        supplier = structures_by_id(conn, {prev.supplier_structure_id})[prev.supplier_structure_id]
    elif role in (ActorRole.FOURNISSEUR, ActorRole.COTRAITANT, ActorRole.SOUSTRAITANT):
        supplier = session.structure
    else:
        supplier = by_id[marche.one(ActorRole.FOURNISSEUR) or me]
    given = draft.supplier_identifier.replace(" ", "")
    if given and given != supplier.identifier:
        findings.append(
            Finding(
                "actors.supplier",
                Severity.ERROR,
                "supplier_identifier",
                f"Le fournisseur indiqué ({given}) n'est pas celui du dossier "
                f"({supplier.identifier} - {supplier.name})",
                "déposez pour la structure du fournisseur, ou corrigez le fichier",
            )
        )
    moe = pick(
        draft.moe_identifier,
        (prev.moe_structure_id if prev is not None else None) or marche.one(ActorRole.MOE),
        marche.structures(ActorRole.MOE),
        "moe_identifier",
        "la maîtrise d'œuvre",
    )
    moa = by_id.get(marche.one(ActorRole.MOA) or 0)
    financial = by_id.get(marche.one(ActorRole.SERVICE_FINANCIER) or 0)
    default_recipient = (
        prev.recipient_structure_id
        if prev is not None
        else (marche.one(ActorRole.SERVICE_FINANCIER) or marche.one(ActorRole.MOA))
    )
    recipient = pick(
        draft.recipient_identifier,
        default_recipient,
        marche.structures(ActorRole.SERVICE_FINANCIER) + marche.structures(ActorRole.MOA),
        "recipient_identifier",
        "destinataire (maîtrise d'ouvrage ou service financier)",
    )
    next_role = cadre.next_role if cadre else ActorRole.MOE
    target = {
        ActorRole.MOE: moe,
        ActorRole.MOA: moa,
        ActorRole.SERVICE_FINANCIER: financial or recipient,
        ActorRole.FOURNISSEUR: supplier,
    }.get(next_role)
    target_field = "moe_identifier" if next_role is ActorRole.MOE else "recipient_identifier"
    if target in (moa, financial):  # not picked above: still an active structure?
        target = receiving(target, target_field, findings)
    if target is None:
        if not any(f.field == target_field and f.severity is Severity.ERROR for f in findings):
            findings.append(
                Finding(
                    "actors.next",
                    Severity.ERROR,
                    target_field,
                    f"Le marché {marche.number} n'a pas de structure {next_role} pour "
                    "recevoir la pièce",
                    "complétez la fiche identité du marché",
                )
            )
        target = session.structure
    validator1 = validator2 = None
    if cadre is not None and cadre.validated:
        mine = marche.actor(me, role)
        validator1 = by_id.get(mine.validator_structure_id or 0) if mine else None
        if validator1 is not None:
            upper = marche.actor(validator1.id, ActorRole.COTRAITANT)
            if upper is not None and upper.validator_structure_id:
                validator2 = by_id.get(upper.validator_structure_id)
    for validator in (validator1, validator2):
        if validator is not None and not may_receive(validator):
            receiving(validator, "supplier_identifier", findings)
    if validator1 is not None:
        holder, holder_role = validator1, Holder.PREMIER_VALIDEUR
    else:
        holder, holder_role = target, Holder(str(next_role))
    return Route(
        supplier, recipient, moe, moa, holder, holder_role, target, validator1, validator2, role
    )


def receiving(
    structure: Structure | None, field_name: str, findings: list[Finding]
) -> Structure | None:
    """The structure, when it may be sent pieces; an inactive one receives nothing (a finding
    says so). Deposits and transitions (`Workflow`) alike ask here."""
    if structure is None or may_receive(structure):
        return structure
    findings.append(
        Finding(
            "actors.inactive",
            Severity.ERROR,
            field_name,
            f"La structure {structure.identifier} - {structure.name} est inactive : "
            "elle ne reçoit pas de pièce",
            "un gestionnaire doit la réactiver, ou corrigez la fiche identité du marché",
        )
    )
    return None
