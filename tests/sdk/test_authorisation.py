"""Who may see and act: attachment, role on the dossier, holder, space, active structure."""

from __future__ import annotations

import base64
import hashlib
import sqlite3

import pytest
from sqlalchemy import select, update

from decompte.sdk.errors import NotAuthorised, NotFound, ValidationRefused
from decompte.sdk.passwords import needs_rehash
from decompte.sdk.pluginapi import PluginView
from decompte.sdk.queries import SearchCriteria
from decompte.sdk.store.schema import users

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


@pytest.fixture
def a4(core, as_, draft):
    return core.workflow.deposit(as_("titulaire"), draft(A4, "AUTH-1")).piece


@pytest.mark.parametrize("outsider", ["soustraitant2", "cotraitant", "soustraitant"])
def test_structure_of_another_dossier_can_neither_see_nor_act(core, as_, a4, outsider):
    session = as_(outsider)
    with pytest.raises(NotFound):
        core.queries.piece(session, a4.id)
    with pytest.raises(NotFound):
        core.queries.history(session, a4.id)
    with pytest.raises(NotFound):
        core.workflow.take(session, a4.id)
    assert "AUTH-1" not in [r.number for r in core.queries.synthese(session).rows]
    found = core.queries.search(session, SearchCriteria(role="FOURNISSEUR", number="AUTH-1"))
    assert found.total == 0


@pytest.mark.parametrize("party", ["titulaire", "moa"])
def test_party_that_is_not_the_holder_sees_but_cannot_act(core, as_, a4, party):
    session = as_(party)
    assert core.queries.piece(session, a4.id).number == "AUTH-1"
    with pytest.raises(NotAuthorised) as raised:
        core.workflow.take(session, a4.id)
    assert raised.value.field == "piece"


def test_holder_acts(core, as_, a4):
    assert core.workflow.take(as_("moe"), a4.id).state == "PRISE_EN_COMPTE_MOE"


def test_structure_not_on_the_marche_cannot_deposit(core, as_, draft):
    """Refused exactly as a marché that does not exist: the answer tells nothing more."""
    outsider = as_("soustraitant2")
    with pytest.raises(NotFound) as raised:
        core.workflow.deposit(outsider, draft(A4, "AUTH-2", marche="2026-ECO-001"))
    with pytest.raises(NotFound) as absent:
        core.workflow.deposit(outsider, draft(A4, "AUTH-2", marche="2099-NUL-999"))
    assert raised.value.field == absent.value.field == "marche_number"
    assert str(raised.value).replace("2026-ECO-001", "N") == str(absent.value).replace(
        "2099-NUL-999", "N"
    )


def test_simple_user_needs_an_approved_space_subscription(core, as_, a4):
    org = core.org
    user, code = org.register_user("nina.roux@saint-aubin.fr", "", "ROUX", "Nina")
    org.activate(user.login, code, "Tres-Bon-Mot-2026")
    moa = as_("moa")
    request = org.request_attachment(user, moa.structure.id)
    org.decide_attachment(moa, request, True)
    nina = org.open_session(org.user(user.login))
    with pytest.raises(NotAuthorised) as raised:
        core.workflow.piece(a4.id, nina)
    assert raised.value.field == "space"
    assert org.request_space(nina) == "EN_ATTENTE"
    with pytest.raises(NotAuthorised):
        core.workflow.piece(a4.id, nina)
    org.decide_space(moa, user.id, "FACTURES_TRAVAUX", True)
    assert core.workflow.piece(a4.id, nina).number == "AUTH-1"


def test_consultation_mode_reads_but_does_not_act(core, as_, a4):
    moe = as_("moe")
    core.org.open_space(moe, "FACTURES_TRAVAUX", "CONSULTATION")
    assert core.workflow.piece(a4.id, moe).number == "AUTH-1"
    with pytest.raises(NotAuthorised) as raised:
        core.workflow.take(moe, a4.id)
    assert "consultation" in raised.value.message


def test_inactive_structure_cannot_act(core, as_, a4):
    moe = as_("moe")
    core.org.set_structure_active(moe, moe.structure.id, False)
    with pytest.raises(NotAuthorised) as raised:
        core.workflow.take(moe, a4.id)
    assert raised.value.field == "structure"
    with pytest.raises(NotAuthorised):
        core.org.open_session(moe.user)


def test_unknown_user_wrong_password_and_lockout(core, clock):
    """One refusal for an unknown login, a wrong password and a locked account (the
    message tells nothing about the account); the lock holds even the right password."""
    with pytest.raises(NotAuthorised) as unknown:
        core.login("personne@nulle-part.fr", "Decompte-Demo-2026")
    login = "juliette.forin@atelier-moreau.fr"
    for _ in range(5):
        with pytest.raises(NotAuthorised) as raised:
            core.login(login, "mauvais")
        assert raised.value.as_dict() == unknown.value.as_dict()
    with pytest.raises(NotAuthorised) as raised:  # even the right password, while locked
        core.login(login, "Decompte-Demo-2026")
    assert raised.value.as_dict() == unknown.value.as_dict()
    assert "verrouillé" in raised.value.hint
    clock.advance(hours=1)
    assert core.login(login, "Decompte-Demo-2026").user.login == login


