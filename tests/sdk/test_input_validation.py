"""Every typed value is validated by the core before anything is written, the same on SQLite
and PostgreSQL: control characters, escape sequences, bidi and invisible format characters,
values one character too long, blank values, unknown enumerated values, amounts and rates
beyond what the store holds. Each refusal is a named usage error on the field the user knows,
and leaves every table as it was; a value at its limit is stored and read back as typed."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from decompte.sdk.amounts import MAX_AMOUNT, compute_totals, parse_amount, vat_line
from decompte.sdk.errors import DecompteError, UsageError, ValidationRefused
from decompte.sdk.field_limits import LIMITS
from decompte.sdk.files_check import AttachmentInput
from decompte.sdk.model import ActorRole, Address, MarcheActor, VatLine
from decompte.sdk.rules import BUILTIN_RULES, RuleContext, check_draft
from decompte.sdk.states import Action

from engines import ENGINES, demo_core, row_counts
from support import LOGINS, TODAY, make_draft

HOSTILE = {
    "esc_csi": "\x1b[2J",
    "bel": "\x07",
    "nul": "\x00",
    "cr": "\r",
    "backspace": "\x08",
    "del": "\x7f",
    "c1_csi": "\x9b",
    "rlo": "\u202e",
    "lri": "\u2066",
    "rli": "\u2067",
    "fsi": "\u2068",
    "pdi": "\u2069",
    "zwsp": "\u200b",
    "line_sep": "\u2028",
}


@pytest.fixture(scope="module", params=ENGINES)
def eng(request, demo_template, tmp_path_factory):
    yield from demo_core(request.param, tmp_path_factory.mktemp(request.param), demo_template)


def _session(core: Any, key: str) -> Any:
    return core.org.open_session(core.org.user(LOGINS[key]))


def _uid(n: int = 8) -> str:
    return uuid.uuid4().hex[:n].upper()


@dataclass(frozen=True)
class Writer:
    """One typed field and the engine call that writes it."""

    name: str
    field: str  # the field a refusal names
    limit: int
    base: str  # a valid value the hostile character is slipped into
    write: Callable[[Any, str], Any]
    at_limit: Callable[[int], str] = lambda n: "A" * n
    blank_ok: bool = True  # a blank value may be accepted (stripped to empty)


def _structure(field: str) -> Callable[[Any, str], Any]:
    def write(core: Any, value: str) -> Any:
        values = dict(
            identifier=f"T{_uid(12)}",
            name="Entreprise d'essai",
            label="",
            address=Address("1 rue de la Paix", "75001", "Paris"),
        )
        if field in ("identifier", "name", "label"):
            values[field] = value
        else:
            line = {"address": 0, "postcode": 1, "city": 2}[field]
            parts = ["1 rue de la Paix", "75001", "Paris"]
            parts[line] = value
            values["address"] = Address(*parts)
        return core.org.create_structure(
            core.org.user(LOGINS["clerk"]), identifier_type="AUTRE", **values
        )

    return write


def _service(field: str) -> Callable[[Any, str], Any]:
    def write(core: Any, value: str) -> Any:
        s = _session(core, "moa")
        code, label = (value, "") if field == "code" else (f"S{_uid()}", value)
        return core.org.add_service(s, s.structure.id, code, label)

    return write


def _bank(field: str) -> Callable[[Any, str], Any]:
    def write(core: Any, value: str) -> Any:
        s = _session(core, "titulaire")
        values = {"iban": "FR7630006000011234567890189", "bic": "AGRIFRPP", "label": "Compte"}
        values[field] = value
        return core.org.add_bank_account(s, s.structure.id, **values)

    return write


def _marche(field: str) -> Callable[[Any, str], Any]:
    def write(core: Any, value: str) -> Any:
        titulaire = _session(core, "titulaire")
        moa = core.org.structure_by_identifier(_session(core, "moa").structure.identifier)
        values = {"number": f"M-{_uid()}", "object": "Travaux", "moa-service": "", "ej": "EJ1"}
        values[field] = value
        actors = [
            MarcheActor(moa.id, ActorRole.MOA, values["moa-service"]),
            MarcheActor(titulaire.structure.id, ActorRole.FOURNISSEUR),
        ]
        return core.register.create(
            titulaire, values["number"], values["object"], actors, [values["ej"]]
        )

    return write


def _deposit(field: str) -> Callable[[Any, str], Any]:
    def write(core: Any, value: str) -> Any:
        changes = {} if field == "number" else {field: value}
        number = value if field == "number" else f"T-{_uid()}"
        return core.workflow.deposit(
            _session(core, "titulaire"),
            make_draft("A4", number, **changes),
            confirm_warnings=True,
        )

    return write


def _designation(core: Any, value: str) -> Any:
    return core.workflow.deposit(
        _session(core, "titulaire"),
        make_draft("A4", f"T-{_uid()}"),
        attachments_in=[AttachmentInput(Path("/nonexistent/bon.pdf"), "AUTRE", value)],
        confirm_warnings=True,
    )


def _reason(action: str) -> Callable[[Any, str], Any]:
    def write(core: Any, value: str) -> Any:
        moe = _session(core, "moe")
        if action == "refuse":
            return core.workflow.refuse(moe, 1, "AUTRE_MOTIF", value)
        if action == "complete":
            return core.workflow.complete(moe, 1, value)
        return core.workflow.suspend(moe, 1, value)

    return write


def _complete(field: str) -> Callable[[Any, str], Any]:
    def write(core: Any, value: str) -> Any:
        return core.workflow.complete(
            _session(core, "moe"),
            1,
            "Complété",
            **{"engagement" if field == "engagement" else "service_code": value},
        )

    return write


def _unique_number(n: int) -> str:
    return (f"T-{_uid()}" + "X" * n)[:n]


WRITERS = [
    Writer(
        "structure.identifier",
        "identifier",
        40,
        "ABC123",
        _structure("identifier"),
        at_limit=lambda n: f"T{_uid()}".ljust(n, "9"),
        blank_ok=False,
    ),
    Writer("structure.name", "name", 200, "Entreprise", _structure("name"), blank_ok=False),
    Writer("structure.label", "label", 200, "Libellé", _structure("label")),
    Writer("structure.address", "address", 200, "1 rue", _structure("address")),
    Writer("structure.postcode", "postcode", 10, "75001", _structure("postcode")),
    Writer("structure.city", "city", 100, "Paris", _structure("city")),
    Writer(
        "service.code",
        "code",
        100,
        "SVC",
        _service("code"),
        at_limit=lambda n: f"S{_uid()}".ljust(n, "X"),
        blank_ok=False,
    ),
    Writer("service.label", "label", 200, "Voirie", _service("label")),
    Writer("bank.label", "label", 100, "Compte", _bank("label")),
    Writer("bank.iban", "iban", 34, "FR7630006000011234567890189", _bank("iban"), blank_ok=False),
    Writer("bank.bic", "bic", 11, "AGRIFRPP", _bank("bic")),
    Writer(
        "marche.number",
        "number",
        60,
        "M-1",
        _marche("number"),
        at_limit=lambda n: f"M-{_uid()}".ljust(n, "0"),
        blank_ok=False,
    ),
    Writer("marche.object", "object", 300, "Travaux", _marche("object")),
    Writer("marche.moa_service", "moa-service", 100, "VOIRIE", _marche("moa-service")),
    Writer("marche.ej", "ej", 50, "EJ1", _marche("ej"), blank_ok=False),
    Writer("deposit.number", "number", 35, "T-1", _deposit("number"), at_limit=_unique_number),
    Writer("deposit.engagement", "engagement", 50, "EJ2026000123", _deposit("engagement")),
    Writer("deposit.service_code", "service_code", 100, "SERVICES", _deposit("service_code")),
    Writer(
        "deposit.exemption_motive",
        "exemption_motive",
        200,
        "Art. 283",
        _deposit("exemption_motive"),
    ),
    Writer("deposit.iban", "iban", 34, "FR7630006000011234567890189", _deposit("iban")),
    Writer("deposit.bic", "bic", 11, "AGRIFRPP", _deposit("bic")),
    Writer(
        "deposit.recipient",
        "recipient_identifier",
        40,
        "21750001600019",
        _deposit("recipient_identifier"),
    ),
    Writer("deposit.moe", "moe_identifier", 40, "21750001600019", _deposit("moe_identifier")),
    Writer(
        "deposit.vat_number",
        "supplier_vat_number",
        20,
        "FR12345678901",
        _deposit("supplier_vat_number"),
    ),
    Writer("deposit.comment", "comment", 2000, "Bien reçu", _deposit("comment")),
    Writer("deposit.designation", "attachments[0].designation", 200, "Bon", _designation),
    Writer(
        "process.suspend", "reason", 2000, "Pièce illisible", _reason("suspend"), blank_ok=False
    ),
    Writer("process.refuse", "reason", 2000, "Erreur", _reason("refuse"), blank_ok=False),
    Writer("process.complete.engagement", "engagement", 50, "EJ9", _complete("engagement")),
    Writer("process.complete.service", "service_code", 100, "SVC", _complete("service")),
]


def _values(w: Writer) -> list[Any]:
    cases = [
        pytest.param(w, w.base[:2] + ch + w.base[2:], id=f"{w.name}-{key}")
        for key, ch in HOSTILE.items()
    ]
    cases.append(pytest.param(w, "A" * (w.limit + 1), id=f"{w.name}-too_long"))
    return cases


@pytest.mark.parametrize("writer, value", [c for w in WRITERS for c in _values(w)])
def test_hostile_value_is_refused_by_name_and_nothing_is_written(eng, writer, value):
    before = row_counts(eng)
    with pytest.raises(DecompteError) as caught:
        writer.write(eng, value)
    error = caught.value
    # Over-long piece numbers and engagements are reported by their rule among the other
    # findings (exit 3); everything else is a usage error (exit 2) before any check.
    assert error.exit_code == 2 or (
        isinstance(error, ValidationRefused) and len(value) > writer.limit
    ), error
    assert error.field == writer.field, error
    assert row_counts(eng) == before


@pytest.mark.parametrize("writer", WRITERS, ids=[w.name for w in WRITERS])
def test_blank_value_is_stripped_or_refused_by_name(eng, writer):
    before = row_counts(eng)
    try:
        writer.write(eng, "   ")
    except DecompteError as error:
        assert error.exit_code in (2, 3, 4, 5, 6), error
        if not writer.blank_ok:
            assert error.field == writer.field or isinstance(error, ValidationRefused)
        assert row_counts(eng) == before
    else:
        assert writer.blank_ok, "a blank required value was accepted"


AT_LIMIT_STORED = [
    w for w in WRITERS if not w.name.startswith(("process.", "bank.iban", "bank.bic"))
]


@pytest.mark.parametrize("writer", AT_LIMIT_STORED, ids=[w.name for w in AT_LIMIT_STORED])
def test_value_at_its_limit_is_never_a_raw_database_error(eng, writer):
    """At the limit, the value is stored (or refused by a rule, never by the database)."""
    value = writer.at_limit(writer.limit)
    assert len(value) == writer.limit
    try:
        writer.write(eng, value)
    except DecompteError as error:
        assert "Trop long" not in error.message and "trop long" not in error.message
        assert error.exit_code in (2, 3), error


def test_reason_at_its_limit_is_stored_whole(eng):
    moe = _session(eng, "moe")
    piece = next(
        p
        for row in eng.queries.synthese(moe).rows
        if Action.SUSPEND in eng.workflow.allowed_actions(moe, p := eng.queries.piece(moe, row.id))
    )
    reason = "R" * LIMITS["reason"]
    eng.workflow.suspend(moe, piece.id, reason)
    assert eng.queries.history(moe, piece.id)[-1].reason == reason


def test_multiline_reason_keeps_line_breaks_but_not_carriage_returns(eng):
    moe = _session(eng, "moe")
    with pytest.raises(UsageError) as caught:
        eng.workflow.suspend(moe, 1, "ligne 1\r\nligne 2")
    assert caught.value.field == "reason" and "U+000D" in caught.value.message


def test_limits_match_the_store_columns():
    """Each LIMITS entry is the width of every column it describes, so the core's check and
    the database can never disagree (TEXT_ONLY fields are stored in unbounded columns)."""
    from decompte.sdk.field_limits import TEXT_ONLY
    from decompte.sdk.store.schema import metadata

    widths: dict[str, set[int]] = {}
    columns = {
        ("structures", "identifier"): "identifier",
        ("structures", "name"): "name",
        ("structures", "name_key"): "name",
        ("structures", "label"): "label",
        ("structures", "line1"): "line1",
        ("structures", "postcode"): "postcode",
        ("structures", "city"): "city",
        ("structures", "city_key"): "city",
        ("structures", "country"): "country",
        ("structures", "identifier_type"): "identifier_type",
        ("structures", "routing_mode"): "routing_mode",
        ("bank_accounts", "label"): "bank_label",
        ("bank_accounts", "iban"): "iban",
        ("bank_accounts", "bic"): "bic",
        ("services", "code"): "service_code",
        ("services", "label"): "service_label",
        ("users", "login"): "login",
        ("users", "email"): "email",
        ("users", "last_name"): "last_name",
        ("users", "first_name"): "first_name",
        ("memberships", "role"): "member_role",
        ("structure_spaces", "space"): "space",
        ("space_subscriptions", "space"): "space",
        ("marches", "number"): "marche_number",
        ("marches", "object"): "marche_object",
        ("marche_actors", "role"): "actor_role",
        ("marche_actors", "service_code"): "service_code",
        ("marche_engagements", "number"): "engagement",
        ("pieces", "cadre"): "cadre",
        ("pieces", "number"): "piece_number",
        ("pieces", "currency"): "currency",
        ("pieces", "vat_type"): "vat_type",
        ("pieces", "exemption_motive"): "exemption_motive",
        ("pieces", "payment_mode"): "payment_mode",
        ("pieces", "engagement"): "engagement",
        ("pieces", "service_code"): "service_code",
        ("pieces", "iban"): "iban",
        ("pieces", "bic"): "bic",
        ("pieces", "file_name"): "piece_file_name",
        ("piece_vat_lines", "rate"): "vat_rate",
        ("attachments", "name"): "file_name",
        ("attachments", "kind"): "attachment_kind",
        ("attachments", "designation"): "attachment_designation",
        ("events", "user_login"): "login",
    }
    for (table, column), key in columns.items():
        widths.setdefault(key, set()).add(metadata.tables[table].c[column].type.length)
    assert {k: {v} for k, v in LIMITS.items() if k not in TEXT_ONLY} == widths
    # A dossier takes its first piece's number.
    assert metadata.tables["dossiers"].c["number"].type.length >= LIMITS["piece_number"]


# -- enumerations ------------------------------------------------------------------------------


def test_unknown_identifier_type_is_refused_before_writing_and_lists_the_choices(eng):
    before = row_counts(eng)
    with pytest.raises(UsageError) as caught:
        eng.org.create_structure(
            eng.org.user(LOGINS["clerk"]),
            identifier=f"X{_uid()}",
            name="X",
            identifier_type="FOO",
        )
    assert caught.value.field == "type"
    assert "SIRET" in caught.value.hint and "UE hors France" in caught.value.hint
    assert row_counts(eng) == before
    assert eng.org.search_structures(name="*")  # the directory still lists


@pytest.mark.parametrize(
    "call, field",
    [
        (
            lambda c, s: c.org.create_structure(
                c.org.user(LOGINS["clerk"]),
                identifier=f"X{_uid()}",
                name="X",
                identifier_type="AUTRE",
                routing_mode="FOO",
            ),
            "routing",
        ),
        (lambda c, s: c.org.set_routing_mode(s, s.structure.id, "FOO"), "routing"),
        (lambda c, s: c.org.set_role(s, s.user.id, "ADMIN"), "role"),
        (lambda c, s: c.org.decide_attachment(s, 1, True, "ADMIN"), "role"),
        (lambda c, s: c.org.request_space(s, "NOWHERE"), "space"),
        (lambda c, s: c.org.open_space(s, "FACTURES_TRAVAUX", "\x1b[2J"), "mode"),
        (
            lambda c, s: c.register.create(
                s, f"M-{_uid()}", "", [MarcheActor(s.structure.id, "FOO")]
            ),
            "actors",
        ),
        (
            lambda c, s: c.workflow.deposit(s, make_draft("A4", f"T-{_uid()}", vat_type="FOO")),
            "vat_type",
        ),
        (
            lambda c, s: c.workflow.deposit(
                s, make_draft("A4", f"T-{_uid()}", payment_mode="CASH")
            ),
            "payment_mode",
        ),
        (
            lambda c, s: c.workflow.deposit(
                s, make_draft("A4", f"T-{_uid()}", recipient_identifier_type="FOO")
            ),
            "recipient_identifier_type",
        ),
        (lambda c, s: c.workflow.refuse(s, 1, "FOO", "x"), "motive"),
    ],
    ids=[
        "routing",
        "set_routing",
        "set_role",
        "decide_role",
        "space",
        "space_mode",
        "actor_role",
        "vat_type",
        "payment_mode",
        "identifier_type",
        "motive",
    ],
)
def test_unknown_enumerated_value_is_a_named_usage_error(eng, call, field):
    before = row_counts(eng)
    with pytest.raises(UsageError) as caught:
        call(eng, _session(eng, "titulaire"))
    assert caught.value.field == field
    assert caught.value.hint
    assert row_counts(eng) == before


def test_enumerated_value_is_read_in_any_case(eng):
    created = eng.org.create_structure(
        eng.org.user(LOGINS["clerk"]),
        identifier=f"X{_uid()}",
        name="Casse",
        identifier_type="autre",
        routing_mode="SERVICE",
    )
    assert created.identifier_type == "AUTRE" and created.routing_mode == "service"


# -- amounts and rates -------------------------------------------------------------------------


def _amount_draft(**changes: Any) -> Any:
    return make_draft("A4", f"T-{_uid()}", **changes)


HUGE = [
    Decimal("1E+17"),
    Decimal("12345678901234567890123456"),
    Decimal("1E+30"),
    Decimal("1E+999999"),
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    MAX_AMOUNT + Decimal("0.01"),
    -(MAX_AMOUNT + Decimal("0.01")),
]


@pytest.mark.parametrize("value", HUGE, ids=str)
@pytest.mark.parametrize("field", ["total_ht", "total_ttc", "prepaid", "amount_due"])
def test_amount_beyond_the_maximum_is_a_named_error(eng, field, value):
    before = row_counts(eng)
    with pytest.raises(UsageError) as caught:
        eng.workflow.deposit(_session(eng, "titulaire"), _amount_draft(**{field: value}))
    assert caught.value.field == field
    assert "999 999 999 999,99" in caught.value.hint
    assert row_counts(eng) == before


@pytest.mark.parametrize("value", [*HUGE[:4], Decimal("NaN")], ids=str)
def test_vat_line_beyond_the_maximum_is_a_named_error(eng, value):
    line = VatLine(Decimal("20"), value, Decimal("0"))
    with pytest.raises(UsageError) as caught:
        eng.workflow.check(_session(eng, "titulaire"), _amount_draft(vat_lines=[line]))
    assert caught.value.field == "vat_lines[0].base"


@pytest.mark.parametrize("rate", ["101", "-1", "NaN", "1E+30", "5.12345", "Infinity"], ids=str)
def test_vat_rate_out_of_range_is_a_named_error(eng, rate):
    line = VatLine(Decimal(rate), Decimal("100.00"), Decimal("20.00"))
    with pytest.raises(UsageError) as caught:
        eng.workflow.deposit(_session(eng, "titulaire"), _amount_draft(vat_lines=[line]))
    assert caught.value.field == "vat_lines[0].rate"


def test_largest_amounts_are_stored_and_read_back_exactly(eng):
    """A TTC at the maximum fits the store's integer cents on both engines."""
    line = vat_line(Decimal("833333333333.32"), Decimal("20"))
    totals = compute_totals([line])
    assert totals.total_ttc <= MAX_AMOUNT
    draft = make_draft(
        "A4",
        f"T-{_uid()}",
        vat_lines=[line],
        total_ht=totals.total_ht,
        total_vat=totals.total_vat,
        total_ttc=totals.total_ttc,
        amount_due=totals.amount_due,
    )
    titulaire = _session(eng, "titulaire")
    piece = eng.workflow.deposit(titulaire, draft, confirm_warnings=True).piece
    again = eng.queries.piece(titulaire, piece.id)
    assert again.total_ttc == totals.total_ttc == Decimal("999999999999.98")
    assert again.vat_lines[0].base == Decimal("833333333333.32")


