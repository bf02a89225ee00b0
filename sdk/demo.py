"""A realistic demo world: a commune (MOA), an architect (MOE), a contractor, a co-contracting
group, sub-contractors, a public accountant, three marchés and billing files at every stage.

It exercises what a user must be able to try: an account attached to two structures in two
roles (structure switching), a suspended piece, a piece at a validator near its 15-day limit,
a dossier in tacit procedure. Every date is fixed relative to the demo's today."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from .amounts import compute_totals, vat_line
from .core import Core
from .model import (
    ActorRole,
    Address,
    MarcheActor,
    MemberRole,
    PieceDraft,
    RoutingMode,
    VatType,
)
from .session import Session
from .states import Motive

DEMO_PASSWORD = "Decompte-Demo-2026"


@dataclass(frozen=True)
class DemoActor:
    key: str
    siret: str
    name: str
    city: str
    postcode: str
    public: bool
    login: str
    last_name: str
    first_name: str
    routing: RoutingMode = RoutingMode.NONE


ACTORS = (
    DemoActor(
        "moa",
        "21450123100010",
        "COMMUNE DE SAINT-AUBIN-SUR-LOIRE",
        "Saint-Aubin-sur-Loire",
        "45150",
        True,
        "marie.lambert@saint-aubin.fr",
        "LAMBERT",
        "Marie",
        RoutingMode.SERVICE_OR_ENGAGEMENT,
    ),
    DemoActor(
        "sf",
        "13000412000171",
        "SERVICE DE GESTION COMPTABLE D'ORLEANS",
        "Orléans",
        "45000",
        True,
        "paul.renard@dgfip.finances.gouv.fr",
        "RENARD",
        "Paul",
    ),
    DemoActor(
        "moe",
        "82345678500125",
        "ATELIER MOREAU ARCHITECTES",
        "Orléans",
        "45000",
        False,
        "juliette.forin@atelier-moreau.fr",
        "FORIN",
        "Juliette",
    ),
    DemoActor(
        "titulaire",
        "55210987800348",
        "BATIMENTS DURAND SA",
        "Olivet",
        "45160",
        False,
        "luc.durand@batiments-durand.fr",
        "DURAND",
        "Luc",
    ),
    DemoActor(
        "cotraitant",
        "51234987900233",
        "CHARPENTES MARTIN SARL",
        "Meung-sur-Loire",
        "45130",
        False,
        "anne.martin@charpentes-martin.fr",
        "MARTIN",
        "Anne",
    ),
    DemoActor(
        "soustraitant",
        "49876543700112",
        "ELECTRICITE LEFEVRE SARL",
        "Fleury-les-Aubrais",
        "45400",
        False,
        "karim.lefevre@elec-lefevre.fr",
        "LEFEVRE",
        "Karim",
    ),
    DemoActor(
        "soustraitant2",
        "79456123300196",
        "PLOMBERIE GIRARD",
        "Saran",
        "45770",
        False,
        "sophie.girard@plomberie-girard.fr",
        "GIRARD",
        "Sophie",
    ),
)


@dataclass(frozen=True)
class SharedAccount:
    """A person attached to several demo structures: (structure key, member role) each."""

    key: str
    login: str
    last_name: str
    first_name: str
    attachments: tuple[tuple[str, MemberRole], ...]


#: A bookkeeper who works for the architect (MOE, as gestionnaire secondaire) and for the
#: carpentry co-contractor (simple user): she switches structure to act in either role.
SHARED = SharedAccount(
    "deux_structures",
    "claire.garnier@gestion-garnier.fr",
    "GARNIER",
    "Claire",
    (("moe", MemberRole.GS), ("cotraitant", MemberRole.USER)),
)


class DemoClock:
    """A clock the demo moves back and forth to lay down a history over weeks."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def days_ago(self, days: int, hour: int = 10) -> None:
        self.now = datetime.combine(self.today - timedelta(days=days), time(hour))

    today: date = date.today()


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A small real PDF (one page) for a demo piece."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def build_demo(
    core_factory: Callable[[Callable[[], datetime]], Core], today: date | None = None
) -> dict[str, object]:
    """Fill an empty store; `core_factory(clock)` builds the Core on the demo's clock."""
    clock = DemoClock(datetime.combine(today or date.today(), time(9)))
    clock.today = today or date.today()
    core = core_factory(clock)
    world = _World(core, clock)
    world.organisation()
    world.contracts()
    world.files()
    return {
        "users": {a.key: a.login for a in ACTORS} | {SHARED.key: SHARED.login},
        "password": DEMO_PASSWORD,
        "pieces": world.count,
    }