def test_a_hash_of_older_settings_still_logs_in_and_is_rehashed(core):
    login, password = "juliette.forin@atelier-moreau.fr", "Decompte-Demo-2026"
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    encoded = [base64.b64encode(raw).decode() for raw in (salt, digest)]
    old = "$".join(["scrypt", "16384", "8", "1", *encoded])
    with core.store.write() as conn:
        conn.execute(update(users).where(users.c.login == login).values(password_hash=old))
    assert core.login(login, password).user.login == login
    with core.store.read() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.login == login)).scalar()
    assert stored != old and not needs_rehash(stored)
    assert core.login(login, password).user.login == login
    with pytest.raises(NotAuthorised):
        core.login(login, "Decompte-Demo-2025")


def test_logging_in_does_not_wait_for_a_writer(core, demo_db):
    """The password is checked outside any transaction: a long write (an import, a batch
    of deposits) does not hold the clerks' logins back."""
    writer = sqlite3.connect(demo_db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        login = "juliette.forin@atelier-moreau.fr"
        assert core.login(login, "Decompte-Demo-2026").user.login == login
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_user_with_several_structures_must_choose(core, as_):
    org = core.org
    moe = as_("moe")
    other = org.create_structure(
        moe.user, identifier="21450999400049", name="SYNDICAT DES EAUX DU LOIRET"
    )
    with pytest.raises(Exception) as raised:
        core.login(moe.user.login, "Decompte-Demo-2026")
    assert raised.value.field == "structure"
    session = core.login(moe.user.login, "Decompte-Demo-2026", other.identifier)
    assert session.structure.name == "SYNDICAT DES EAUX DU LOIRET"
    with pytest.raises(NotAuthorised):
        core.login(moe.user.login, "Decompte-Demo-2026", "13000412000171")


def test_a_manager_reactivates_an_inactive_structure_that_meanwhile_acts_on_nothing(core, as_, a4):
    """Seed 002: GP and GS hold the structure's administration rights; no one else."""
    moe = as_("moe")
    core.org.set_structure_active(moe, moe.structure.id, False)
    with pytest.raises(NotAuthorised) as raised:
        core.queries.piece(moe, a4.id)
    assert raised.value.field == "structure"
    back = core.org.open_session(moe.user, inactive_ok=True)
    with pytest.raises(NotAuthorised):  # the session only serves the reactivation
        core.queries.synthese(back)
    clerk_moa = as_("clerk")
    with pytest.raises(NotAuthorised) as raised:  # a simple user of the MOA, on its own one
        core.org.set_structure_active(clerk_moa, clerk_moa.structure.id, False)
    assert "gestionnaires" in raised.value.message
    with pytest.raises(NotAuthorised):  # a manager of another structure
        core.org.set_structure_active(as_("moa"), moe.structure.id, True)
    core.org.set_structure_active(back, moe.structure.id, True)
    assert core.workflow.take(as_("moe"), a4.id).state == "PRISE_EN_COMPTE_MOE"


def test_an_inactive_structure_receives_nothing(core, as_, draft):
    moe = as_("moe")
    core.org.set_structure_active(moe, moe.structure.id, False)
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("titulaire"), draft(A4, "AUTH-INACTIVE"))
    named = [f for f in raised.value.findings if moe.structure.name in f.message]
    assert named and named[0].severity == "error"


def test_a_session_opened_before_the_lockout_acts_on_nothing_until_it_ends(core, as_, a4, clock):
    moe = as_("moe")  # e.g. the app left open, while someone tries the password
    for _ in range(5):
        with pytest.raises(NotAuthorised):
            core.login(moe.user.login, "mauvais")
    for read in (
        lambda: core.queries.piece(moe, a4.id),
        lambda: core.queries.synthese(moe),
        lambda: core.register.mine(moe),
        lambda: core.org.bank_details(moe),
        lambda: core.workflow.take(moe, a4.id),
    ):
        with pytest.raises(NotAuthorised) as raised:
            read()
        assert raised.value.field == "login"
    clock.advance(hours=1)
    assert core.workflow.take(moe, a4.id).state == "PRISE_EN_COMPTE_MOE"


