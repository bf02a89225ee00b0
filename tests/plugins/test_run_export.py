"""Exports from the store: scoped to the user's structures, streamed in chunks, written
atomically, with exporter crashes contained."""

from __future__ import annotations

import csv
import io
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, or_, select

from decompte.plugins.export_csv import COLUMNS
from decompte.sdk import Exporter, hookimpl
from decompte.sdk.errors import Conflict, NotAuthorised, NotFound, UsageError
from decompte.sdk.export import ExportFilter, ExportSource, option_pairs, run_export
from decompte.sdk.model import MemberRole
from decompte.sdk.plugins import PluginFailed
from decompte.sdk.store.schema import pieces

TITULAIRE = "luc.durand@batiments-durand.fr"


def session(core, login=TITULAIRE):
    return core.org.open_session(core.org.user(login))


def party_count(core, structure_id, column=None):
    p = pieces.c
    cols = (
        [column]
        if column is not None
        else [
            p.supplier_structure_id,
            p.recipient_structure_id,
            p.moe_structure_id,
            p.moa_structure_id,
            p.depositor_structure_id,
        ]
    )
    with core.store.read() as conn:
        return conn.execute(
            select(func.count()).select_from(pieces).where(or_(*(c == structure_id for c in cols)))
        ).scalar_one()


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    return out


def test_csv_of_the_users_pieces_to_a_folder(plugged, folder):
    core = plugged()
    me = session(core)
    result = run_export(core, me, "csv", folder)
    assert result.path == folder / "csv-20261123.csv"
    assert result.rows == party_count(core, me.structure.id) > 10
    table = list(
        csv.reader(
            io.StringIO(result.path.read_bytes().decode("cp1252"), newline=""), delimiter=";"
        )
    )
    assert len(table) == result.rows + 1
    assert {line[list(COLUMNS).index("supplier")] for line in table[1:]} >= {"BATIMENTS DURAND SA"}
    assert sorted(p.name for p in folder.iterdir()) == ["csv-20261123.csv"]


def test_fec_file_name_and_role_default(plugged, folder):
    core = plugged()
    me = session(core)
    result = run_export(core, me, "fec", folder, {"separator": "tab"})
    assert result.path.name == "552109878FEC20261231.txt"
    deposited = party_count(core, me.structure.id, pieces.c.depositor_structure_id)
    assert 0 < result.rows <= deposited
    lines = result.path.read_bytes().decode("iso-8859-15").split("\r\n")
    assert all(len(line.split("\t")) == 18 for line in lines if line)


def test_pivot_for_the_public_body(plugged):
    import xml.etree.ElementTree as ET

    core = plugged()
    moa = session(core, "marie.lambert@saint-aubin.fr")
    out = io.BytesIO()
    result = run_export(core, moa, "pivot", out)
    root = ET.fromstring(out.getvalue())
    assert result.rows == party_count(core, moa.structure.id) > 10
    assert int(root.find("CPPFactures").get("Compteur")) == result.rows
    numbers = {u.findtext("DonneesFacture/Id") for u in root.iter("CPPFacturePivotUnitaire")}
    assert {"PDM-2026-01", "EA-2026-01", "EAV-2026-01", "DG-VOI-01"} <= numbers


def test_a_period_and_a_role_narrow_the_export(plugged):
    core = plugged()
    me = session(core)
    everything = run_export(core, me, "csv", io.BytesIO()).rows
    as_supplier = run_export(
        core, me, "csv", io.BytesIO(), filters=ExportFilter(role="FOURNISSEUR")
    ).rows
    none = run_export(
        core, me, "csv", io.BytesIO(), filters=ExportFilter(issued_to=date(2000, 1, 1))
    )
    assert 0 < as_supplier <= everything and none.rows == 0


def test_only_structures_of_the_user_with_the_space_open(plugged):
    core = plugged()
    me = session(core)
    moa_id = session(core, "marie.lambert@saint-aubin.fr").structure.id
    with pytest.raises(NotFound, match="hors de vos rattachements"):
        run_export(core, me, "csv", io.BytesIO(), filters=ExportFilter([moa_id]))
    moa = session(core, "marie.lambert@saint-aubin.fr")
    user, code = core.org.register_user("stagiaire@saint-aubin.fr", "", "NEUF", "Nina")
    core.org.activate(user.login, code, "Un-mot-de-passe-2026")
    request = core.org.request_attachment(core.org.user(user.login), moa.structure.id)
    core.org.decide_attachment(moa, request, True, MemberRole.USER)  # no space subscription
    with pytest.raises(NotAuthorised, match="Factures de travaux"):
        run_export(core, session(core, user.login), "csv", io.BytesIO())


