"""Cryptographic verification of the signatures of a PDF, with pyHanko.

`pdf.py` only reads the structure of a signature dictionary; a recipient needs to know
whether the signature is real: the digest matches the signed bytes, the CMS signature
verifies with the signer's key, the file was not changed after signing in a way the
signature does not permit, and the signer's certificate chains to a root the organisation
trusts (the `[signatures] trust_bundle` of the configuration). pyHanko, a maintained
PAdES/CMS validator, does that work: no cryptography is written here.

Each signature ends in one of three verdicts, in the portal's words: « signature valide »,
« signature altérée » (the signed bytes or the CMS do not verify, or the file was modified
after signing in a way that is not permitted), « signature non vérifiable » (no trust
bundle, untrusted chain, unsupported algorithm, unreadable signature, budget exceeded).
Revocation is not checked (no network access): the verdict says so.

The work is bounded: at most `MAX_VERIFIED` signatures, at most `MAX_HASHED_BYTES` of signed
bytes hashed in total (work units, the same on any machine), and the whole run under the
time and memory guard of `limits.guarded`; anything pyHanko raises becomes a « non
vérifiable » verdict with a French reason, never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from ..text_safety import printable
from .limits import DEFAULT_LIMITS, MIB, Limits, guarded

MAX_VERIFIED = 20  # signatures verified per file; the others are « non vérifiable »
MAX_HASHED_BYTES = 512 * MIB  # signed bytes hashed per file, all signatures together
VERIFY_SECONDS = 10.0  # whole-file guard; past it every pending signature is « non vérifiable »
VERIFIED_SUBFILTERS = frozenset(
    {"adbe.pkcs7.detached", "ETSI.CAdES.detached", "ETSI.RFC3161", "PBAD.PAdES"}
)
REVOCATION_NOTE = "révocation des certificats non vérifiée : aucune consultation réseau"


class Verdict(StrEnum):
    VALID = "valide"
    ALTERED = "altérée"
    UNVERIFIABLE = "non vérifiable"

    @property
    def label(self) -> str:
        return f"signature {self.value}"


_SEVERITY_ORDER = {Verdict.VALID: 0, Verdict.UNVERIFIABLE: 1, Verdict.ALTERED: 2}


class TrustBundleError(ValueError):
    """A trust bundle file that is missing, unreadable or holds no PEM certificate."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class SignatureVerdict:
    """What one signature proves, in French for people and as plain values for scripts."""

    field_name: str
    verdict: Verdict
    reason: str  # why, in French; empty for a valid signature
    intact: bool | None = None  # digest matches and the CMS signature verifies
    coverage: str = ""  # « tout le fichier », « sa révision », « incomplète »
    modification: str = ""  # pyHanko's modification level after signing (NONE, FORM_FILLING…)
    modification_permitted: bool | None = None
    trusted: bool = False
    signer_name: str = ""  # certificate subject CN
    signer_organisation: str = ""  # certificate subject O
    signer_serial: str = ""  # certificate serial, hexadecimal
    claimed_time: str = ""  # ISO, as the signer claims it (not proven)
    timestamp_time: str = ""  # ISO, from a timestamp token, if any

    @property
    def label(self) -> str:
        return self.verdict.label

    @property
    def signer(self) -> str:
        return ", ".join(p for p in (self.signer_name, self.signer_organisation) if p)

    @property
    def time(self) -> str:
        return self.timestamp_time or self.claimed_time

    def summary(self) -> str:
        """« valide (Jeanne Dupont, BTP Durand SARL, 31/05/2024 10:00) »."""
        details = [d for d in (self.signer, _short_time(self.time)) if d]
        if self.verdict is not Verdict.VALID and self.reason:
            details.append(self.reason)
        return f"{self.verdict.value}" + (f" ({', '.join(details)})" if details else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "field_name": self.field_name,
            "verdict": str(self.verdict),
            "label": self.label,
            "reason": self.reason,
            "intact": self.intact,
            "coverage": self.coverage,
            "modification": self.modification,
            "modification_permitted": self.modification_permitted,
            "trusted": self.trusted,
            "signer_name": self.signer_name,
            "signer_organisation": self.signer_organisation,
            "signer_serial": self.signer_serial,
            "claimed_time": self.claimed_time,
            "timestamp_time": self.timestamp_time,
        }


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The verdicts of one file; the file's verdict is its worst signature's."""

    verdicts: tuple[SignatureVerdict, ...] = ()
    trust_configured: bool = False
    revocation_checked: bool = False
    notes: tuple[str, ...] = field(default=(REVOCATION_NOTE,))

    @property
    def verdict(self) -> Verdict | None:
        worst = self.worst
        return worst.verdict if worst else None

    @property
    def worst(self) -> SignatureVerdict | None:
        """The signature that decides the file's verdict (the first of the worst kind)."""
        if not self.verdicts:
            return None
        return max(self.verdicts, key=lambda v: _SEVERITY_ORDER[v.verdict])

    def as_dict(self) -> dict[str, Any]:
        verdict = self.verdict
        return {
            "verdict": str(verdict) if verdict else None,
            "label": verdict.label if verdict else None,
            "trust_configured": self.trust_configured,
            "revocation_checked": self.revocation_checked,
            "notes": list(self.notes),
            "signatures": [v.as_dict() for v in self.verdicts],
        }


