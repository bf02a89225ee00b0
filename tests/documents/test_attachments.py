"""Attachment rules (domain §8): extension list, name, empty, 10 MB each, 120 MB per piece."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from decompte.sdk.documents import (
    ALLOWED_EXTENSIONS,
    FileMissingError,
    Limits,
    check_attachment,
    check_attachments,
    name_findings,
    size_findings,
)
from decompte.sdk.findings import Severity

MIB = 1024 * 1024


def rules(findings) -> list[str]:
    return [f.rule_id for f in findings]


@pytest.fixture
def make(tmp_path: Path):
    def _make(name: str, size: int = 10, content: bytes | None = None) -> Path:
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        else:
            with open(path, "wb") as handle:
                handle.truncate(size)  # sparse: no disk used, nothing read back
        return path

    return _make


def test_extension_list_is_data() -> None:
    brief = "pdf xml csv txt png jpg jpeg gif tif tiff bmp doc docx xls xlsx odt ods odp"
    brief += " ppt pptx zip rar 7z p7s xades"
    assert set(brief.split()) <= ALLOWED_EXTENSIONS
    assert "exe" not in ALLOWED_EXTENSIONS and "js" not in ALLOWED_EXTENSIONS


def test_good_attachment(make, corpus) -> None:
    assert check_attachment(make("situation.pdf", content=corpus.make_pdf())) == []
    assert check_attachment(make("photo.png", content=corpus.PNG_1PX)) == []
    assert check_attachment(make("annexe.xml", content=corpus.NOT_INVOICE_XML)) == []


@pytest.mark.parametrize("name", ["plan.PDF", "Photo.JPG", "metre.Xlsx", "signature.p7s"])
def test_extension_is_case_insensitive(name: str) -> None:
    assert name_findings(name) == []


@pytest.mark.parametrize("name", ["virus.exe", "script.js", "sans_extension", ".pdf", "a."])
def test_refused_extensions(name: str) -> None:
    (finding,) = name_findings(name)
    assert finding.rule_id == "attachment.extension"
    assert finding.severity is Severity.ERROR
    assert "pdf" in finding.hint


def test_name_length_is_50_with_extension() -> None:
    assert name_findings("a" * 46 + ".pdf") == []
    (finding,) = name_findings("a" * 47 + ".pdf")
    assert finding.rule_id == "attachment.name.length"
    assert "51" in finding.message


@pytest.mark.parametrize(
    "name", ["../etc/passwd.txt", "a/b.pdf", "a\\b.pdf", "a\nb.pdf", "a\x00.pdf", ""]
)
def test_unsafe_names_are_errors(name: str) -> None:
    (finding,) = name_findings(name)
    assert finding.rule_id == "attachment.name.unsafe"
    assert finding.severity is Severity.ERROR


def test_empty_attachment(make) -> None:
    assert rules(check_attachment(make("vide.pdf", 0))) == ["attachment.empty"]


def test_size_limit_is_10_mb(make) -> None:
    assert check_attachment(make("ok.zip", 10 * MIB)) == []
    (finding,) = check_attachment(make("gros.zip", 10 * MIB + 1))
    assert finding.rule_id == "attachment.size"
    assert "10\u00a0485\u00a0760 octets" in finding.message


def test_size_findings_alone() -> None:
    assert size_findings("a.pdf", 1) == []
    assert rules(size_findings("a.pdf", 0)) == ["attachment.empty"]


def test_content_mismatch_is_an_error_for_pdf_xml_and_images(make, corpus) -> None:
    (finding,) = check_attachment(make("photo.pdf", content=corpus.PNG_1PX))
    assert finding.rule_id == "attachment.content"
    assert finding.severity is Severity.ERROR
    assert "PNG" in finding.message


@pytest.mark.parametrize("name", ["notes.pdf", "plan.png", "photo.jpg", "scan.tiff", "f.xml"])
def test_text_renamed_as_a_strict_format_is_an_error(make, name: str) -> None:
    (finding,) = check_attachment(make(name, content=b"simple texte, pas une image\n"))
    assert finding.rule_id == "attachment.content"
    assert finding.severity is Severity.ERROR
    assert finding.message.startswith(name) and finding.hint


def test_other_format_in_an_office_file_is_a_warning(make, corpus) -> None:
    (finding,) = check_attachment(make("metre.docx", content=corpus.PNG_1PX))
    assert finding.rule_id == "attachment.content"
    assert finding.severity is Severity.WARNING


def test_unknown_content_is_not_judged(make) -> None:
    assert check_attachment(make("notes.txt", content=b"bonjour")) == []
    assert check_attachment(make("vieux.doc", content=b"{\\rtf1 ...}")) == []


def test_name_given_apart_from_the_file(make, corpus) -> None:
    path = make("tmp-upload-123", content=corpus.make_pdf())
    assert check_attachment(path, "Situation n°3.pdf") == []
    assert rules(check_attachment(path)) == ["attachment.extension"]


def test_missing_attachment_raises(tmp_path: Path) -> None:
    with pytest.raises(FileMissingError):
        check_attachment(tmp_path / "absent.pdf")


def test_piece_total_is_120_mb(make) -> None:
    piece = make("facture.pdf", 2 * MIB)
    parts = [make(f"pj{i}.zip", 10 * MIB) for i in range(11)]  # 2 + 110 = 112 MB
    assert check_attachments(parts, piece_file=piece) == []
    parts.append(make("pj11.zip", 9 * MIB))  # 121 MB
    tracemalloc.start()
    findings = check_attachments(parts, piece_file=piece)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert rules(findings) == ["attachment.total"]
    assert findings[0].field == "attachments"
    assert peak < 2 * MIB  # sizes from stat only


def test_fields_carry_the_index(make, corpus) -> None:
    findings = check_attachments(
        [make("ok.pdf", content=corpus.make_pdf()), (make("x", 0), "mauvais.exe")]
    )
    assert {(f.field, f.rule_id) for f in findings} == {
        ("attachments[1]", "attachment.extension"),
        ("attachments[1]", "attachment.empty"),
    }


def test_limits_are_configurable(make) -> None:
    limits = Limits(max_attachment_bytes=100, max_name_length=10)
    assert rules(check_attachment(make("abcdefg.pdf", 101), limits=limits)) == [
        "attachment.name.length",
        "attachment.size",
    ]