def test_negative_zero_is_an_ordinary_zero(eng):
    draft = _amount_draft(prepaid=Decimal("-0"), discount_ttc=Decimal("-0.00"))
    piece = eng.workflow.deposit(_session(eng, "titulaire"), draft, confirm_warnings=True).piece
    assert piece.amount_due == draft.amount_due


@pytest.mark.parametrize("text", ["1" * 13, "99999999999999999", "1" * 26, "1 000 000 000 000,00"])
def test_typed_amount_beyond_the_maximum_is_refused_in_french(text):
    with pytest.raises(ValueError, match="trop grand"):
        parse_amount(text)


def test_typed_amount_at_the_maximum_is_read():
    assert parse_amount("999 999 999 999,99") == MAX_AMOUNT
    assert parse_amount("000000000000000001,00") == Decimal("1.00")


@pytest.mark.parametrize("value", HUGE, ids=str)
def test_rules_never_fail_on_extreme_decimals(value):
    """The built-in rules report an extreme amount; they never raise on it (quantize)."""
    ctx = RuleContext(
        today=TODAY,
        depositor_role="FOURNISSEUR",
        cadre_depositor_role="FOURNISSEUR",
        cadre_known=True,
    )
    line = VatLine(value, value, value)
    draft = make_draft("A4", "T-1", total_ht=value, vat_lines=[line])
    findings = check_draft(draft, ctx, BUILTIN_RULES)
    assert any(f.field == "total_ht" and f.severity == "error" for f in findings)
    assert any(f.field == "vat_lines[0].rate" for f in findings)


