"""The hostile-file corpus, built on the fly (nothing committed), with the verdict each file
must get: as the piece file (`file inspect`, deposit) and as an attachment.

Plain functions over the builders of conftest.py (passed in as `corpus`), so that
bench/bench_hostile_files.py builds exactly the same files.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

MIB = 1 << 20
CII_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<rsm:CrossIndustryInvoice xmlns:rsm='
    b'"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">'
)
CII_CLOSE = b"</rsm:CrossIndustryInvoice>\n"


@dataclass(frozen=True)
class Hostile:
    key: str
    name: str  # the file name it carries
    data: bytes
    rule: str  # rule id of the verdict on it as the piece file (error or finding)
    attachment_rule: str  # rule id of the verdict on it as an attachment

    @property
    def kind(self) -> str:
        return self.name.rpartition(".")[2]


def cii(body: bytes) -> bytes:
    return CII_OPEN + body + CII_CLOSE


def million_elements(size: int = 10 * MIB - 1024) -> bytes:
    """An invoice root holding about 2.6 million empty elements, under the 10 MB cap."""
    return cii(b"<a/>" * ((size - len(CII_OPEN) - len(CII_CLOSE)) // 4))


def deep_xml(levels: int = 100_000) -> bytes:
    return cii(b"<a>" * levels + b"</a>" * levels)


def many_attributes(count: int = 100_000) -> bytes:
    return cii(b"<a " + b" ".join(b'a%d="1"' % i for i in range(count)) + b"/>")


def huge_text(size: int = 9 * MIB) -> bytes:
    return cii(b"<a>" + b"x" * size + b"</a>")


def quadratic_blowup() -> bytes:
    """One 50 kB entity referenced 100 000 times: 5 GB once expanded."""
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "'
        + b"a" * 50_000
        + b'">]>\n<r>'
        + b"&a;" * 100_000
        + b"</r>\n"
    )


def doctype(subset: bytes, body: bytes = b"<r>&x;</r>") -> bytes:
    return b'<?xml version="1.0"?>\n<!DOCTYPE r ' + subset + b">\n" + body + b"\n"


def utf16_laughs(corpus: Any) -> bytes:
    text = corpus.LAUGHS_XML.decode().replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>'
    )
    return text.encode("utf-16")


def many_pages(pages: int = 100_000, per_node: int = 1000) -> list[bytes]:
    """Objects of a valid two-level page tree with `pages` distinct pages."""
    middle = pages // per_node
    first_page = 3 + middle
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /MediaBox [0 0 595 842] /Kids ["
        + b" ".join(b"%d 0 R" % (3 + i) for i in range(middle))
        + b"] /Count %d >>" % pages,
    ]
    for node in range(middle):
        kids = b" ".join(b"%d 0 R" % (first_page + node * per_node + j) for j in range(per_node))
        objects.append(b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count %d >>" % (kids, per_node))
    objects += [b"<< /Type /Page /Parent %d 0 R >>" % (3 + i // per_node) for i in range(pages)]
    return objects


def deep_page_tree(levels: int = 5_000) -> list[bytes]:
    """/Pages nodes each holding the next one: a chain `levels` deep, one page at the end."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        number = 2 + level
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (number + 1))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>" % (levels + 1))
    return objects


def packed_pages(pages: int = 8, inflate: int = 15 * MIB, *, blank: bool = False) -> bytes:
    """Each page in its own object stream, each stream under the per-stream cap (16 MiB)
    once inflated but `pages` × `inflate` together: 120 MiB decoded for a 130 kB file. The
    filler is a comment, or (`blank`) whitespace that pypdf would skip a byte at a time."""
    filler = b" " * inflate if blank else b"\n%" + b"x" * inflate
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    rows = [(0, 0, 65535)]
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(pages))
    plain = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /MediaBox [0 0 595 842] /Kids [%s] /Count %d >>" % (kids, pages),
    ]
    for number, body in enumerate(plain, 1):
        rows.append((1, len(out), 0))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    for index in range(pages):
        page, holder = 3 + 2 * index, 4 + 2 * index
        header = b"%d 0 " % page
        body = header + b"<< /Type /Page /Parent 2 0 R >>" + filler
        packed = zlib.compress(body, 9)
        rows += [(2, holder, 0), (1, len(out), 0)]
        out += b"%d 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>" % (
            holder,
            len(header),
            len(packed),
        )
        out += b"\nstream\n" + packed + b"\nendstream\nendobj\n"
    number = 3 + 2 * pages
    rows.append((1, len(out), 0))
    table = b"".join(
        t.to_bytes(1, "big") + o.to_bytes(4, "big") + g.to_bytes(2, "big") for t, o, g in rows
    )
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>" % (
        number,
        number + 1,
        len(table),
    )
    out += b"\nstream\n" + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % rows[-1][1]
    return bytes(out)


def xref_loop(corpus: Any) -> bytes:
    """A valid file whose trailer says the previous xref section is itself."""
    pdf = corpus.make_pdf()
    offset = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    head, trailer = pdf.rsplit(b"trailer", 1)
    trailer = trailer.replace(b">>", b" /Prev %d >>" % offset, 1)
    return head + b"trailer" + trailer


