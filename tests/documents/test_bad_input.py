"""The bad-input corpus: each file gets a named error, quickly and within memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from decompte.sdk.documents import (
    BrokenXrefError,
    DamagedPdfError,
    DocumentError,
    DocumentFormat,
    EmptyFileError,
    EncryptedPdfError,
    FileMissingError,
    FileTooLargeError,
    FormatMismatchError,
    InvalidFileNameError,
    Limits,
    MalformedXmlError,
    NotAnInvoiceError,
    ResourceLimitError,
    TruncatedPdfError,
    UnsafeXmlError,
    UnsupportedFormatError,
    inspect_file,
    validate_file_name,
)
from decompte.sdk.errors import DecompteError, UsageError

ROOT = Path(__file__).resolve().parents[2]


def refused(path: Path, kind: type[DocumentError], **kwargs) -> DocumentError:
    with pytest.raises(kind) as caught:
        inspect_file(path, **kwargs)
    error = caught.value
    assert isinstance(error, DecompteError) and isinstance(error, UsageError)
    assert error.field in {"file", "file_name"}
    assert error.message and error.hint
    assert json.dumps(error.as_dict())
    return error


def test_truncated_pdf(corpus, samples, write) -> None:
    data = samples["facture-100p.pdf"].read_bytes()
    refused(write("tronque.pdf", corpus.truncated(data)), TruncatedPdfError)


def test_truncated_tail_only(samples, write) -> None:
    data = samples["facture.pdf"].read_bytes()
    refused(write("fin.pdf", data[:-20]), TruncatedPdfError)


def test_startxref_pointing_nowhere(corpus, samples, write) -> None:
    data = corpus.bad_startxref(samples["facture.pdf"].read_bytes())
    error = refused(write("xref.pdf", data), BrokenXrefError)
    assert "xref" in error.message


def test_startxref_beyond_the_file(samples, write) -> None:
    data = samples["facture.pdf"].read_bytes()
    head, _, _ = data.rpartition(b"startxref")
    refused(write("xref.pdf", head + b"startxref\n99999999\n%%EOF\n"), BrokenXrefError)


def test_garbled_xref_entries(corpus, samples, write) -> None:
    data = corpus.garbled_xref(samples["facture.pdf"].read_bytes())
    refused(write("xref2.pdf", data), BrokenXrefError)


def test_broken_xref_is_a_damaged_pdf() -> None:
    assert issubclass(BrokenXrefError, DamagedPdfError)
    assert issubclass(TruncatedPdfError, DamagedPdfError)


def test_garbage_after_header(write) -> None:
    refused(write("bruit.pdf", b"%PDF-1.7\n" + os.urandom(4000) + b"\n%%EOF\n"), DamagedPdfError)


def test_encrypted_pdf(corpus, write) -> None:
    path = write("chiffre.pdf", corpus.encrypt(corpus.make_pdf()))
    error = refused(path, EncryptedPdfError)
    assert "chiffré" in error.message


def test_encrypted_pdf_lenient(corpus, write) -> None:
    ins = inspect_file(write("chiffre.pdf", corpus.encrypt(corpus.make_pdf(2))), lenient=True)
    assert ins.encrypted and ins.format is DocumentFormat.PDF_NON_SIGNE
    assert [f.rule_id for f in ins.findings] == ["pdf.encrypted"]
    assert ins.as_dict()["encrypted"] is True


def test_encrypted_with_empty_user_password_lenient(corpus, write) -> None:
    ins = inspect_file(write("restreint.pdf", corpus.encrypt(corpus.make_pdf(2), "")), lenient=True)
    assert ins.encrypted and ins.pages == 2


def test_zero_byte_file(write) -> None:
    refused(write("vide.pdf", b""), EmptyFileError)


def test_png_renamed_pdf(corpus, write) -> None:
    error = refused(write("photo.pdf", corpus.PNG_1PX), FormatMismatchError)
    assert "PNG" in error.message and ".pdf" in error.message


def test_png_is_not_a_piece(corpus, write) -> None:
    error = refused(write("photo.png", corpus.PNG_1PX), UnsupportedFormatError)
    assert not isinstance(error, FormatMismatchError)


def test_pdf_named_xml(samples, write) -> None:
    refused(write("facture.xml", samples["facture.pdf"].read_bytes()), FormatMismatchError)


def test_random_bytes(write) -> None:
    refused(write("inconnu.dat", os.urandom(2048)), UnsupportedFormatError)


def test_xxe_is_impossible(corpus, write, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-SECRET")
    path = write("xxe.xml", corpus.XXE_XML % str(secret).encode())
    error = refused(path, UnsafeXmlError)
    assert "MOT-DE-PASSE-SECRET" not in str(error)


def test_xxe_in_facturx_attachment(corpus, write, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-SECRET")
    pdf = corpus.attach(corpus.make_pdf(), "factur-x.xml", corpus.XXE_XML % str(secret).encode())
    ins = inspect_file(write("fx-xxe.pdf", pdf))
    assert ins.invoice is None
    assert "MOT-DE-PASSE-SECRET" not in json.dumps(ins.as_dict())
    assert [f.rule_id for f in ins.findings] == ["facturx.xml.doctype"]


def test_xxe_parser_does_not_resolve_even_without_the_precheck(tmp_path: Path) -> None:
    from lxml import etree

    from decompte.sdk.documents.xml_invoice import _parser

    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-SECRET")
    xml = b'<!DOCTYPE a [<!ENTITY x SYSTEM "file://%s">]><a>&x;</a>' % str(secret).encode()
    root = etree.fromstring(xml, _parser())
    assert "MOT-DE-PASSE-SECRET" not in etree.tostring(root).decode()


def test_entity_expansion_bomb(corpus, write) -> None:
    refused(write("lol.xml", corpus.LAUGHS_XML), UnsafeXmlError)


def test_xml_not_an_invoice(corpus, write) -> None:
    error = refused(write("catalogue.xml", corpus.NOT_INVOICE_XML), NotAnInvoiceError)
    assert "catalogue" in error.message


def test_xml_wrong_namespace(write) -> None:
    refused(write("ns.xml", b"<Invoice xmlns='urn:exemple'/>"), NotAnInvoiceError)


def test_malformed_xml(write) -> None:
    refused(write("casse.xml", b"<?xml version='1.0'?><Invoice><a></Invoice>"), MalformedXmlError)


def test_deep_xml(write) -> None:
    deep = b"<a>" * 100_000 + b"</a>" * 100_000
    error = refused(write("profond.xml", b"<?xml version='1.0'?>" + deep), ResourceLimitError)
    assert error.rule_id == "xml.limit.depth"


def test_xml_over_its_own_limit(corpus, write) -> None:
    path = write("gros.xml", corpus.make_invoice_xml())
    refused(path, FileTooLargeError, limits=Limits(max_xml_bytes=1000))


def test_200_mb_file_refused_by_size(corpus, tmp_path: Path) -> None:
    path = corpus.sparse_file(tmp_path / "enorme.pdf", 200 * 1024 * 1024)
    tracemalloc.start()
    try:
        refused(path, FileTooLargeError)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024  # the size comes from the file system: nothing is read


@pytest.mark.parametrize(
    "name", ["fac\nture.pdf", "fac\x1bture.pdf", "fac\\ture.pdf", "fac\u202etxt.pdf"]
)
def test_file_name_with_control_or_separator(name: str, tmp_path: Path, samples) -> None:
    path = tmp_path / name
    path.write_bytes(samples["facture.pdf"].read_bytes())
    with pytest.raises(InvalidFileNameError) as caught:
        inspect_file(path)
    assert caught.value.field == "file_name"


@pytest.mark.parametrize(
    "name",
    [
        "../facture.pdf",
        "a/b.pdf",
        "C:\\x.pdf",
        "",
        " ",
        ".",
        "..",
        "x.pdf ",
        "a|b.pdf",
        "a\x00.pdf",
    ],
)
def test_unsafe_names(name: str) -> None:
    with pytest.raises(InvalidFileNameError):
        validate_file_name(name)


@pytest.mark.parametrize("name", ["facture.pdf", "Décompte n°3 (mai).pdf", "a.b.c.xml", "x"])
def test_safe_names(name: str) -> None:
    assert validate_file_name(name) == name


def test_missing_file(tmp_path: Path) -> None:
    refused(tmp_path / "absent.pdf", FileMissingError)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "dossier.pdf"
    folder.mkdir()
    refused(folder, FileMissingError)


# --- bombs ----------------------------------------------------------------------------


EXPECTED = {
    "page_tree_cycle": DamagedPdfError,
}


def test_bomb_corpus_is_complete(bombs) -> None:
    assert len(bombs) >= 10


@pytest.mark.parametrize(
    "name",
    [
        "flate_contents_4gb",
        "flate_form_xobject",
        "flate_many_contents",
        "flate_facturx_xml",
        "flate_object_stream",
        "nested_arrays",
        "nested_dicts",
        "nested_dicts_500",
        "nested_in_contents",
        "page_tree_1m_kids",
        "page_tree_cycle",
        "huge_text_operators",
    ],
)
def test_bomb_refused_by_name(bombs, name: str) -> None:
    """Refused by a budget in work units; time and memory: bench/bench_documents.py."""
    refused(bombs[name], EXPECTED.get(name, ResourceLimitError))


PEAK_SCRIPT = """
import sys
from decompte.sdk.documents import DocumentError, inspect_file
for path in sys.argv[1:]:
    try:
        inspect_file(path)
    except DocumentError:
        pass
    else:
        raise SystemExit("accepted " + path)