# -- qualification mode --------------------------------------------------------------------


BAD_CHECKSUM = "12345678901234"


@pytest.mark.parametrize(
    "field, lenient",
    [("recipient_identifier", True), ("moe_identifier", False), ("moa_identifier", False)],
)
def test_qualification_mode_tolerates_only_the_recipients_siret_checksum(field, lenient):
    ctx = RuleContext(
        today=TODAY,
        depositor_role="FOURNISSEUR",
        cadre_depositor_role="FOURNISSEUR",
        cadre_known=True,
        qualification=True,
    )
    draft = make_draft("A4", "T-1", supplier_identifier="73282932000074", **{field: BAD_CHECKSUM})
    found = [f for f in check_draft(draft, ctx, BUILTIN_RULES) if f.field == field]
    assert [f.severity for f in found] == (["warning"] if lenient else ["error"])
    strict = dataclasses.replace(ctx, qualification=False)
    found = [f for f in check_draft(draft, strict, BUILTIN_RULES) if f.field == field]
    assert [f.severity for f in found] == ["error"]


# -- a sample through the command line -------------------------------------------------------


def _cli(db, *args, login=""):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DECOMPTE_PASSWORD": "Decompte-Demo-2026",
        "DECOMPTE_CONFIG": os.devnull + ".absent.toml",
    }
    cmd = [sys.executable, "-m", "decompte.sdk.cli", "--db", str(db)]
    if login:
        cmd += ["--as", LOGINS[login]]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=60)