class _World:
    def __init__(self, core: Core, clock: DemoClock) -> None:
        self.core = core
        self.clock = clock
        self.sessions: dict[str, Session] = {}
        self.ids: dict[str, int] = {}
        self.count = 0
        self.tmp = Path(tempfile.mkdtemp(prefix="decompte-demo-"))

    def organisation(self) -> None:
        org = self.core.org
        self.clock.days_ago(120)
        for actor in ACTORS:
            user, code = org.register_user(
                actor.login, actor.login, actor.last_name, actor.first_name
            )
            org.activate(actor.login, code, DEMO_PASSWORD)
            structure = org.create_structure(
                user,
                identifier=actor.siret,
                name=actor.name,
                label=actor.name.title(),
                address=Address(
                    "1 place de la Mairie" if actor.public else "12 rue des Artisans",
                    actor.postcode,
                    actor.city,
                ),
                public=actor.public,
                routing_mode=actor.routing,
            )
            self.ids[actor.key] = structure.id
            self.sessions[actor.key] = org.open_session(user)
        moa = self.sessions["moa"]
        org.add_service(
            moa, moa.structure.id, "SERVICES_TECHNIQUES", "Services techniques", ej_required=False
        )
        org.add_service(moa, moa.structure.id, "URBANISME", "Urbanisme")
        for key in ("titulaire", "cotraitant", "soustraitant", "soustraitant2"):
            session = self.sessions[key]
            org.add_bank_account(session, session.structure.id, _IBANS[key], "", "Compte courant")
        # A simple user at the commune, attached and subscribed to the works space.
        clerk, code = org.register_user("lucas.petit@saint-aubin.fr", "", "PETIT", "Lucas")
        org.activate(clerk.login, code, DEMO_PASSWORD)
        request = org.request_attachment(clerk, moa.structure.id)
        org.decide_attachment(moa, request, True, MemberRole.USER)
        clerk_session = org.open_session(clerk)
        org.request_space(clerk_session)
        org.decide_space(moa, clerk.id, "FACTURES_TRAVAUX", True)
        self.shared_account()

    def shared_account(self) -> None:
        """The account attached to two structures, subscribed to the works space in each."""
        org = self.core.org
        user, code = org.register_user(SHARED.login, "", SHARED.last_name, SHARED.first_name)
        org.activate(user.login, code, DEMO_PASSWORD)
        for key, role in SHARED.attachments:
            manager = self.sessions[key]
            request = org.request_attachment(user, manager.structure.id)
            org.decide_attachment(manager, request, True, role)
            session = org.open_session(user, manager.structure.identifier)
            if org.request_space(session) != "ACCEPTEE":  # a manager is subscribed at once
                org.decide_space(manager, user.id, "FACTURES_TRAVAUX", True)

    def contracts(self) -> None:
        i = self.ids
        reg = self.core.register
        moa = self.sessions["moa"]
        reg.create(
            moa,
            "2026-ECO-001",
            "Réhabilitation de l'école Jules Ferry",
            [
                MarcheActor(i["moa"], ActorRole.MOA, "SERVICES_TECHNIQUES"),
                MarcheActor(i["moe"], ActorRole.MOE),
                MarcheActor(i["titulaire"], ActorRole.FOURNISSEUR),
                MarcheActor(i["soustraitant"], ActorRole.SOUSTRAITANT, direct_payment=True),
                MarcheActor(i["sf"], ActorRole.SERVICE_FINANCIER),
            ],
            ["EJ2026000123"],
        )
        reg.create(
            moa,
            "2026-GYM-002",
            "Construction d'un gymnase (groupement)",
            [
                MarcheActor(i["moa"], ActorRole.MOA, "SERVICES_TECHNIQUES"),
                MarcheActor(i["moe"], ActorRole.MOE),
                MarcheActor(i["titulaire"], ActorRole.FOURNISSEUR),
                MarcheActor(i["cotraitant"], ActorRole.COTRAITANT),
                MarcheActor(
                    i["soustraitant2"],
                    ActorRole.SOUSTRAITANT,
                    direct_payment=True,
                    validator_structure_id=i["cotraitant"],
                ),
                MarcheActor(i["sf"], ActorRole.SERVICE_FINANCIER),
            ],
            ["EJ2026000456"],
        )
        reg.create(
            moa,
            "2025-VOI-014",
            "Voirie rue des Tilleuls",
            [
                MarcheActor(i["moa"], ActorRole.MOA, "SERVICES_TECHNIQUES"),
                MarcheActor(i["moe"], ActorRole.MOE),
                MarcheActor(i["titulaire"], ActorRole.FOURNISSEUR),
                MarcheActor(i["sf"], ActorRole.SERVICE_FINANCIER),
            ],
            ["EJ2025000789"],
        )

    def deposit(
        self,
        who: str,
        cadre: str,
        number: str,
        marche: str,
        base: str,
        after: int | None = None,
        rate: str = "20",
    ) -> int:
        line = vat_line(Decimal(base), Decimal(rate))
        totals = compute_totals([line])
        pdf = self.tmp / f"{number}.pdf"
        pdf.write_bytes(
            demo_pdf(
                f"{cadre.split('_')[0]} - {number}",
                [
                    f"Marché {marche}",
                    f"Montant HT : {base} EUR",
                    f"TVA {rate} % : {line.amount} EUR",
                    f"Montant TTC : {totals.total_ttc} EUR",
                ],
            )
        )
        draft = PieceDraft(
            cadre=cadre,
            number=number,
            issue_date=self.clock().date(),
            marche_number=marche,
            vat_type=VatType.DEBITS,
            engagement="EJ2026000123" if "ECO" in marche else "",
            service_code="SERVICES_TECHNIQUES",
            iban=_IBANS.get(who, ""),
            vat_lines=[line],
            total_ht=totals.total_ht,
            total_vat=totals.total_vat,
            total_ttc=totals.total_ttc,
            amount_due=totals.amount_due,
        )
        receipt = self.core.workflow.deposit(
            self.sessions[who], draft, file=pdf, after=after, confirm_warnings=True
        )
        self.count += 1
        return receipt.piece.id

    def files(self) -> None:
        wf, s, c = self.core.workflow, self.sessions, self.clock
        eco, gym, voi = "2026-ECO-001", "2026-GYM-002", "2025-VOI-014"
        a4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"
        # In-contract circuit, one billing file per stage.
        c.days_ago(75)
        p = self.deposit("titulaire", a4, "PDM-2026-01", eco, "48250.00")
        c.days_ago(72)
        wf.take(s["moe"], p)
        p = self.deposit("moe", "A15_ETAT_ACOMPTE_MOE", "EA-2026-01", eco, "48250.00", after=p)
        c.days_ago(65)
        p = self.deposit(
            "moa", "A19_ETAT_ACOMPTE_VALIDE_MOA", "EAV-2026-01", eco, "48250.00", after=p
        )
        c.days_ago(60)
        wf.take(s["sf"], p)
        c.days_ago(40)
        p = self.deposit("titulaire", a4, "PDM-2026-02", eco, "61400.00")
        c.days_ago(38)
        p = self.deposit("moe", "A15_ETAT_ACOMPTE_MOE", "EA-2026-02", eco, "60900.00", after=p)
        c.days_ago(10)
        self.deposit("titulaire", a4, "PDM-2026-03", eco, "39780.50")  # MOE now overdue
        c.days_ago(3)
        p = self.deposit("titulaire", a4, "PDM-2026-04", eco, "12000.00")
        c.days_ago(2)
        wf.take(s["moe"], p)
        c.days_ago(1)
        self.deposit("titulaire", a4, "PDM-2026-05", eco, "15500.00")
        # Refused, suspended, completed.
        c.days_ago(20)
        p = self.deposit("titulaire", a4, "PDM-2026-R1", eco, "22000.00")
        c.days_ago(18)
        wf.refuse(
            s["moe"], p, Motive.ACHEMINEMENT, "Le destinataire indiqué n'est pas la MOA du marché"
        )
        c.days_ago(4)
        p = self.deposit("titulaire", a4, "PDM-2026-R2", eco, "9800.00")
        c.days_ago(3)
        wf.refuse(s["moe"], p, Motive.AUTRE_MOTIF, "Pièce déposée sur le mauvais marché")
        c.days_ago(8)
        p = self.deposit("titulaire", a4, "PDM-2026-S1", eco, "18450.00")
        c.days_ago(6)
        wf.suspend(s["moe"], p, "Le bon de commande n° 12 n'est pas joint")
        p = self.deposit("titulaire", a4, "PDM-2026-S2", eco, "7300.00")
        c.days_ago(5)
        wf.suspend(s["moe"], p, "Numéro d'engagement manquant")
        c.days_ago(4)
        wf.complete(s["titulaire"], p, "Engagement ajouté", engagement="EJ2026000123")
        # Situations 3 and 4: the contractor deposits on behalf of the MOE / MOA.
        c.days_ago(9)
        self.deposit("titulaire", "A5_ETAT_ACOMPTE_FOURNISSEUR", "EA-DUR-2026-07", gym, "33000.00")
        c.days_ago(2)
        self.deposit(
            "titulaire", "A6_ETAT_ACOMPTE_VALIDE_FOURNISSEUR", "EAV-DUR-2026-08", gym, "27500.00"
        )
        # Sub- and co-contracting: validator circuit, out-of-time validation.
        c.days_ago(5)
        self.deposit(
            "soustraitant",
            "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT",
            "LEF-2026-11",
            eco,
            "8400.00",
        )
        c.days_ago(25)
        self.deposit(
            "soustraitant",
            "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT",
            "LEF-2026-09",
            eco,
            "6200.00",
        )
        c.days_ago(13)  # held 13 days by its validator: two days left before « hors délai »
        self.deposit(
            "soustraitant",
            "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT",
            "LEF-2026-10",
            eco,
            "5750.00",
        )
        c.days_ago(12)
        p = self.deposit(
            "cotraitant", "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT", "CM-2026-04", gym, "21000.00"
        )
        c.days_ago(11)
        wf.validate(s["titulaire"], p)
        c.days_ago(6)
        p = self.deposit(
            "soustraitant2",
            "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT",
            "PG-2026-02",
            gym,
            "4300.00",
            rate="10",
        )
        c.days_ago(4)
        wf.validate(s["cotraitant"], p)
        # End of contract: draft final -> draft general -> general -> signed. Tacit procedure:
        # the MOE let the A7 PDF-GYM-01 pass its window; the contractor deposited the A22, the
        # A23 is left to do.
        c.days_ago(90)
        p = self.deposit(
            "titulaire", "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR", "PDF-VOI-01", voi, "212000.00"
        )
        c.days_ago(80)
        p = self.deposit(
            "moe", "A17_PROJET_DECOMPTE_GENERAL_MOE", "PDG-VOI-01", voi, "209500.00", after=p
        )
        c.days_ago(60)
        p = self.deposit("moa", "A20_DECOMPTE_GENERAL_MOA", "DG-VOI-01", voi, "209500.00", after=p)
        c.days_ago(45)
        self.deposit(
            "titulaire",
            "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR",
            "DGD-VOI-01",
            voi,
            "209500.00",
            after=p,
        )
        c.days_ago(50)
        p = self.deposit(
            "titulaire", "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR", "PDF-GYM-01", gym, "150000.00"
        )
        c.days_ago(7)
        self.deposit(
            "titulaire",
            "A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE",
            "PDG-T-GYM-01",
            gym,
            "150000.00",
            after=p,
        )
        c.days_ago(30)
        p = self.deposit(
            "titulaire", "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR", "PDF-ECO-01", eco, "98000.00"
        )
        c.days_ago(26)
        p = self.deposit(
            "moe", "A17_PROJET_DECOMPTE_GENERAL_MOE", "PDG-ECO-01", eco, "97400.00", after=p
        )
        c.days_ago(15)
        self.deposit("moa", "A20_DECOMPTE_GENERAL_MOA", "DG-ECO-01", eco, "97400.00", after=p)
        # Paid late: an état d'acompte validé made available to the service financier 50 days
        # ago (its payment clock starts there), put in payment 5 days ago: 15 days late.
        c.days_ago(50)
        p = self.deposit(
            "titulaire", "A6_ETAT_ACOMPTE_VALIDE_FOURNISSEUR", "EAV-DUR-2026-05", gym, "41000.00"
        )
        c.days_ago(46)
        wf.take(s["sf"], p)
        c.days_ago(5)
        wf.pay(s["sf"], p)
        c.days_ago(0, hour=8)
        wf.sweep()


_IBANS = {
    "titulaire": "FR7630006000011234567890189",
    "cotraitant": "FR7610096000307197431584075",
    "soustraitant": "FR1420041010050500013M02606",
    "soustraitant2": "FR7630004000031234567890143",
}
