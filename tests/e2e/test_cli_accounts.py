"""Accounts through `decompte` in subprocesses: self-registration never shows the code (text
or JSON), the code reaches the outbox; only a manager's `user create` / `user reissue --as`
print it, marked; every login refusal reads the same and exits 4."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys

from support import LOGINS

PASSWORD = "Decompte-Demo-2026"
NEW = "Tres-Bon-Mot-2026"
CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def run(db, *args, login="", password=PASSWORD):
    env = {
        **os.environ,
        "DECOMPTE_PASSWORD": password,
        "DECOMPTE_CONFIG": os.devnull + ".absent.toml",
    }
    env.pop("DECOMPTE_OUTBOX", None)
    cmd = [sys.executable, "-m", "decompte.sdk.cli", "--db", str(db)]
    if login:
        cmd += ["--as", LOGINS.get(login, login)]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=60)


def _outbox_code(db, login):
    mails = (db.parent / f"{db.name}.outbox").glob(f"*{login}*.eml")
    mail = max(mails, key=lambda p: p.stat().st_mtime_ns)  # the latest code
    assert stat.S_IMODE(mail.stat().st_mode) == 0o600
    return CODE.search(mail.read_text()).group(0)


def test_self_registration_sends_the_code_and_never_prints_it(demo_db):
    login = "inscrit@exemple.fr"
    names = ("--last-name", "INSCRIT", "--first-name", "Ines")
    out = run(demo_db, "user", "register", login, *names)
    assert out.returncode == 0, out.stderr
    assert f"un code a été envoyé à l'adresse {login}" in out.stdout
    code = _outbox_code(demo_db, login)
    assert code not in out.stdout + out.stderr and not CODE.search(out.stdout + out.stderr)
    data = json.loads(run(demo_db, "--json", "user", "register", "autre@exemple.fr", *names).stdout)
    assert data["sent"]["to"] == "autre@exemple.fr" and "activation_code" not in data
    assert not CODE.search(json.dumps(data))
    resent = run(demo_db, "--json", "user", "reissue", login)
    assert resent.returncode == 0 and not CODE.search(resent.stdout + resent.stderr)
    fresh = _outbox_code(demo_db, login)
    done = run(demo_db, "user", "activate", login, "--code", fresh.lower(), password=NEW)
    assert done.returncode == 0, done.stderr
    me = run(demo_db, "user", "me", login=login, password=NEW)
    assert me.returncode == 4 and "rattaché à aucune structure" in me.stderr  # logged in


def test_reissue_without_as_does_not_tell_whether_the_account_exists(demo_db):
    pending = "en.attente@exemple.fr"
    names = ("--last-name", "ATTENTE", "--first-name", "Eve")
    assert run(demo_db, "user", "register", pending, *names).returncode == 0
    answers = {
        who: run(demo_db, "user", "reissue", login)
        for who, login in (
            ("inconnu", "personne@exemple.fr"),
            ("actif", LOGINS["moe"]),
            ("inactif", pending),
        )
    }
    assert {a.returncode for a in answers.values()} == {0}
    texts = {
        a.stdout.replace(login, "X")
        for a, login in zip(
            answers.values(), ("personne@exemple.fr", LOGINS["moe"], pending), strict=True
        )
    }
    assert len(texts) == 1, texts
    assert len(list((demo_db.parent / "demo.db.outbox").glob(f"*{pending}*"))) == 2


def test_a_manager_creates_an_account_and_sees_the_code_marked(demo_db):
    login = "agent.nouveau@saint-aubin.fr"
    names = ("--last-name", "NOUVEAU", "--first-name", "Agent")
    out = run(demo_db, "user", "create", login, *names, login="moa")
    assert out.returncode == 0, out.stderr
    assert "Code d'activation (à transmettre à l'utilisateur par un canal sûr)" in out.stdout
    code = CODE.search(out.stdout).group(0)
    again = run(demo_db, "--json", "user", "reissue", login, login="moa")
    new_code = json.loads(again.stdout)["activation_code"]
    assert CODE.fullmatch(new_code) and new_code != code
    refused = run(demo_db, "user", "activate", login, "--code", code, password=NEW)
    assert refused.returncode == 4 and "Code d'activation" in refused.stderr
    assert run(demo_db, "user", "activate", login, "--code", new_code, password=NEW).returncode == 0
    clerk = run(demo_db, "user", "create", "x.y@saint-aubin.fr", *names, login="clerk")
    assert clerk.returncode == 4 and not CODE.search(clerk.stdout + clerk.stderr)


def test_every_login_refusal_reads_the_same_and_exits_4(demo_db):
    names = ("--last-name", "INACTIF", "--first-name", "Ina")
    assert run(demo_db, "user", "register", "inactif@exemple.fr", *names).returncode == 0
    for _ in range(5):
        run(demo_db, "synthese", login="titulaire", password="faux-mot-de-passe")
    cases = {
        "inconnu": ("personne@nulle-part.fr", PASSWORD),
        "faux": ("moe", "faux-mot-de-passe"),
        "inactif": ("inactif@exemple.fr", PASSWORD),
        "verrouillé": ("titulaire", PASSWORD),
    }
    seen = {}
    for cause, (login, password) in cases.items():
        out = run(demo_db, "--json", "synthese", login=login, password=password)
        seen[cause] = (out.returncode, out.stdout, out.stderr)
    assert len(set(seen.values())) == 1, seen
    assert seen["inconnu"][0] == 4


def test_an_empty_password_is_a_usage_error_and_does_not_lock(demo_db):
    for _ in range(6):
        out = run(demo_db, "synthese", login="moe", password=" ")
        assert out.returncode == 2 and "Mot de passe vide" in out.stderr
    assert run(demo_db, "synthese", login="moe").returncode == 0