with open("/proc/self/status") as status:  # VmHWM: peak resident set of this process image
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_bombs_stay_under_200_mb(bombs) -> None:
    """Peak resident memory of a fresh process reading every bomb stays under 200 MB."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, *map(str, bombs.values())],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) < 200 * 1024  # KiB


def test_guard_interrupts_a_runaway_loop() -> None:
    from decompte.sdk.documents.errors import ReadDeadlineError
    from decompte.sdk.documents.limits import guarded

    def spin() -> None:
        while True:
            pass

    with pytest.raises(ReadDeadlineError) as raised:  # an endless loop ends: that is all
        guarded(spin, Limits(deadline_seconds=0.2))
    assert raised.value.rule_id == "file.retry" and "réessayez" in raised.value.hint


def test_guard_works_in_a_worker_thread() -> None:
    import threading

    from decompte.sdk.documents.errors import ReadDeadlineError
    from decompte.sdk.documents.limits import guarded

    result: list[BaseException] = []

    def work() -> None:
        try:
            guarded(lambda: sum(1 for _ in iter(int, 1)), Limits(deadline_seconds=0.2))
        except ReadDeadlineError as exc:
            result.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and len(result) == 1


def test_guard_leaves_no_stray_exception() -> None:
    from decompte.sdk.documents.limits import guarded

    for _ in range(50):
        assert guarded(lambda: 42, Limits(deadline_seconds=0.001)) == 42
    time.sleep(0.05)  # a late watchdog would raise here


def test_guard_catches_memory_growth() -> None:
    from decompte.sdk.documents.limits import guarded, resident_bytes

    if resident_bytes() is None:
        pytest.skip("resident memory is only known on Linux")
    hog: list[bytes] = []

    def grow() -> None:
        while True:
            hog.append(os.urandom(1 << 20))

    with pytest.raises(ResourceLimitError, match="mémoire"):
        guarded(grow, Limits(max_memory_growth_bytes=32 * 1024 * 1024, deadline_seconds=10))
    hog.clear()


def test_nested_guards_report_the_outer_deadline() -> None:
    from decompte.sdk.documents.errors import ReadDeadlineError
    from decompte.sdk.documents.limits import guarded

    def inner() -> None:
        try:
            guarded(lambda: time.sleep(0) or [None for _ in iter(int, 1)], Limits(), seconds=5)
        except ReadDeadlineError:  # pragma: no cover - the inner one must not claim it
            pytest.fail("inner guard claimed the outer deadline")

    with pytest.raises(ReadDeadlineError):
        guarded(inner, Limits(deadline_seconds=0.2))


def test_utf16_xxe_is_caught_after_parsing(corpus, write) -> None:
    text = (corpus.XXE_XML % b"/etc/hostname").decode()
    text = text.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    refused(write("xxe16.xml", text.encode("utf-16")), UnsafeXmlError)