def load_trust_roots(paths: Sequence[Path]) -> list[Any]:
    """The certificates of PEM files (asn1crypto objects); TrustBundleError names a bad file."""
    from asn1crypto import pem, x509

    roots: list[Any] = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise TrustBundleError(path, f"fichier de certificats introuvable : {path}") from None
        except IsADirectoryError:
            raise TrustBundleError(path, f"{path} est un dossier, pas un fichier PEM") from None
        except OSError as exc:
            raise TrustBundleError(
                path, f"fichier de certificats illisible : {path} ({exc.strerror})"
            ) from None
        found = 0
        if not pem.detect(data):
            raise TrustBundleError(
                path, f"{path} ne contient aucun certificat PEM (-----BEGIN CERTIFICATE-----)"
            )
        try:
            for kind, _headers, der in pem.unarmor(data, multiple=True):
                if kind != "CERTIFICATE":
                    continue
                cert = x509.Certificate.load(der)
                _ = cert.subject.human_friendly, cert.public_key.algorithm  # parse it now
                roots.append(cert)
                found += 1
        except (ValueError, TypeError, KeyError):
            raise TrustBundleError(
                path, f"{path} n'est pas un fichier PEM valide (certificat illisible)"
            ) from None
        if not found:
            raise TrustBundleError(
                path, f"{path} ne contient aucun certificat PEM (-----BEGIN CERTIFICATE-----)"
            )
    return roots