def test_plugin_views_read_through_the_policy(core, as_, a4):
    plumber = as_("soustraitant2")  # on the gymnase only
    view = PluginView(core, plumber)
    with pytest.raises(NotFound):
        view.piece(a4.id)
    electrician = as_("soustraitant").structure  # private, on the school only
    with pytest.raises(NotFound):
        view.structure(electrician.id)
    assert view.structure(plumber.structure.id).name == plumber.structure.name
    assert PluginView(core).structure(electrician.id).name == electrician.name  # listeners
    moe = as_("moe")
    core.org.open_space(moe, "FACTURES_TRAVAUX", "CONSULTATION")
    assert PluginView(core, moe).history(a4.id)


# -- what a screen offers, and who may receive a piece after its deposit -----------------------


def _consultation_only(core, session):
    core.org.open_space(session, "FACTURES_TRAVAUX", "CONSULTATION")


def _locked(core, session):
    for _ in range(5):
        with pytest.raises(NotAuthorised):
            core.login(session.user.login, "mauvais")


def _inactive(core, session):
    core.org.set_structure_active(session, session.structure.id, False)


@pytest.mark.parametrize("restrict", [_consultation_only, _locked, _inactive])
def test_a_user_the_policy_would_refuse_is_offered_no_action(core, as_, a4, restrict):
    moe = as_("moe")
    assert core.workflow.allowed_actions(moe, a4) == ["take", "refuse", "suspend", "associate"]
    restrict(core, moe)
    assert core.workflow.allowed_actions(moe, a4) == []
    with pytest.raises(NotAuthorised):  # what the engine refuses, consistently
        core.workflow.take(moe, a4.id)


def test_a_validator_cannot_forward_to_a_moe_made_inactive_after_the_deposit(
    core, as_, draft, clock
):
    st, titulaire, moe = as_("soustraitant"), as_("titulaire"), as_("moe")
    a10 = core.workflow.deposit(st, draft("A10", "ST-INACTIVE", "3000.00")).piece
    core.org.set_structure_active(moe, moe.structure.id, False)
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.validate(titulaire, a10.id)
    assert raised.value.exit_code == 3 and "inactive" in raised.value.message
    assert [f.rule_id for f in raised.value.findings] == ["actors.inactive"]
    assert moe.structure.name in raised.value.findings[0].message
    kept = core.queries.piece(titulaire, a10.id)
    assert (kept.state, kept.holder_structure_id, kept.version) == (
        "MISE_A_DISPOSITION_PREMIER_VALIDEUR",
        titulaire.structure.id,
        a10.version,
    )
    # the validators' delay passes: the sweep does not hand it to the inactive MOE either
    clock.advance(days=20)
    core.workflow.sweep()
    assert core.queries.piece(titulaire, a10.id).state == "MISE_A_DISPOSITION_PREMIER_VALIDEUR"
    # a refusal still goes back to its (active) depositor
    refused = core.workflow.refuse(titulaire, a10.id, "ACHEMINEMENT", "MOE inactive")
    assert refused.holder_structure_id == st.structure.id


def test_an_inactive_second_validator_is_a_finding_of_the_deposit(core, as_, draft):
    titulaire = as_("titulaire")  # second validator of the plumber's pieces on the gymnase
    core.org.set_structure_active(titulaire, titulaire.structure.id, False)
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(
            as_("soustraitant2"), draft("A10", "PG-INACTIVE", marche="2026-GYM-002")
        )
    named = [f for f in raised.value.findings if titulaire.structure.name in f.message]
    assert [f.rule_id for f in named] == ["actors.inactive"]


def test_the_deposit_form_shows_a_non_party_no_default(core, as_):
    from decompte.sdk.deposit_form import open_form

    plumber = as_("soustraitant2")  # on the gymnase only
    form = open_form(core, plumber, marche_number="2026-ECO-001")
    assert form.marche is None
    assert (form.defaults.recipient, form.defaults.moe, form.defaults.moa) == (None, None, None)
    assert form.accounts == () and form.defaults.iban == ""


def test_the_deposit_form_reads_bank_accounts_through_the_policy(core, as_):
    from decompte.sdk.deposit_form import open_form

    titulaire, moe = as_("titulaire"), as_("moe")
    own = open_form(core, titulaire, marche_number="2026-ECO-001")
    assert [a.iban for a in own.accounts] == [a.iban for a in core.org.bank_details(titulaire)]
    prev = core.queries.find_piece(moe, "PDM-2026-04")
    after = open_form(core, moe, after=prev.id)
    assert after.accounts == ()  # the supplier's accounts are not the MOE's to read
    assert after.defaults.iban == own.defaults.iban  # the previous piece's IBAN carries over


def test_the_marche_card_is_read_through_the_policy(core, as_):
    moa = as_("moa")
    _locked(core, moa)
    with pytest.raises(NotAuthorised):
        core.register.card(moa, "2026-ECO-001")
    with pytest.raises(NotFound):
        core.register.card(as_("soustraitant2"), "2026-ECO-001")