def xref_many_entries(corpus: Any, entries: int = 250_000) -> bytes:
    """A one-page file whose xref declares `entries` objects (free ones after the third)."""
    pdf = corpus.build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
    )
    start = pdf.rindex(b"xref\n")
    head, table = pdf[:start], pdf[start:]
    used = table.split(b"\n")[3:6]  # the three objects' entries
    total = entries + 1
    new = b"xref\n0 %d\n0000000000 65535 f \n" % total + b"\n".join(used) + b"\n"
    new += b"0000000000 65535 f \n" * (total - 4)
    new += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (total, start)
    return head + new


def facturx_packed(corpus: Any, xml: bytes) -> bytes:
    """A one-page PDF carrying `xml` as its factur-x.xml, deflated (a 10 MB XML in 10 kB)."""
    packed = zlib.compress(xml, 9)
    return corpus.build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names "
            b"[(factur-x.xml) 5 0 R] >> >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            corpus.stream(b"BT ET"),
            b"<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /EF << /F 6 0 R >> >>",
            corpus.stream(packed, b"/Type /EmbeddedFile /Filter /FlateDecode "),
        ]
    )


def javascript_pdf(corpus: Any) -> bytes:
    return corpus.build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
        ]
    )


def hostile_corpus(corpus: Any) -> list[Hostile]:
    """Every hostile file with its expected verdicts."""
    bombs = corpus.bomb_corpus()
    plain = corpus.make_pdf(2)
    laughs = corpus.LAUGHS_XML
    million = million_elements()
    pdfs = {
        "pdf_100k_pages": (corpus.build_pdf(many_pages()), "pdf.limit.pages"),
        "pdf_deep_page_tree": (corpus.build_pdf(deep_page_tree()), "pdf.limit.page_tree"),
        "pdf_kids_fanout_1m": (bombs["page_tree_1m_kids"], "pdf.limit.object"),
        "pdf_page_tree_cycle": (bombs["page_tree_cycle"], "pdf.pages.loop"),
        "pdf_nested_dicts": (bombs["nested_dicts"], "pdf.limit.nesting"),
        "pdf_nested_arrays": (bombs["nested_arrays"], "pdf.limit.nesting"),
        "pdf_flate_bomb_4gb": (bombs["flate_contents_4gb"], "pdf.limit.decoded"),
        "pdf_flate_object_stream": (bombs["flate_object_stream"], "pdf.limit.decoded"),
        "pdf_many_object_streams": (packed_pages(), "pdf.limit.decoded"),
        "pdf_objstm_blank_run": (packed_pages(1, blank=True), "pdf.limit.object"),
        "pdf_xref_loop": (xref_loop(corpus), "pdf.xref.loop"),
        "pdf_xref_250k_entries": (xref_many_entries(corpus), "pdf.limit.objects"),
        "pdf_encrypted": (corpus.encrypt(plain), "pdf.encrypted"),
        "pdf_truncated": (corpus.truncated(plain), "pdf.truncated"),
        "pdf_text_renamed": (b"Ceci est un simple texte.\n" * 200, "file.content"),
        "pdf_javascript": (javascript_pdf(corpus), "pdf.javascript"),
        "pdf_embedded_exe": (
            corpus.attach(plain, "outil.exe", b"MZ" + bytes(4096)),
            "pdf.embedded",
        ),
        "facturx_billion_laughs": (
            corpus.attach(plain, "factur-x.xml", laughs),
            "facturx.xml.doctype",
        ),
        "facturx_million_elements": (
            facturx_packed(corpus, million),
            "facturx.xml.limit.elements",
        ),
    }
    xmls = {
        "xml_billion_laughs": (laughs, "xml.doctype"),
        "xml_quadratic_blowup": (quadratic_blowup(), "xml.doctype"),
        "xml_xxe_file": (doctype(b'[<!ENTITY x SYSTEM "file:///etc/passwd">]'), "xml.doctype"),
        "xml_xxe_http": (
            doctype(b'[<!ENTITY x SYSTEM "http://127.0.0.1:9/secret">]'),
            "xml.doctype",
        ),
        "xml_external_dtd": (
            doctype(b'SYSTEM "http://127.0.0.1:9/x.dtd"', b"<r/>"),
            "xml.doctype",
        ),
        "xml_parameter_entity": (
            doctype(b'[<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]', b"<r/>"),
            "xml.doctype",
        ),
        "xml_utf16_laughs": (utf16_laughs(corpus), "xml.doctype"),
        "xml_million_elements": (million, "xml.limit.elements"),
        "xml_depth_100k": (deep_xml(), "xml.limit.depth"),
        "xml_100k_attributes": (many_attributes(), "xml.limit.attributes"),
        "xml_huge_text": (huge_text(), "xml.limit.text"),
        "xml_malformed": (b"<?xml version='1.0'?><Invoice><a></Invoice>", "xml.malformed"),
        "xml_undefined_entity": (cii(b"<a>&nbsp;</a>"), "xml.malformed"),
    }
    out = [
        Hostile(key, f"{key}.pdf", data, rule, _attachment_rule(rule))
        for key, (data, rule) in pdfs.items()
    ]
    out += [
        Hostile(key, f"{key}.xml", data, rule, _attachment_rule(rule))
        for key, (data, rule) in xmls.items()
    ]
    out.append(
        Hostile(
            "png_text_renamed",
            "photo.png",
            b"ceci n'est pas une image\n" * 40,
            "file.content",
            "attachment.content",
        )
    )
    return out


def _attachment_rule(rule: str) -> str:
    return "attachment.content" if rule == "file.content" else f"attachment.{rule}"
