"""Accounts and secrets: activation codes hashed, limited in time and tries, delivered to the
address (plugin or outbox), never returned by self-registration; the password policy on
normalised text; one login refusal for every cause after the same hashing work; blank
passwords not counted; identity fields checked before anything is written, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import uuid
from datetime import datetime, time

import pytest
from sqlalchemy import func, select

from decompte.sdk import passwords
from decompte.sdk.config import Config
from decompte.sdk.errors import Conflict, NotAuthorised, UsageError
from decompte.sdk.hookspecs import hookimpl
from decompte.sdk.model import MemberRole
from decompte.sdk.plugins import PluginHost
from decompte.sdk.store import open_store
from decompte.sdk.store.schema import users

from engines import pg_database
from support import LOGINS, TODAY, Clock, quiet_core

GOOD = "Tres-Bon-Mot-2026"
DEMO_PASSWORD = "Decompte-Demo-2026"


def _column(core, login: str, name: str):
    with core.store.read() as conn:
        return conn.execute(select(users.c[name]).where(users.c.login == login)).scalar_one()


def _user_count(core) -> int:
    with core.store.read() as conn:
        return conn.execute(select(func.count()).select_from(users)).scalar_one()


class Postbox:
    """A notifier plugin as a third party writes one: it keeps what it is given."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    @hookimpl
    def decompte_notify(self, kind, recipient, subject, body):
        self.sent.append({"kind": kind, "recipient": recipient, "subject": subject, "body": body})
        return True


class BrokenPostbox:
    @hookimpl
    def decompte_notify(self, body):
        raise RuntimeError(f"relais injoignable pour {body}")


def core_with(store, clock, **plugins):
    from decompte.sdk.core import Core

    host = PluginHost.load(Config(), entry_points=False, extra=plugins)
    return Core(store, Config(), clock, plugins=host)


# -- password policy on normalised text --------------------------------------------------------

ZW = "\u200b"


@pytest.mark.parametrize(
    "password, problem",
    [
        (GOOD, None),
        ("Ｔｒｅｓ－Ｂｏｎ－２０２６", None),  # full-width forms: NFKC makes them ASCII
        ("Ééééééééééé1", None),  # É upper case, é lower case: letters of their case
        ("E\u0301cole-de-2026", None),  # E + combining acute = É (one character)
        ("éééééééééé12", "il manque encore 1 groupe(s)"),  # lower case and digits only
        ("Court-Mot-26", None),
        ("Court-Mot-2" + ZW * 5, "au moins 12 caractères visibles (11 comptés"),
        ("Court-Mot-2" + "\u2060\ufeff\u200d", "11 comptés"),  # word joiner, BOM, ZWJ
        ("Court-Mot-2" + "\u0301", "11 comptés"),  # a combining mark alone is not a character
        ("Court-Mot-2" + "\u3164\u115f", "11 comptés"),  # Hangul fillers: blank on screen
        ("a" * 10 + "\u0301\u0302\u0303", "au moins 12"),
        ("toutenminusculessansrien", "il manque encore 2 groupe(s)"),
        ("TOUTENMAJUSCULES12", "il manque encore 1 groupe(s) parmi : minuscules, caractères"),
    ],
)
def test_password_policy_counts_what_a_person_sees(password, problem):
    found = passwords.policy_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found and found.startswith("Mot de passe")


@pytest.mark.parametrize(
    "password", [GOOD + "\t", "\x1b[31m" + GOOD, GOOD + "\x00", "Tres\nBon-Mot-2026", GOOD + "\x7f"]
)
def test_a_control_character_in_a_new_password_is_a_named_error(core, password):
    login = "ctrl.char@exemple.fr"
    _, code = core.org.register_user(login, "", "NOM", "Prénom")
    with pytest.raises(UsageError) as raised:
        core.org.activate(login, code, password)
    assert raised.value.field == "password" and "caractère de contrôle" in raised.value.message
    assert _column(core, login, "active") is False


def test_passwords_are_compared_on_their_nfkc_form(core):
    login = "nfkc@exemple.fr"
    _, code = core.org.register_user(login, "", "NOM", "Prénom")
    core.org.activate(login, code, "E\u0301cole-de-2026")  # decomposed É
    assert core.org.authenticate(login, "\u00c9cole-de-2026").login == login  # composed É
    assert core.org.authenticate(login, "Ｅ\u0301cole-de-２０２６").login == login