def test_unknown_exporter_format_or_option(plugged):
    core = plugged()
    me = session(core)
    with pytest.raises(NotFound) as unknown:
        run_export(core, me, "sap", io.BytesIO())
    assert unknown.value.hint == "exports : csv, fec, pivot"
    with pytest.raises(UsageError, match="Format pdf inconnu"):
        run_export(core, me, "csv", io.BytesIO(), fmt="pdf")
    with pytest.raises(UsageError, match="option colour : clé inconnue"):
        run_export(core, me, "csv", io.BytesIO(), {"colour": "bleu"})


class HalfWay(Exporter):
    name, formats = "half", ("txt",)

    def write(self, rows, out, fmt, options, context):
        for n, _row in enumerate(rows):
            out.write(b"line\n")
            if n == 3:
                raise OSError("disque plein")
        return 0


def test_a_crashing_exporter_leaves_no_file_and_names_its_plugin(plugged, folder):
    core = plugged({"half": SimpleNamespace(decompte_exporters=hookimpl(lambda: [HalfWay()]))})
    target = folder / "sortie.txt"
    with pytest.raises(PluginFailed) as failed:
        run_export(core, session(core), "half", target)
    message = failed.value.message
    assert message.startswith("L'export half du plugin half a échoué : OSError (incident ")
    assert "disque plein" not in message  # the exception's text goes to the incident log only
    assert list(folder.iterdir()) == []


class Hostile(Exporter):
    """An exporter whose file name tries to leave the folder."""

    name, formats = "hostile", ("txt",)

    def __init__(self, file_name: str) -> None:
        self.chosen = file_name

    def file_name(self, fmt, options, context):
        return self.chosen

    def write(self, rows, out, fmt, options, context):
        out.write(b"export\n")
        return 1


@pytest.mark.parametrize("name", ["../../evil.txt", "/etc/evil", ".profile", "a/../../b", "CON"])
def test_an_exporters_file_name_stays_inside_the_folder(plugged, folder, name):
    plugin = SimpleNamespace(decompte_exporters=hookimpl(lambda: [Hostile(name)]))
    core = plugged({"hostile": plugin})
    before = set(folder.parent.parent.rglob("*"))
    result = run_export(core, session(core), "hostile", folder)
    assert result.path.parent == folder and not result.path.name.startswith(".")
    assert set(folder.parent.parent.rglob("*")) - before == {result.path}


def test_an_existing_file_is_replaced_only_when_asked(plugged, folder):
    core = plugged()
    target = folder / "mine.csv"
    target.write_text("keep")
    with pytest.raises(Conflict, match="existe déjà"):
        run_export(core, session(core), "csv", target)
    assert target.read_text() == "keep" and list(folder.iterdir()) == [target]
    run_export(core, session(core), "csv", target, overwrite=True)
    assert target.read_bytes() != b"keep" and b";" in target.read_bytes()
    assert list(folder.iterdir()) == [target]


def test_the_source_streams_in_chunks_and_counts_in_the_same_snapshot(plugged):
    core = plugged()
    me = session(core)
    flt = ExportFilter([me.structure.id])
    whole = list(ExportSource(core.store, flt))
    small = ExportSource(core.store, flt, chunk=3, count=True)
    rows = list(small)
    assert rows == whole and small.total == len(rows) > 3
    assert [r.id for r in rows] == sorted(r.id for r in rows)  # the order of recording
    piece = core.workflow.piece(rows[0].id)
    row = rows[0]
    assert (row.number, row.total_ttc, row.vat_lines, row.state) == (
        piece.number,
        piece.total_ttc,
        piece.vat_lines,
        piece.state,
    )
    assert row.supplier.name == "BATIMENTS DURAND SA"
    lean = list(ExportSource(core.store, flt, vat_lines=False))
    assert [r._replace(vat_lines=()) for r in rows] == lean and any(r.vat_lines for r in rows)
    with pytest.raises(UsageError, match="Rôle inconnu"):
        ExportSource(core.store, ExportFilter([1], role="ARCHITECTE"))


def test_command_line_options_are_key_value_pairs(plugged, folder):
    options = option_pairs(["separator=tab", " journal_code = VTX "])
    assert options == {"separator": "tab", "journal_code": "VTX"}
    with pytest.raises(UsageError, match="Option mal formée : separator"):
        option_pairs(["separator"])
    core = plugged()
    result = run_export(core, session(core), "fec", folder, options)
    assert result.path.read_bytes().split(b"\r\n")[1].startswith(b"VTX\tVentes\t1\t")


def test_a_target_in_a_missing_folder_is_a_named_error(plugged, folder):
    core = plugged()
    with pytest.raises(NotFound, match="n'existe pas"):
        run_export(core, session(core), "csv", folder / "absent" / "x.csv")
