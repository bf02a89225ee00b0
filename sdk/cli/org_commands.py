"""CLI commands for accounts, structures, attachments, roles, spaces and marchés."""

from __future__ import annotations

from typing import Any

from .. import vocabulary as V
from ..errors import UsageError
from ..model import ActorRole, Address, MarcheActor, MemberRole, RoutingMode
from ..notify import Delivery
from ..org_accounts import MAX_CODE_ATTEMPTS, login_key
from ..passwords import CODE_VALIDITY
from ..text_safety import printable
from .arguments import count, record_id
from .context import Context
from .output import fields, table


def _account_arguments(p: Any) -> None:
    """What `user register` and `user create` both ask for a new account."""
    p.add_argument("login")
    p.add_argument("--last-name", required=True)
    p.add_argument("--first-name", required=True)
    p.add_argument("--email", default="", help="adresse de contact (par défaut : LOGIN)")


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="comptes utilisateurs").add_subparsers(
        dest="action", required=True
    )
    p = user.add_parser(
        "register",
        help="créer son compte (inactif) : le code d'activation est envoyé à l'adresse",
    )
    _account_arguments(p)
    p.set_defaults(func=user_register)
    p = user.add_parser(
        "create",
        help="gestionnaire : créer le compte d'un collègue rattaché à votre structure "
        "(le code d'activation est affiché, à lui transmettre)",
    )
    _account_arguments(p)
    p.set_defaults(func=user_create)
    p = user.add_parser(
        "reissue",
        help="nouveau code d'activation : envoyé à l'adresse, ou affiché au gestionnaire "
        "de sa structure (--as)",
    )
    p.add_argument("login")
    p.set_defaults(func=user_reissue)
    p = user.add_parser(
        "activate",
        help="activer un compte avec son code et choisir le mot "
        "de passe (DECOMPTE_PASSWORD ou --password-stdin)",
    )
    p.add_argument("login")
    p.add_argument("--code", required=True)
    p.set_defaults(func=user_activate)
    p = user.add_parser("me", help="mes rattachements")
    p.set_defaults(func=user_me)

    st = sub.add_parser("structure", help="structures").add_subparsers(dest="action", required=True)
    p = st.add_parser("create", help="créer une structure (vous en devenez gestionnaire principal)")
    p.add_argument("--identifier", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--type", default="SIRET", dest="identifier_type")
    p.add_argument("--label", default="")
    p.add_argument("--address", default="")
    p.add_argument("--postcode", default="")
    p.add_argument("--city", default="")
    p.add_argument("--public", action="store_true")
    p.add_argument("--routing", default="none", choices=[m.value for m in RoutingMode])
    p.set_defaults(func=structure_create)
    p = st.add_parser("search", help="rechercher (le caractère * est un joker)")
    for name in ("identifier", "name", "label", "postcode", "city"):
        p.add_argument(f"--{name}", default="")
    p.add_argument("--type", default="", dest="identifier_type")
    p.add_argument("--limit", type=count, default=50)
    p.set_defaults(func=structure_search)
    p = st.add_parser("show", help="fiche structure")
    p.add_argument("identifier")
    p.set_defaults(func=structure_show)
    p = st.add_parser(
        "activate", help="activer / désactiver la structure courante (gestionnaire GP ou GS)"
    )
    p.add_argument("state", choices=["on", "off"])
    p.set_defaults(func=structure_activate)

    sv = sub.add_parser("service", help="services de la structure").add_subparsers(
        dest="action", required=True
    )
    p = sv.add_parser("add")
    p.add_argument("code")
    p.add_argument("--label", default="")
    p.add_argument("--ej-required", action="store_true")
    p.set_defaults(func=service_add)
    p = sv.add_parser("list")
    p.add_argument("identifier", nargs="?", default="")
    p.set_defaults(func=service_list)

    bk = sub.add_parser("bank", help="coordonnées bancaires").add_subparsers(
        dest="action", required=True
    )
    p = bk.add_parser("add")
    p.add_argument("iban")
    p.add_argument("--bic", default="")
    p.add_argument("--label", default="")
    p.set_defaults(func=bank_add)
    p = bk.add_parser("list")
    p.set_defaults(func=bank_list)

    at = sub.add_parser("attach", help="demandes de rattachement").add_subparsers(
        dest="action", required=True
    )
    p = at.add_parser("request", help="demander le rattachement à une structure")
    p.add_argument("identifier")
    p.set_defaults(func=attach_request)
    p = at.add_parser("list", help="demandes en attente pour la structure courante")
    p.set_defaults(func=attach_list)
    for verb in ("accept", "refuse"):
        p = at.add_parser(verb)
        p.add_argument("request_id", type=record_id)
        p.add_argument("--role", default="USER", choices=["GS", "USER"])
        p.set_defaults(func=attach_decide, accept=verb == "accept")

    rl = sub.add_parser("role", help="rôles des utilisateurs").add_subparsers(
        dest="action", required=True
    )
    p = rl.add_parser("set")
    p.add_argument("login")
    p.add_argument("role", choices=["GP", "GS", "USER"])
    p.set_defaults(func=role_set)

    sp = sub.add_parser("space", help="espaces").add_subparsers(dest="action", required=True)
    p = sp.add_parser("open", help="ouvrir un espace pour la structure")
    p.add_argument("space", nargs="?", default="FACTURES_TRAVAUX")
    p.add_argument("--mode", default="MODIFICATION", choices=["CONSULTATION", "MODIFICATION"])
    p.set_defaults(func=space_open)
    p = sp.add_parser("request", help="demander l'abonnement à un espace")
    p.add_argument("space", nargs="?", default="FACTURES_TRAVAUX")
    p.set_defaults(func=space_request)
    for verb in ("accept", "refuse"):
        p = sp.add_parser(verb)
        p.add_argument("login")
        p.add_argument("space", nargs="?", default="FACTURES_TRAVAUX")
        p.set_defaults(func=space_decide, accept=verb == "accept")

    mc = sub.add_parser("marche", help="registre des marchés").add_subparsers(
        dest="action", required=True
    )
    p = mc.add_parser("create")
    p.add_argument("number")
    p.add_argument("--object", default="")
    p.add_argument("--moa", required=True)
    p.add_argument("--moa-service", default="")
    p.add_argument("--moe", default="")
    p.add_argument("--titulaire", required=True)
    p.add_argument("--cotraitant", action="append", default=[])
    p.add_argument(
        "--soustraitant",
        action="append",
        default=[],
        help="IDENTIFIANT[:VALIDEUR] (paiement direct)",
    )
    p.add_argument("--sf", default="", help="service financier")
    p.add_argument("--ej", action="append", default=[])
    p.set_defaults(func=marche_create)
    p = mc.add_parser("show", help="fiche identité du marché")
    p.add_argument("number")
    p.set_defaults(func=marche_show)
    p = mc.add_parser("list")
    p.set_defaults(func=marche_list)


def user_register(ctx: Context) -> int:
    """Self-registration: the code goes to the address, never to this terminal (whoever
    types an address may not own it)."""
    a = ctx.args
    user, sent = ctx.core.org.sign_up(a.login, a.email, a.last_name, a.first_name)
    ctx.emit(
        {"user": user, **_delivery_data(sent)},
        f"Compte {sent.recipient} créé (inactif) : {sent.sentence()}.\n{_validity()}",
    )
    return 0


def user_create(ctx: Context) -> int:
    """The administrator's path: a manager creates a colleague's account and sees its code."""
    a, s = ctx.args, ctx.session
    user, code = ctx.core.org.create_account_for(s, a.login, a.email, a.last_name, a.first_name)
    ctx.emit(
        {"user": user, "structure": s.structure.identifier, **_code_data(code)},
        f"Compte {user.login} créé et rattaché à {s.structure.name} "
        f"({V.MEMBER_LABELS[MemberRole.USER]}).\n" + _code_text(user.login, code),
    )
    return 0


def user_reissue(ctx: Context) -> int:
    """With --as, a manager of the account's structure gets the new code; without, it is sent
    to the address, and the answer is the same whether the account exists or not."""
    login = ctx.args.login
    if ctx.args.as_login:
        code = ctx.core.org.reissue_code(ctx.session, login)
        ctx.emit({"login": login_key(login), **_code_data(code)}, _code_text(login, code))
        return 0
    ctx.core.org.resend_code(login)
    key = printable(login_key(login))
    ctx.emit(
        {"login": key},
        f"Si le compte {key} existe et n'est pas encore activé, un nouveau code a été envoyé "
        f"à son adresse.\n{_validity()}",
    )
    return 0


def _delivery_data(sent: Delivery) -> dict[str, object]:
    return {
        "sent": {
            "to": sent.recipient,
            "by": sent.by,
            "outbox_file": str(sent.path) if sent.path else None,
        },
        "valid_minutes": _minutes(),
    }


def _code_data(code: str) -> dict[str, object]:
    return {"activation_code": code, "valid_minutes": _minutes()}


def _code_text(login: str, code: str) -> str:
    return (
        f"Code d'activation (à transmettre à l'utilisateur par un canal sûr) : {code}\n"
        f"{_validity()} Activation : decompte user activate {login} --code {code}"
    )


def _minutes() -> int:
    return int(CODE_VALIDITY.total_seconds() // 60)


def _validity() -> str:
    return f"Le code est valable {_minutes()} minutes et {MAX_CODE_ATTEMPTS} essais."


def user_activate(ctx: Context) -> int:
    user = ctx.core.org.activate(ctx.args.login, ctx.args.code, ctx.password())
    ctx.emit({"user": user}, f"Compte {user.login} activé.")
    return 0


def user_me(ctx: Context) -> int:
    s = ctx.session
    links = ctx.core.org.memberships(s.user.id)
    rows = [
        (
            ctx.core.org.structure(m.structure_id).identifier,
            ctx.core.org.structure(m.structure_id).name,
            V.MEMBER_LABELS[m.role],
        )
        for m in links
    ]
    ctx.emit(
        {"user": s.user, "memberships": links},
        f"{s.user.first_name} {s.user.last_name} <{s.user.login}>\n"
        + table(["Identifiant", "Raison sociale", "Rôle"], rows),
    )
    return 0


def structure_create(ctx: Context) -> int:
    a = ctx.args
    user = ctx.core.org.authenticate(_need_login(ctx), ctx.password())
    created = ctx.core.org.create_structure(
        user,
        identifier=a.identifier,
        name=a.name,
        identifier_type=a.identifier_type,
        label=a.label,
        address=Address(a.address, a.postcode, a.city),
        public=a.public,
        routing_mode=RoutingMode(a.routing),
    )
    ctx.emit(
        {"structure": created},
        f"Structure {created.name} ({created.identifier}) créée ; vous en êtes "
        "gestionnaire principal.",
    )
    return 0


def structure_search(ctx: Context) -> int:
    a = ctx.args
    found = ctx.core.org.search_structures(
        identifier=a.identifier,
        name=a.name,
        label=a.label,
        postcode=a.postcode,
        city=a.city,
        identifier_type=a.identifier_type,
        limit=a.limit,
    )
    ctx.emit(
        {"structures": found},
        table(
            ["Identifiant", "Type", "Raison sociale", "Code postal", "Ville", "Statut"],
            [
                (
                    s.identifier,
                    V.IDENTIFIER_TYPE_LABELS[s.identifier_type],
                    s.name,
                    s.address.postcode,
                    s.address.city,
                    "Actif" if s.active else "Inactif",
                )
                for s in found
            ],
        ),
    )
    return 0


def structure_show(ctx: Context) -> int:
    s = ctx.core.org.structure_card(ctx.session, ctx.args.identifier)
    services = ctx.core.org.services(s.id)
    ctx.emit(
        {"structure": s, "services": services},
        fields(
            [
                ("Identifiant", f"{s.identifier} ({V.IDENTIFIER_TYPE_LABELS[s.identifier_type]})"),
                ("Raison sociale", s.name),
                ("Libellé", s.label),
                ("Adresse", f"{s.address.line1} {s.address.postcode} {s.address.city}".strip()),
                ("Statut", "Actif" if s.active else "Inactif"),
                ("Type d'entité", "Publique" if s.public else "Privée"),
                ("Service / EJ requis", V.ROUTING_MODE_LABELS[s.routing_mode]),
                ("Services", ", ".join(x.code for x in services) or "aucun"),
            ]
        ),
    )
    return 0


def structure_activate(ctx: Context) -> int:
    """A manager (GP or GS) of the structure deactivates it or reactivates it: the session
    opens on an inactive structure for this command only."""
    org = ctx.core.org
    user = org.authenticate(_need_login(ctx), ctx.password())
    s = org.open_session(user, ctx.args.for_structure or "", inactive_ok=True)
    org.set_structure_active(s, s.structure.id, ctx.args.state == "on")
    ctx.emit(
        {"ok": True, "active": ctx.args.state == "on"},
        f"Structure {s.structure.name} "
        + ("réactivée." if ctx.args.state == "on" else "désactivée."),
    )
    return 0


def service_add(ctx: Context) -> int:
    s = ctx.session
    created = ctx.core.org.add_service(
        s, s.structure.id, ctx.args.code, ctx.args.label, ej_required=ctx.args.ej_required
    )
    ctx.emit({"service": created}, f"Service {created.code} ajouté.")
    return 0


def service_list(ctx: Context) -> int:
    target = (
        ctx.core.org.structure_card(ctx.session, ctx.args.identifier)
        if ctx.args.identifier
        else ctx.session.structure
    )
    found = ctx.core.org.services(target.id)
    ctx.emit(
        {"services": found},
        table(
            ["Code", "Libellé", "Actif", "EJ requis"],
            [(x.code, x.label, x.active, x.ej_required) for x in found],
        ),
    )
    return 0


def bank_add(ctx: Context) -> int:
    s = ctx.session
    account = ctx.core.org.add_bank_account(
        s, s.structure.id, ctx.args.iban, ctx.args.bic, ctx.args.label
    )
    ctx.emit({"bank_account": account}, f"Coordonnées bancaires {account.iban} ajoutées.")
    return 0


def bank_list(ctx: Context) -> int:
    found = ctx.core.org.bank_details(ctx.session)
    ctx.emit(
        {"bank_accounts": found},
        table(["Libellé", "IBAN", "BIC"], [(b.label, b.iban, b.bic) for b in found]),
    )
    return 0


def attach_request(ctx: Context) -> int:
    user = ctx.core.org.authenticate(_need_login(ctx), ctx.password())
    target = ctx.core.org.structure_by_identifier(ctx.args.identifier)
    request_id = ctx.core.org.request_attachment(user, target.id)
    ctx.emit(
        {"request_id": request_id},
        f"Demande n° {request_id} en attente de validation du gestionnaire principal.",
    )
    return 0


def attach_list(ctx: Context) -> int:
    pending = ctx.core.org.pending_requests(ctx.session)
    ctx.emit(
        {"requests": pending},
        table(
            ["N°", "Identifiant", "Nom", "Prénom", "Date"],
            [
                (r["id"], r["login"], r["last_name"], r["first_name"], r["created_at"])
                for r in pending
            ],
        ),
    )
    return 0


def attach_decide(ctx: Context) -> int:
    role = MemberRole.GS if ctx.args.role == "GS" else MemberRole.USER
    ctx.core.org.decide_attachment(ctx.session, ctx.args.request_id, ctx.args.accept, role)
    ctx.emit({"ok": True}, "Demande acceptée." if ctx.args.accept else "Demande refusée.")
    return 0


def role_set(ctx: Context) -> int:
    target = ctx.core.org.user(ctx.args.login)
    role = {"GP": MemberRole.GP, "GS": MemberRole.GS, "USER": MemberRole.USER}[ctx.args.role]
    ctx.core.org.set_role(ctx.session, target.id, role)
    ctx.emit({"ok": True}, f"Rôle de {target.login} : {V.MEMBER_LABELS[role]}.")
    return 0


def space_open(ctx: Context) -> int:
    ctx.core.org.open_space(ctx.session, ctx.args.space, ctx.args.mode)
    ctx.emit({"ok": True}, f"Espace {ctx.args.space} ouvert en {ctx.args.mode.lower()}.")
    return 0


def space_request(ctx: Context) -> int:
    status = ctx.core.org.request_space(ctx.session, ctx.args.space)
    ctx.emit({"status": status}, f"Abonnement : {status}.")
    return 0


def space_decide(ctx: Context) -> int:
    target = ctx.core.org.user(ctx.args.login)
    ctx.core.org.decide_space(ctx.session, target.id, ctx.args.space, ctx.args.accept)
    ctx.emit({"ok": True}, "Abonnement accepté." if ctx.args.accept else "Abonnement refusé.")
    return 0


def marche_create(ctx: Context) -> int:
    a, org = ctx.args, ctx.core.org

    def sid(identifier: str) -> int:
        return org.structure_by_identifier(identifier).id

    actors = [
        MarcheActor(sid(a.moa), ActorRole.MOA, a.moa_service),
        MarcheActor(sid(a.titulaire), ActorRole.FOURNISSEUR),
    ]
    if a.moe:
        actors.append(MarcheActor(sid(a.moe), ActorRole.MOE))
    if a.sf:
        actors.append(MarcheActor(sid(a.sf), ActorRole.SERVICE_FINANCIER))
    actors += [MarcheActor(sid(c), ActorRole.COTRAITANT) for c in a.cotraitant]
    for item in a.soustraitant:
        ident, _, validator = item.partition(":")
        actors.append(
            MarcheActor(
                sid(ident),
                ActorRole.SOUSTRAITANT,
                direct_payment=True,
                validator_structure_id=sid(validator) if validator else None,
            )
        )
    marche = ctx.core.register.create(ctx.session, a.number, a.object, actors, a.ej)
    ctx.emit({"marche": marche}, f"Marché {marche.number} enregistré.")
    return 0


def marche_show(ctx: Context) -> int:
    marche, lines = ctx.core.register.card(ctx.session, ctx.args.number)
    ctx.emit(
        {"marche": marche, "identity": lines},
        f"Marché {marche.number} — {marche.object}\n"
        f"Engagements : {', '.join(marche.engagements) or 'aucun'}\n"
        + table(
            ["Rôle", "Identifiant", "Raison sociale", "Service", "Cadres", "Valideur"],
            [
                (
                    V.role_label(x.role),
                    x.structure.identifier,
                    x.structure.name,
                    x.service_code,
                    " ".join(x.cadres),
                    x.validator.name if x.validator else "",
                )
                for x in lines
            ],
        ),
    )
    return 0


def marche_list(ctx: Context) -> int:
    found = ctx.core.register.mine(ctx.session)
    ctx.emit({"marches": found}, table(["Numéro", "Objet"], [(m.number, m.object) for m in found]))
    return 0


def _need_login(ctx: Context) -> str:
    if not ctx.args.as_login:
        raise UsageError(
            "Cette commande agit au nom d'un utilisateur",
            field="--as",
            hint="ajoutez --as IDENTIFIANT",
        )
    return ctx.args.as_login