def _identifiers(db) -> dict[str, str]:
    from decompte.sdk.store import open_store

    from support import quiet_core

    core = quiet_core(open_store(db), lambda: None)
    try:
        return {k: _session(core, k).structure.identifier for k in ("moa", "titulaire")}
    finally:
        core.close()


def _counts(db) -> dict[str, int]:
    from decompte.sdk.store import open_store

    from support import quiet_core

    core = quiet_core(open_store(db), lambda: None)
    try:
        return row_counts(core)
    finally:
        core.close()


CLI_CASES = {
    "structure_name": (
        "titulaire",
        ["structure", "create", "--identifier", "X1", "--type", "AUTRE", "--name", "A{v}B"],
        "name",
    ),
    "structure_city": (
        "titulaire",
        [
            "structure",
            "create",
            "--identifier",
            "X1",
            "--type",
            "AUTRE",
            "--name",
            "N",
            "--city",
            "A{v}B",
        ],
        "city",
    ),
    "structure_type": (
        "titulaire",
        ["structure", "create", "--identifier", "X1", "--type", "FOO{v}", "--name", "N"],
        "type",
    ),
    "service_label": ("moa", ["service", "add", "VOIRIE2", "--label", "A{v}B"], "label"),
    "bank_label": (
        "titulaire",
        ["bank", "add", "FR7630006000011234567890189", "--label", "A{v}B"],
        "label",
    ),
    "marche_object": (
        "titulaire",
        [
            "marche",
            "create",
            "M-CLI-1",
            "--object",
            "A{v}B",
            "--moa",
            "{moa}",
            "--titulaire",
            "{titulaire}",
        ],
        "object",
    ),
    "deposit_comment": (
        "titulaire",
        [
            "deposit",
            "--cadre",
            "A4",
            "--number",
            "CLI-H-1",
            "--date",
            "2026-11-20",
            "--marche",
            "2026-ECO-001",
            "--line",
            "20:1000,00",
            "--comment",
            "A{v}B",
        ],
        "comment",
    ),
    "deposit_engagement": (
        "titulaire",
        [
            "deposit",
            "--cadre",
            "A4",
            "--number",
            "CLI-H-2",
            "--date",
            "2026-11-20",
            "--marche",
            "2026-ECO-001",
            "--line",
            "20:1000,00",
            "--engagement",
            "A{v}B",
        ],
        "engagement",
    ),
    "process_reason": ("moe", ["process", "suspend", "#1", "--reason", "A{v}B"], "reason"),
}
CLI_VALUES = {"esc_csi": "\x1b[2J", "bel": "\x07", "rlo": "\u202e", "c1_csi": "\x9b"}


@pytest.mark.parametrize("value", CLI_VALUES.values(), ids=CLI_VALUES.keys())
@pytest.mark.parametrize("case", CLI_CASES, ids=CLI_CASES)
def test_cli_refuses_hostile_values_with_exit_2_and_the_field(demo_db, case, value):
    login, args, field = CLI_CASES[case]
    names = _identifiers(demo_db)
    before = _counts(demo_db)
    argv = [a.format(v=value, **names) for a in args]
    out = _cli(demo_db, *argv, login=login)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert field in out.stderr and "Traceback" not in out.stderr
    assert value not in out.stderr + out.stdout  # never echoed raw to the terminal
    assert _counts(demo_db) == before


def test_cli_refuses_an_amount_beyond_the_maximum(demo_db):
    before = _counts(demo_db)
    out = _cli(
        demo_db,
        "deposit",
        "--cadre",
        "A4",
        "--number",
        "CLI-H-3",
        "--date",
        "2026-11-20",
        "--marche",
        "2026-ECO-001",
        "--line",
        "20:" + "9" * 26,
        login="titulaire",
    )
    assert out.returncode == 2, out.stderr
    assert "--line[0].base" in out.stderr and "trop grand" in out.stderr
    assert _counts(demo_db) == before