def verify_signatures(
    path: Path,
    fields: Sequence[str] = (),
    trust_bundle: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> SignatureCheck:
    """Verify every signature of the PDF at `path`; never raises for a hostile file.

    `fields` names the signature fields the structural read found: each gets a verdict even
    when pyHanko cannot read the file at all.
    """
    trusted = bool(trust_bundle)
    try:
        roots = load_trust_roots(trust_bundle)
    except TrustBundleError as exc:
        return _all_unverifiable(fields, exc.message, trusted)
    pending: list[SignatureVerdict] = []
    try:
        with open(path, "rb") as handle:
            guarded(
                lambda: _verify_all(handle, roots, trusted, pending, limits),
                limits,
                "la vérification des signatures",
                seconds=VERIFY_SECONDS,
            )
    except Exception as exc:  # a budget hit or pyHanko unable to read the file at all
        reason = _reason(exc)
        done = {v.field_name for v in pending}
        rest = _all_unverifiable(fields, reason, trusted).verdicts
        pending.extend(v for v in rest if v.field_name not in done)
    return SignatureCheck(verdicts=tuple(pending), trust_configured=trusted)


def _verify_all(
    handle: IO[bytes],
    roots: list[Any],
    trust_configured: bool,
    out: list[SignatureVerdict],
    limits: Limits,
) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    with _quiet():
        reader = PdfFileReader(handle, strict=False)
        signatures = list(reader.embedded_signatures)[: limits.max_signature_fields]
        hashed = 0
        for index, sig in enumerate(signatures):
            name = str(sig.field_name or "")
            if index >= MAX_VERIFIED:
                out.append(_unverifiable(name, f"plus de {MAX_VERIFIED} signatures dans le PDF"))
                continue
            hashed += _signed_length(sig)
            if hashed > MAX_HASHED_BYTES:
                out.append(_unverifiable(name, "trop d'octets signés à vérifier dans le PDF"))
                continue
            try:
                out.append(_verify_one(sig, name, roots, trust_configured))
            except Exception as exc:
                out.append(_unverifiable(name, _reason(exc)))


def _signed_length(sig: Any) -> int:
    try:
        br = [int(n) for n in sig.sig_object["/ByteRange"]]
        return sum(br[1::2])
    except Exception:
        return 0


def _verify_one(sig: Any, name: str, roots: list[Any], trust_configured: bool) -> SignatureVerdict:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status: Any
    if sig.sig_object_type == "/DocTimeStamp":
        status = validate_pdf_timestamp(sig, validation_context=context)
        timestamp = getattr(status, "timestamp", None)
        claimed = None
    else:
        status = validate_pdf_signature(sig, context)
        ts = status.timestamp_validity
        timestamp = ts.timestamp if ts is not None else None
        claimed = status.signer_reported_dt
    subject = status.signing_cert.subject.native
    values: dict[str, Any] = {
        "field_name": name,
        "intact": bool(status.intact and status.valid),
        "coverage": _coverage(status.coverage),
        "modification": status.modification_level.name if status.modification_level else "",
        "modification_permitted": status.docmdp_ok,
        "trusted": bool(status.trusted),
        "signer_name": printable(str(subject.get("common_name", ""))),
        "signer_organisation": printable(str(subject.get("organization_name", ""))),
        "signer_serial": format(status.signing_cert.serial_number, "X"),
        "claimed_time": _iso(claimed),
        "timestamp_time": _iso(timestamp),
    }
    verdict, reason = _judge(status, trust_configured)
    return SignatureVerdict(verdict=verdict, reason=reason, **values)


def _judge(status: Any, trust_configured: bool) -> tuple[Verdict, str]:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import SignatureCoverageLevel

    if not status.intact:
        return Verdict.ALTERED, "l'empreinte ne correspond pas aux octets signés"
    if not status.valid:
        return Verdict.ALTERED, "la signature cryptographique ne se vérifie pas"
    if status.coverage is not None and status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return Verdict.ALTERED, "la signature ne couvre pas toute sa révision du fichier"
    level = status.modification_level
    if level is not None and level >= ModificationLevel.OTHER:
        return Verdict.ALTERED, "le fichier a été modifié après la signature"
    if status.docmdp_ok is False:
        return Verdict.ALTERED, "modifications après signature non permises par le signataire"
    ts = getattr(status, "timestamp_validity", None)
    if ts is not None and not (ts.intact and ts.valid):
        return Verdict.ALTERED, "le jeton d'horodatage ne se vérifie pas"
    if not trust_configured:
        return Verdict.UNVERIFIABLE, (
            "aucun certificat de confiance configuré ([signatures] trust_bundle)"
        )
    if status.revoked:
        return Verdict.UNVERIFIABLE, "certificat du signataire révoqué"
    if not status.trusted:
        indic = status.trust_problem_indic
        detail = f" ({indic.name})" if indic is not None else ""
        return Verdict.UNVERIFIABLE, (
            "le certificat du signataire ne remonte à aucune autorité de confiance" + detail
        )
    if ts is not None and not ts.trusted:
        return Verdict.UNVERIFIABLE, "l'autorité d'horodatage n'est pas de confiance"
    return Verdict.VALID, ""


def _coverage(level: Any) -> str:
    if level is None:
        return ""
    return {
        "ENTIRE_FILE": "tout le fichier",
        "ENTIRE_REVISION": "sa révision (le fichier a été complété ensuite)",
    }.get(level.name, "incomplète")


def _all_unverifiable(fields: Sequence[str], reason: str, trust_configured: bool) -> SignatureCheck:
    return SignatureCheck(
        verdicts=tuple(_unverifiable(n, reason) for n in fields or [""]),
        trust_configured=trust_configured,
    )


def _unverifiable(name: str, reason: str) -> SignatureVerdict:
    return SignatureVerdict(field_name=name, verdict=Verdict.UNVERIFIABLE, reason=reason)


def _reason(exc: BaseException) -> str:
    """French words for what stopped pyHanko (its own messages are English: not shown)."""
    from .errors import DocumentError

    if isinstance(exc, DocumentError):
        return exc.message
    kind = type(exc).__name__
    if "Algorithm" in kind:
        return f"algorithme non pris en charge ou refusé ({kind})"
    if "PdfRead" in kind or "PdfStrictRead" in kind:
        return f"structure du PDF illisible pour la vérification ({kind})"
    return f"signature illisible ({kind})"


def _short_time(iso: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso):%d/%m/%Y %H:%M}"
    except ValueError:
        return iso


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


@contextmanager
def _quiet() -> Iterator[None]:
    """Keep pyHanko's log warnings (hostile files produce many) off the user's terminal."""
    logger = logging.getLogger("pyhanko")
    saved = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(saved)