def _old_hash(password: str) -> str:
    """A hash as the version before normalisation wrote it (the text as typed)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**13, r=8, p=10, dklen=32)
    enc = base64.b64encode
    return f"scrypt${2**13}$8$10${enc(salt).decode()}${enc(digest).decode()}"


def test_hashes_stored_before_normalisation_still_verify():
    assert passwords.check_password(DEMO_PASSWORD, _old_hash(DEMO_PASSWORD)) == (True, False)
    decomposed = "E\u0301cole-de-2026"  # an old hash of a non-NFKC text: valid, rehashed
    assert passwords.check_password(decomposed, _old_hash(decomposed)) == (True, True)
    assert passwords.check_password("autre", _old_hash(DEMO_PASSWORD)) == (False, False)


def test_an_old_non_normalised_hash_is_replaced_at_login(core):
    login, decomposed = LOGINS["moe"], "E\u0301cole-de-2026"
    with core.store.write() as conn:
        conn.execute(
            users.update().where(users.c.login == login).values(password_hash=_old_hash(decomposed))
        )
    assert core.org.authenticate(login, decomposed).login == login
    assert _column(core, login, "password_hash") != _old_hash(decomposed)
    assert core.org.authenticate(login, "\u00c9cole-de-2026").login == login


# -- login: one refusal, the same work ---------------------------------------------------------


def _refusals(core, clock):
    inactive = "pas.active@exemple.fr"
    core.org.register_user(inactive, "", "NOM", "Prénom")
    locked = LOGINS["titulaire"]
    for _ in range(5):
        with pytest.raises(NotAuthorised):
            core.org.authenticate(locked, "mauvais")
    return {
        "inconnu": ("personne@nulle-part.fr", DEMO_PASSWORD),
        "mot de passe faux": (LOGINS["moe"], "Pas-Le-Bon-2026"),
        "inactif": (inactive, DEMO_PASSWORD),
        "verrouillé": (locked, DEMO_PASSWORD),
    }


def test_unknown_wrong_inactive_and_locked_get_the_same_refusal(core, clock):
    seen = {}
    for cause, (login, password) in _refusals(core, clock).items():
        with pytest.raises(NotAuthorised) as raised:
            core.login(login, password)
        seen[cause] = (raised.value.as_dict(), raised.value.exit_code)
    assert len({repr(v) for v in seen.values()}) == 1, seen
    assert seen["inconnu"][1] == 4


def test_every_refusal_spends_the_same_hashing_work(core, clock, monkeypatch):
    """No timed assert: the work is counted (scrypt calls); bench/bench_login.py times it."""
    cases = _refusals(core, clock)
    calls: list[int] = []
    real = passwords._scrypt
    monkeypatch.setattr(
        passwords, "_scrypt", lambda *a: calls.append(len(a)) or real(*a), raising=True
    )
    counts = {}
    for cause, (login, password) in cases.items():
        calls.clear()
        with pytest.raises(NotAuthorised):
            core.org.authenticate(login, password)
        counts[cause] = len(calls)
    assert set(counts.values()) == {1}, counts
    assert not passwords.needs_rehash(passwords.DUMMY_HASH)  # the same cost as a real hash


def test_a_blank_password_is_refused_and_not_counted(core):
    login = LOGINS["moe"]
    for blank in ["", " ", "   \t ", ZW, "\u3164 \u200d"] * 2:
        with pytest.raises(UsageError) as raised:
            core.org.authenticate(login, blank)
        assert raised.value.field == "password" and "vide" in raised.value.message
    assert _column(core, login, "failed_logins") == 0
    assert core.org.authenticate(login, DEMO_PASSWORD).login == login


# -- activation codes ----------------------------------------------------------------------------


def test_the_code_is_stored_hashed_and_fits_its_column(core):
    login = "hache@exemple.fr"
    _, code = core.org.register_user(login, "", "NOM", "Prénom")
    stored = _column(core, login, "activation_code")
    bare = code.replace("-", "")
    assert code not in stored and bare not in stored and bare.lower() not in stored
    assert stored.startswith("c$") and len(stored) <= users.c.activation_code.type.length
    assert passwords.verify_code(code.lower(), stored)  # typed in lower case: the same code
    core.org.activate(login, code, GOOD)
    assert _column(core, login, "activation_code") == ""


def test_five_wrong_codes_void_the_code_until_a_new_one_is_issued(core):
    login = "essais@exemple.fr"
    _, code = core.org.register_user(login, "", "NOM", "Prénom")
    hints = []
    for _ in range(5):
        with pytest.raises(NotAuthorised) as raised:
            core.org.activate(login, "AAAA-AAAA-AAAA", GOOD)
        hints.append(raised.value.hint)
    assert hints[0].startswith("4 essai(s)") and "invalidé" in hints[-1]
    assert _column(core, login, "activation_code") == ""
    with pytest.raises(NotAuthorised) as raised:  # even the right code now
        core.org.activate(login, code, GOOD)
    assert "Aucun code d'activation valable" in raised.value.message
    assert "reissue" in raised.value.hint
    sent = core.org.resend_code(login)
    assert sent is not None and sent.path is not None
    fresh = next(x for x in sent.path.read_text().split() if x.count("-") == 2 and len(x) == 14)
    assert core.org.activate(login, fresh, GOOD).active


def test_an_empty_code_is_refused_without_spending_a_try(core):
    login = "vide@exemple.fr"
    core.org.register_user(login, "", "NOM", "Prénom")
    for empty in ["", " - ", "   "]:
        with pytest.raises(UsageError):
            core.org.activate(login, empty, GOOD)
    assert _column(core, login, "failed_logins") == 0


def test_the_code_expires_after_sixty_minutes(core, clock):
    login = "expire@exemple.fr"
    _, code = core.org.register_user(login, "", "NOM", "Prénom")
    clock.advance(hours=1)
    clock.now = clock.now.replace(second=1)
    with pytest.raises(NotAuthorised) as raised:
        core.org.activate(login, code, GOOD)
    assert "expiré" in raised.value.message and "60 minutes" in raised.value.message


def test_a_code_stored_in_clear_by_an_older_version_is_void(core):
    login = "ancien@exemple.fr"
    core.org.register_user(login, "", "NOM", "Prénom")
    with core.store.write() as conn:
        conn.execute(
            users.update().where(users.c.login == login).values(activation_code="12345678")
        )
    with pytest.raises(NotAuthorised) as raised:
        core.org.activate(login, "12345678", GOOD)
    assert "Aucun code d'activation valable" in raised.value.message


def test_self_registration_sends_the_code_to_a_notifier_plugin(demo_db, clock, tmp_path):
    postbox = Postbox()
    core = core_with(open_store(demo_db), clock, courrier=postbox)
    _, sent = core.org.sign_up("Nouvel.Agent@Exemple.FR", "", "AGENT", "Nouvel")
    assert (sent.recipient, sent.by, sent.path) == ("nouvel.agent@exemple.fr", "courrier", None)
    [note] = postbox.sent
    assert note["kind"] == "activation_code" and note["recipient"] == "nouvel.agent@exemple.fr"
    code = next(w for w in note["body"].split() if w.count("-") == 2 and len(w) == 14)
    assert core.org.activate("nouvel.agent@exemple.fr", code, GOOD).active
    assert not list(tmp_path.glob("*.outbox"))
    core.close()


def test_a_failing_plugin_falls_back_to_the_outbox_without_echoing_the_body(
    demo_db, clock, monkeypatch, tmp_path
):
    outbox = tmp_path / "envois"
    monkeypatch.setenv("DECOMPTE_OUTBOX", str(outbox))
    core = core_with(open_store(demo_db), clock, casse=BrokenPostbox())
    old_umask = os.umask(0)  # whatever the umask, the outbox is private
    try:
        _, sent = core.org.sign_up("repli@exemple.fr", "", "REPLI", "Agent")
    finally:
        os.umask(old_umask)
    assert sent.path is not None and sent.path.parent == outbox
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    assert stat.S_IMODE(sent.path.stat().st_mode) == 0o600
    text = sent.path.read_text()
    assert "To: repli@exemple.fr" in text and "Votre code d'activation" in text
    [problem] = [p for p in core.plugins.problems if p.plugin == "casse"]
    assert "RuntimeError" in problem.message and "code" not in problem.message.lower()
    core.close()


def test_an_outbox_that_cannot_be_written_is_a_named_error_and_voids_the_code(
    demo_db, clock, monkeypatch, tmp_path
):
    blocker = tmp_path / "un-fichier"
    blocker.write_text("")
    monkeypatch.setenv("DECOMPTE_OUTBOX", str(blocker / "envois"))
    core = core_with(open_store(demo_db), clock)
    with pytest.raises(NotAuthorised) as raised:
        core.org.sign_up("sans.boite@exemple.fr", "", "BOITE", "Sans")
    assert raised.value.field == "outbox" and "DECOMPTE_OUTBOX" in raised.value.hint
    assert "enregistré mais inactif" in raised.value.message
    assert _column(core, "sans.boite@exemple.fr", "activation_code") == ""
    core.close()


# -- the administrator's path ---------------------------------------------------------------------


def test_a_manager_creates_a_colleague_account_and_gets_its_code(core, as_):
    moa = as_("moa")
    user, code = core.org.create_account_for(moa, "collegue@saint-aubin.fr", "", "COL", "Lègue")
    assert [(m.structure_id, m.role) for m in core.org.memberships(user.id)] == [
        (moa.structure.id, MemberRole.USER)
    ]
    again = core.org.reissue_code(moa, user.login)  # the old one is void
    with pytest.raises(NotAuthorised):
        core.org.activate(user.login, code, GOOD)
    assert core.org.activate(user.login, again, GOOD).active
    with pytest.raises(Conflict):
        core.org.reissue_code(moa, user.login)


def test_only_a_manager_of_the_account_structure_may_see_a_code(core, as_):
    before = _user_count(core)
    with pytest.raises(NotAuthorised):  # a simple user is no manager
        core.org.create_account_for(as_("clerk"), "x.y@saint-aubin.fr", "", "Y", "X")
    assert _user_count(core) == before
    user, _ = core.org.create_account_for(as_("moa"), "z.w@saint-aubin.fr", "", "W", "Z")
    with pytest.raises(NotAuthorised):  # the manager of another structure
        core.org.reissue_code(as_("moe"), user.login)


# -- identity fields, the same on SQLite and PostgreSQL ------------------------------------------


@pytest.fixture(scope="module")
def pg_store(tmp_path_factory):
    for url in pg_database():
        store = open_store(url, files_dir=tmp_path_factory.mktemp("pgfiles") / "files")
        try:
            yield store
        finally:
            store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_core(request, tmp_path):
    clock = Clock(datetime.combine(TODAY, time(14)))
    if request.param == "sqlite":
        store = open_store(tmp_path / "vide.db")
    else:
        store = request.getfixturevalue("pg_store")
    core = quiet_core(store, clock)
    yield core
    if request.param == "sqlite":
        core.close()


LONG = "a" * 190 + "@exemple.fr"  # 201 characters
HOSTILE = [
    ("login", {"login": "sans-arobase.fr"}, "un et un seul @"),
    ("login", {"login": "a@b@exemple.fr"}, "un et un seul @"),
    ("login", {"login": "a b@exemple.fr"}, "espace"),
    ("login", {"login": "a\u00a0b@exemple.fr"}, ""),
    ("login", {"login": "ab@exemple"}, "domaine"),
    ("login", {"login": "ab@exemple..fr"}, "domaine"),
    ("login", {"login": "ab@-exemple.fr"}, "domaine"),
    ("login", {"login": "@exemple.fr"}, "avant le @"),
    ("login", {"login": ".ab@exemple.fr"}, "avant le @"),
    ("login", {"login": "a<b>@exemple.fr"}, "interdit"),
    ("login", {"login": "a\x1b[31m@exemple.fr"}, ""),
    ("login", {"login": "\u202eab@exemple.fr"}, ""),
    ("login", {"login": LONG}, "Trop long"),
    ("email", {"email": "contact@@exemple.fr"}, "un et un seul @"),
    ("email", {"email": "contact exemple.fr"}, ""),
    ("last_name", {"last_name": "   "}, "obligatoire"),
    ("last_name", {"last_name": "DUPONT\x1b]0;pwn\x07"}, ""),
    ("last_name", {"last_name": "D" * 101}, "Trop long"),
    ("first_name", {"first_name": "Jean\u2066"}, ""),
    ("first_name", {"first_name": "J" * 101}, "Trop long"),
]


@pytest.mark.parametrize("field, values, words", HOSTILE)
def test_identity_fields_are_checked_before_anything_is_written(empty_core, field, values, words):
    base = {"login": "jean.dupont@exemple.fr", "email": "", "last_name": "DUPONT"}
    args = {**base, "first_name": "Jean", **values}
    before = _user_count(empty_core)
    with pytest.raises(UsageError) as raised:
        empty_core.org.register_user(**args)
    assert raised.value.field == field and words in raised.value.message
    assert _user_count(empty_core) == before


def test_addresses_are_stored_normalised(empty_core):
    login = f"Agent.{uuid.uuid4().hex[:6]}@Mairie.Exemple.FR"
    user, _ = empty_core.org.register_user(login, " Contact.Perso@Exemple.FR ", "NOM", "Élise")
    assert user.login == login.lower()
    assert user.email == "Contact.Perso@exemple.fr"  # the domain's case only
    with pytest.raises(Conflict):
        empty_core.org.register_user(login.upper(), "", "NOM", "Élise")
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in login)
    assert empty_core.org.user(full_width).login == user.login  # NFKC: the same login
