"""Active content: a PDF that would run JavaScript or launch a program in the recipient's
viewer is refused by name (pdf.javascript), wherever the action hides — in plain objects or
inside a compressed object stream — while ordinary links and destinations are not."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from decompte.sdk.documents import check_attachment, inspect_file

PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>"


def packed_pdf(annotation: bytes, catalog_extra: bytes = b"") -> bytes:
    """Catalog, pages and page in plain objects; the annotation (object 4) inside a
    deflated object stream (object 5), with a cross-reference stream (object 6)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    plain = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: PAGE,
    }
    for number, body in plain.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    header = b"4 0 "
    data = zlib.compress(header + annotation)
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\n" % (
        len(header),
        len(data),
    )
    out += b"stream\n" + data + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    rows = [(0, 0, 65535), (1, offsets[1], 0), (1, offsets[2], 0), (1, offsets[3], 0)]
    rows += [(2, 5, 0), (1, offsets[5], 0), (1, offsets[6], 0)]
    table = b"".join(
        t.to_bytes(1, "big") + o.to_bytes(4, "big") + g.to_bytes(2, "big") for t, o, g in rows
    )
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\n" % len(table)
    out += b"stream\n" + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


LINK = b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A %s >>"


@pytest.mark.parametrize(
    "action",
    [
        b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
        b"<< /S /Launch /F (calc.exe) >>",
    ],
)
def test_action_hidden_in_an_object_stream_is_found(write, action: bytes) -> None:
    data = packed_pdf(LINK % action)
    assert b"JavaScript" not in data and b"Launch" not in data  # only the parse can see it
    path = write("cache.pdf", data)
    assert "pdf.javascript" in [f.rule_id for f in inspect_file(path).findings]
    assert "attachment.pdf.javascript" in [f.rule_id for f in check_attachment(path)]


@pytest.mark.parametrize(
    ("annotation", "catalog"),
    [
        (LINK % b"<< /S /URI /URI (https://exemple.fr) >>", b""),
        (LINK % b"<< /S /GoTo /D [3 0 R /Fit] >>", b"/OpenAction [3 0 R /Fit] "),
    ],
)
def test_links_and_destinations_are_not_scripts(write, annotation: bytes, catalog: bytes) -> None:
    path = write("liens.pdf", packed_pdf(annotation, catalog))
    assert not [f for f in inspect_file(path).findings if f.rule_id == "pdf.javascript"]
    assert check_attachment(path) == []


def test_document_level_javascript_name_tree(corpus, write) -> None:
    data = corpus.build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Names [(ouverture) 5 0 R] >>",
            b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
        ]
    )
    path: Path = write("js.pdf", data)
    (finding,) = [f for f in inspect_file(path).findings if f.rule_id == "pdf.javascript"]
    assert finding.severity == "error" and finding.hint
