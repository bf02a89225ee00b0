"""Accounts, attachment requests, roles with the GP rule, structures and their search."""

from __future__ import annotations

import pytest

from decompte.sdk.errors import Conflict, NotAuthorised, UsageError
from decompte.sdk.model import MemberRole


def new_user(core, login, password="Tres-Bon-Mot-2026"):
    _user, code = core.org.register_user(login, "", "NOM", "Prénom")
    core.org.activate(login, code, password)
    return core.org.user(login)


@pytest.mark.parametrize(
    "password, problem",
    [
        ("Court-1", "12 caractères"),
        ("toutenminusculessansrien", "3 des 4 groupes"),
        ("TOUTENMAJUSCULES12", "3 des 4 groupes"),
    ],
)
def test_password_policy_of_the_seeds(core, password, problem):
    _, code = core.org.register_user("a.b@exemple.fr", "", "B", "A")
    with pytest.raises(UsageError) as raised:
        core.org.activate("a.b@exemple.fr", code, password)
    assert problem in raised.value.message and raised.value.field == "password"


def test_activation_needs_the_code_and_password_is_never_stored_in_clear(core):
    _, code = core.org.register_user("c.d@exemple.fr", "", "D", "C")
    with pytest.raises(NotAuthorised) as raised:
        core.org.activate(
            "c.d@exemple.fr", "00000000" if code != "00000000" else "1", "Tres-Bon-Mot-2026"
        )
    assert raised.value.field == "code"
    with pytest.raises(NotAuthorised):  # inactive accounts cannot log in
        core.org.authenticate("c.d@exemple.fr", "Tres-Bon-Mot-2026")
    core.org.activate("c.d@exemple.fr", code, "Tres-Bon-Mot-2026")
    dump = "\n".join(core.store.engine.raw_connection().driver_connection.iterdump())
    assert "Tres-Bon-Mot-2026" not in dump
    assert core.org.authenticate("c.d@exemple.fr", "Tres-Bon-Mot-2026").active


def test_attachment_request_waits_for_a_manager(core, as_):
    moe = as_("moe")
    user = new_user(core, "e.f@atelier-moreau.fr")
    request = core.org.request_attachment(user, moe.structure.id)
    with pytest.raises(Conflict):
        core.org.request_attachment(user, moe.structure.id)
    assert [r["login"] for r in core.org.pending_requests(moe)] == [user.login]
    with pytest.raises(NotAuthorised):  # another structure's manager cannot decide
        core.org.decide_attachment(as_("moa"), request, True)
    core.org.decide_attachment(moe, request, True, MemberRole.GS)
    session = core.org.open_session(user)
    assert (session.structure.id, session.member_role) == (moe.structure.id, MemberRole.GS)
    with pytest.raises(Conflict):
        core.org.decide_attachment(moe, request, False)


def test_structure_creator_becomes_principal_manager_and_gp_is_transferred(core):
    founder = new_user(core, "g.h@nouvelle.fr")
    structure = core.org.create_structure(
        founder, identifier="21450999400049", name="Syndicat des eaux"
    )
    gp = core.org.open_session(founder)
    assert gp.member_role is MemberRole.GP
    colleague = new_user(core, "i.j@nouvelle.fr")
    core.org.decide_attachment(
        gp, core.org.request_attachment(colleague, structure.id), True, MemberRole.GS
    )
    gs = core.org.open_session(colleague)
    with pytest.raises(NotAuthorised):  # a GS cannot take the GP role
        core.org.transfer_gp(gs, colleague.id)
    with pytest.raises(NotAuthorised):  # nor demote the GP
        core.org.set_role(gs, founder.id, MemberRole.USER)
    core.org.transfer_gp(gp, colleague.id)
    roles = {u.login: r for u, r in core.org.members(structure.id)}
    assert roles == {founder.login: MemberRole.GS, colleague.login: MemberRole.GP}


def test_creating_a_structure_checks_its_siret(core):
    founder = new_user(core, "k.l@nouvelle.fr")
    with pytest.raises(UsageError) as raised:
        core.org.create_structure(founder, identifier="12345678901234", name="X")
    assert raised.value.field == "identifier"
    with pytest.raises(Conflict):  # already exists: ask for an attachment instead
        core.org.create_structure(founder, identifier="82345678500125", name="Y")
    other = core.org.create_structure(
        founder, identifier="DE123456789", identifier_type="UE_HORS_FRANCE", name="Bau GmbH"
    )
    assert other.identifier_type == "UE_HORS_FRANCE"


@pytest.mark.parametrize(
    "criteria, expected",
    [
        ({"identifier": "8234"}, ["ATELIER MOREAU ARCHITECTES"]),
        ({"name": "charp*"}, ["CHARPENTES MARTIN SARL"]),
        ({"name": "*sarl"}, ["CHARPENTES MARTIN SARL", "ELECTRICITE LEFEVRE SARL"]),
        ({"name": "électricité"}, ["ELECTRICITE LEFEVRE SARL"]),
        (
            {"postcode": "45000", "city": "orléans"},
            ["ATELIER MOREAU ARCHITECTES", "SERVICE DE GESTION COMPTABLE D'ORLEANS"],
        ),
        ({"name": "100%"}, []),
    ],
)
def test_structure_search_with_wildcards(core, criteria, expected):
    assert [s.name for s in core.org.search_structures(**criteria)] == expected


def test_bank_account_iban_is_checked(core, as_):
    titulaire = as_("titulaire")
    with pytest.raises(UsageError) as raised:
        core.org.add_bank_account(titulaire, titulaire.structure.id, "FR7630006000011234567890188")
    assert raised.value.field == "iban"
    with pytest.raises(NotAuthorised):
        core.org.add_bank_account(as_("moe"), titulaire.structure.id, "FR7630006000011234567890189")
