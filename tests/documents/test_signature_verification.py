"""Signed PDFs are verified for real (pyHanko): « signature valide / altérée / non vérifiable ».

Real signed PDFs are built here with pyHanko's signer and a throw-away CA made with
`cryptography` (root → signer); the verdicts are checked through the library call, the
`file inspect` command (text and JSON), a deposit (findings) and the configuration.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from decompte.sdk.config import load_config
from decompte.sdk.documents import DocumentFormat, inspect_file
from decompte.sdk.documents import signature as signature_module
from decompte.sdk.documents.signature import Verdict
from decompte.sdk.errors import UsageError
from decompte.sdk.findings import Severity

from .pki import SIGNER_CN, SIGNER_ORG, SIGNER_SERIAL, make_pki

pytest.importorskip("pyhanko")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("pki")
    signer, root_pem = make_pki()
    _other_signer, other_pem = make_pki("Autre")
    (folder / "racine.pem").write_bytes(root_pem)
    (folder / "autre.pem").write_bytes(other_pem)
    return {"signer": signer, "root": folder / "racine.pem", "other": folder / "autre.pem"}


@pytest.fixture(scope="module")
def signed(corpus: Any, pki: dict[str, Any]) -> bytes:
    return corpus.sign(corpus.make_pdf(2), pki["signer"])


def change_page_after_signing(pdf: bytes) -> bytes:
    """An incremental update that replaces the first page's content (what a forger does)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    forged = b"BT /F1 12 Tf 72 720 Td (Montant : 99 999 EUR) Tj ET"
    content = generic.StreamObject(stream_data=forged)
    page["/Contents"] = writer.add_object(content)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def garbage_contents(pdf: bytes, kind: str) -> bytes:
    """The signature's /Contents hex string replaced, its length (and the file's) kept."""
    data = bytearray(pdf)
    start = data.index(b"/Contents <") + len(b"/Contents <")
    end = data.index(b">", start)
    length = end - start
    fill = {
        "zeros": b"0" * length,
        "random": os.urandom(length // 2).hex().encode(),
        "truncated-der": bytes(data[start : start + length // 3]) + b"0" * (length - length // 3),
        "not-hex": b"Z" * length,
    }[kind]
    data[start:end] = fill[:length]
    return bytes(data)


def verdicts(path: Path, bundle: list[Path] | None = None) -> Any:
    return inspect_file(path, trust_bundle=bundle or []).signature_check


def test_valid_and_trusted(signed: bytes, pki: dict[str, Any], write: Any) -> None:
    check = verdicts(write("signe.pdf", signed), [pki["root"]])
    assert check.verdict is Verdict.VALID and check.trust_configured
    (v,) = check.verdicts
    assert v.label == "signature valide" and v.intact and v.trusted
    assert (v.signer_name, v.signer_organisation) == (SIGNER_CN, SIGNER_ORG)
    assert v.signer_serial == format(SIGNER_SERIAL, "X")
    assert v.coverage == "tout le fichier" and v.modification == "NONE"
    assert dt.datetime.fromisoformat(v.claimed_time).year >= 2024
    assert "révocation" in check.notes[0]  # said, not silently skipped


def test_valid_signature_is_an_info_finding_naming_the_signer(
    signed: bytes, pki: dict[str, Any], write: Any
) -> None:
    ins = inspect_file(write("signe.pdf", signed), trust_bundle=[pki["root"]])
    (finding,) = [f for f in ins.findings if f.rule_id.startswith("pdf.signature")]
    assert finding.rule_id == "pdf.signature.valid" and finding.severity is Severity.INFO
    assert SIGNER_CN in finding.message


def test_root_not_in_bundle_is_not_verifiable(
    signed: bytes, pki: dict[str, Any], write: Any
) -> None:
    ins = inspect_file(write("signe.pdf", signed), trust_bundle=[pki["other"]])
    (v,) = ins.signature_check.verdicts
    assert v.verdict is Verdict.UNVERIFIABLE and v.intact and not v.trusted
    assert "autorité de confiance" in v.reason
    (finding,) = [f for f in ins.findings if f.rule_id == "pdf.signature.unverified"]
    assert finding.severity is Severity.WARNING


def test_no_trust_bundle_is_not_verifiable_with_the_reason(signed: bytes, write: Any) -> None:
    check = verdicts(write("signe.pdf", signed))
    (v,) = check.verdicts
    assert v.verdict is Verdict.UNVERIFIABLE and not check.trust_configured
    assert "aucun certificat de confiance configuré" in v.reason
    assert v.signer_name == SIGNER_CN  # what can be read is still shown


def test_byte_changed_inside_the_signed_range_is_altered(
    signed: bytes, pki: dict[str, Any], write: Any
) -> None:
    data = bytearray(signed)
    data[10] ^= 0x01  # inside the binary comment of the header: the PDF still reads
    ins = inspect_file(write("altere.pdf", bytes(data)), trust_bundle=[pki["root"]])
    (v,) = ins.signature_check.verdicts
    assert v.verdict is Verdict.ALTERED and v.intact is False
    assert "empreinte" in v.reason
    (finding,) = [f for f in ins.findings if f.rule_id == "pdf.signature.altered"]
    assert finding.severity is Severity.ERROR


@pytest.mark.parametrize(
    "change",
    [change_page_after_signing, "root-update"],
    ids=["page-content-replaced", "catalog-changed"],
)
def test_incremental_update_after_signing_is_altered(
    change: Any, corpus: Any, signed: bytes, pki: dict[str, Any], write: Any
) -> None:
    changed = corpus.append_update(signed) if change == "root-update" else change(signed)
    (v,) = verdicts(write("modifie.pdf", changed), [pki["root"]]).verdicts
    assert v.verdict is Verdict.ALTERED, v
    assert v.intact and v.modification == "OTHER" and v.modification_permitted is False
    assert v.coverage.startswith("sa révision")


def test_a_second_signature_is_a_permitted_update(
    corpus: Any, signed: bytes, pki: dict[str, Any], write: Any
) -> None:
    twice = corpus.sign(signed, pki["signer"], name="Signature2")
    check = verdicts(write("deux.pdf", twice), [pki["root"]])
    first, second = check.verdicts
    assert (first.field_name, second.field_name) == ("Signature1", "Signature2")
    assert first.verdict is second.verdict is Verdict.VALID
    assert first.modification == "FORM_FILLING" and first.modification_permitted


@pytest.mark.parametrize("kind", ["zeros", "random", "truncated-der", "not-hex"])
def test_garbage_signature_contents_never_crash(
    kind: str, signed: bytes, pki: dict[str, Any], write: Any
) -> None:
    path = write("garbage.pdf", garbage_contents(signed, kind))
    try:
        ins = inspect_file(path, trust_bundle=[pki["root"]])
    except Exception as exc:  # a structural refusal is fine, named: never an unexpected crash
        from decompte.sdk.documents import DocumentError

        assert isinstance(exc, DocumentError), repr(exc)
        return
    if ins.signature_check is None:  # the signature dictionary itself did not parse
        assert not ins.signed and ins.format is not DocumentFormat.PDF_SIGNE_PADES
        return
    (v,) = ins.signature_check.verdicts
    assert v.verdict in (Verdict.ALTERED, Verdict.UNVERIFIABLE) and v.reason


def test_signature_count_is_bounded(
    corpus: Any, signed: bytes, pki: dict[str, Any], write: Any, monkeypatch: Any
) -> None:
    twice = corpus.sign(signed, pki["signer"], name="Signature2")
    monkeypatch.setattr(signature_module, "MAX_VERIFIED", 1)
    first, second = verdicts(write("deux.pdf", twice), [pki["root"]]).verdicts
    assert first.verdict is Verdict.VALID
    assert second.verdict is Verdict.UNVERIFIABLE and "plus de 1 signatures" in second.reason


def test_a_verification_that_never_ends_is_stopped(
    signed: bytes, pki: dict[str, Any], write: Any, monkeypatch: Any
) -> None:
    import time

    def forever(*_args: Any) -> Any:
        while True:
            time.sleep(0.005)

    monkeypatch.setattr(signature_module, "_verify_one", forever)
    monkeypatch.setattr(signature_module, "VERIFY_SECONDS", 0.3)
    (v,) = verdicts(write("signe.pdf", signed), [pki["root"]]).verdicts
    assert v.verdict is Verdict.UNVERIFIABLE and "interrompue" in v.reason
    assert v.field_name == "Signature1"


def test_bundle_file_gone_after_configuration(signed: bytes, tmp_path: Path, write: Any) -> None:
    (v,) = verdicts(write("signe.pdf", signed), [tmp_path / "disparu.pem"]).verdicts
    assert v.verdict is Verdict.UNVERIFIABLE and "introuvable" in v.reason


# --- configuration --------------------------------------------------------------------------


def config_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_config_trust_bundle_path_or_list_relative_to_the_config(
    pki: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "ac.pem").write_bytes(pki["root"].read_bytes())
    one = load_config(config_file(tmp_path, '[signatures]\ntrust_bundle = "ac.pem"\n'))
    assert one.trust_bundle == (tmp_path / "ac.pem",)
    body = f'[signatures]\ntrust_bundle = ["ac.pem", "{pki["other"]}"]\n'
    both = load_config(config_file(tmp_path, body))
    assert both.trust_bundle == (tmp_path / "ac.pem", pki["other"])
    assert load_config(config_file(tmp_path, "")).trust_bundle == ()


@pytest.mark.parametrize(
    "body, words",
    [
        ('trust_bundle = "absent.pem"', "introuvable"),
        ('trust_bundle = "pas-un-pem.pem"', "aucun certificat PEM"),
        ('trust_bundle = "faux.pem"', "PEM valide"),
        ('trust_bundle = "."', "dossier"),
        ("trust_bundle = 3", "chemin de fichier PEM"),
        ('trust_bundle = ["ok.pem", 3]', "chemin de fichier PEM"),
        ('trust_bundle = ""', "chemin de fichier PEM"),
        ('bundle = "ok.pem"', "signatures.bundle"),
    ],
)
def test_bad_trust_bundle_is_a_named_usage_error(
    body: str, words: str, pki: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "ok.pem").write_bytes(pki["root"].read_bytes())
    (tmp_path / "pas-un-pem.pem").write_text("bonjour\n", encoding="utf-8")
    broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    (tmp_path / "faux.pem").write_bytes(broken)
    path = config_file(tmp_path, f"[signatures]\n{body}\n")
    with pytest.raises(UsageError) as caught:
        load_config(path)
    error = caught.value
    assert words in f"{error.field} {error.message}"
    assert error.field.startswith("signatures.")  # the key, like every configuration error
    assert str(path) in error.message  # and the file
    assert error.exit_code == 2


# --- through the CLI and a deposit ----------------------------------------------------------


def cli(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DECOMPTE_CONFIG": str(config or os.devnull + ".absent.toml"),
        "DECOMPTE_PASSWORD": "Decompte-Demo-2026",
    }
    return subprocess.run(
        [sys.executable, "-m", "decompte.sdk.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_cli_inspect_shows_the_verdict_in_text_and_json(
    signed: bytes, tmp_path: Path, write: Any
) -> None:
    good = write("signe.pdf", signed)
    data = bytearray(signed)
    data[10] ^= 0x01
    bad = write("altere.pdf", bytes(data))
    out = cli("--json", "file", "inspect", str(good))
    assert out.returncode == 0, out.stderr
    check = json.loads(out.stdout)["signature_check"]
    assert check["verdict"] == "non vérifiable" and check["trust_configured"] is False
    assert check["signatures"][0]["signer_name"] == SIGNER_CN
    text = cli("file", "inspect", str(bad))
    assert text.returncode == 0, text.stderr
    assert "Vérification   : signature altérée" in text.stdout
    assert "pdf.signature.altered" in text.stdout


def test_cli_inspect_uses_the_configured_trust_bundle(
    signed: bytes, pki: dict[str, Any], tmp_path: Path, write: Any
) -> None:
    config = config_file(tmp_path, f'[signatures]\ntrust_bundle = "{pki["root"]}"\n')
    out = cli("--json", "file", "inspect", str(write("signe.pdf", signed)), config=config)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["signature_check"]["verdict"] == "valide"


def test_deposit_refuses_an_altered_signature_and_warns_on_an_unverifiable_one(
    corpus: Any, pki: dict[str, Any], demo_db: Path, tmp_path: Path
) -> None:
    from decompte.sdk.demo import demo_pdf

    signed_demo = corpus.sign(demo_pdf("signe", ["test"]), pki["signer"])
    changed = tmp_path / "modifie.pdf"
    changed.write_bytes(change_page_after_signing(signed_demo))
    untrusted = tmp_path / "signe.pdf"
    untrusted.write_bytes(signed_demo)

    other_roots = config_file(tmp_path, f'[signatures]\ntrust_bundle = "{pki["other"]}"\n')

    def deposit(
        number: str, file: Path, *extra: str, config: Path | None = other_roots
    ) -> subprocess.CompletedProcess[str]:
        env_args = ["--db", str(demo_db), "--as", "luc.durand@batiments-durand.fr", "--json"]
        args = ["deposit", "--cadre", "A4", "--number", number, "--date", "2026-11-20"]
        args += ["--marche", "2026-ECO-001", "--line", "20:1 000,00"]
        args += ["--engagement", "EJ2026000123", "--file", str(file), *extra]
        return cli(*env_args, *args, config=config)

    refused = deposit("SIG-1", changed, "--confirm")
    assert refused.returncode == 3, (refused.stdout, refused.stderr)
    assert "pdf.signature.altered" in refused.stdout + refused.stderr
    warned = deposit("SIG-2", untrusted)
    assert warned.returncode == 3, (warned.stdout, warned.stderr)
    assert "pdf.signature.unverified" in warned.stdout + warned.stderr
    confirmed = deposit("SIG-2", untrusted, "--confirm")
    assert confirmed.returncode == 0, (confirmed.stdout, confirmed.stderr)
    assert json.loads(confirmed.stdout)["piece"]["file_format"] == "PDF_SIGNE_PADES"
    # No trust bundle configured: the intact signature's verdict is information, not a
    # question every depositor of a signed PDF would learn to confirm blindly.
    unconfigured = deposit("SIG-4", untrusted, config=None)
    assert unconfigured.returncode == 0, (unconfigured.stdout, unconfigured.stderr)


def test_deposit_with_a_trusted_signature_needs_no_confirmation(
    corpus: Any, pki: dict[str, Any], demo_db: Path, tmp_path: Path
) -> None:
    from decompte.sdk.demo import demo_pdf

    pdf = tmp_path / "signe.pdf"
    pdf.write_bytes(corpus.sign(demo_pdf("signe", ["test"]), pki["signer"]))
    config = config_file(tmp_path, f'[signatures]\ntrust_bundle = "{pki["root"]}"\n')
    args = ["--db", str(demo_db), "--as", "luc.durand@batiments-durand.fr", "--json"]
    args += ["deposit", "--cadre", "A4", "--number", "SIG-3", "--date", "2026-11-20"]
    args += ["--marche", "2026-ECO-001", "--line", "20:1 000,00"]
    args += ["--engagement", "EJ2026000123", "--file", str(pdf)]
    out = cli(*args, config=config)
    assert out.returncode == 0, (out.stdout, out.stderr)
