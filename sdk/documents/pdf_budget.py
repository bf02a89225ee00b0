"""What a PDF will cost, counted before pypdf pays it: work units, not seconds.

pypdf reads every cross-reference section at open (≈ 3 s per million entries) and flattens
the whole page tree on `len(reader.pages)` (≈ 50 µs a page, recursively). Both costs are
counted here first, from the file's own declarations: the xref sections chained by /Prev
(with their loops), their entries, then the page tree (nodes, depth, loops). Over a budget
of `Limits`, the file gets a named verdict that does not depend on how busy the machine is.
The same module finds active content (JavaScript, launch actions) a viewer would run.
"""

from __future__ import annotations

import re
from typing import IO, Any

from .errors import BrokenXrefError, DamagedPdfError, ResourceLimitError
from .limits import Limits

_WINDOW = 4096
_XREF = re.compile(rb"\s*xref\b")
_SUBSECTION = re.compile(rb"\s*(\d{1,10})[ \t]+(\d{1,10})[ \t]*(?:\r\n|\r|\n)")
_TRAILER = re.compile(rb"\s*trailer\s*<<")
_STREAM_OBJECT = re.compile(rb"\s*\d+\s+\d+\s+obj\s*<<")
_PREV = re.compile(rb"/Prev\s+(\d{1,12})\b")
_XREF_STM = re.compile(rb"/XRefStm\s+(\d{1,12})\b")
_SIZE = re.compile(rb"/Size\s+(\d{1,12})\b")
_INDEX = re.compile(rb"/Index\s*\[([\d\s]*)\]")
_MAX_SUBSECTIONS = 10_000
ENTRY_BYTES = 20  # a classic xref entry is exactly 20 bytes (ISO 32000-1 § 7.5.4)
# Actions a viewer runs by itself: JavaScript, launching a program, the document's JS tree.
# (/JS alone is too short a token: random bytes of a large stream would match it by chance.)
ACTIVE = re.compile(rb"/S\s*/(?:JavaScript|Launch)\b|/JavaScript\s*(?:<<|\d+\s+\d+\s+R)")
_RUN = ("/JavaScript", "/Launch")
_OVERLAP = 64


def _limit(rule: str, message: str) -> ResourceLimitError:
    return ResourceLimitError(message, rule_id=rule)


def check_xref_chain(handle: IO[bytes], size: int, start: int, limits: Limits) -> int:
    """Walk the cross-reference sections from `start` (the startxref offset) through /Prev
    and /XRefStm; refuse a loop, a pointer out of the file, more than `max_xref_sections`
    sections or `max_objects` entries. Returns the entries counted."""
    todo = [start]
    seen: set[int] = set()
    entries = 0
    while todo:
        offset = todo.pop()
        if offset in seen:
            raise BrokenXrefError(
                "la chaîne des tables xref (/Prev) revient sur elle-même (boucle)",
                rule_id="pdf.xref.loop",
            )
        seen.add(offset)
        if len(seen) > limits.max_xref_sections:
            raise _limit(
                "pdf.limit.xref_sections",
                f"le PDF enchaîne plus de {limits.max_xref_sections} tables xref "
                "(mises à jour incrémentales)",
            )
        if offset >= size:
            raise BrokenXrefError("une table xref précédente (/Prev) est hors du fichier")
        count, pointers = _section(handle, offset)
        entries += count
        if entries > limits.max_objects:
            raise _limit(
                "pdf.limit.objects",
                f"le PDF déclare plus de {limits.max_objects} objets dans ses tables xref",
            )
        todo.extend(pointers)
    return entries


def _section(handle: IO[bytes], offset: int) -> tuple[int, list[int]]:
    """(entries, offsets of further sections) of the section at `offset`."""
    handle.seek(offset)
    head = handle.read(_WINDOW)
    found = _XREF.match(head)
    if found:
        return _classic(handle, offset + found.end())
    if _STREAM_OBJECT.match(head):
        dictionary = head.split(b"stream", 1)[0]
        index = _INDEX.search(dictionary)
        if index:
            numbers = [int(n) for n in index.group(1).split()]
            count = sum(numbers[1::2])
        else:
            declared = _SIZE.search(dictionary)
            count = int(declared.group(1)) if declared else 0
        return count, _pointers(dictionary)
    raise BrokenXrefError(f"une table xref annoncée (octet {offset}) est introuvable")


def _classic(handle: IO[bytes], position: int) -> tuple[int, list[int]]:
    """A classic table: subsections of fixed-size entries, then its trailer."""
    count = 0
    for _ in range(_MAX_SUBSECTIONS):
        handle.seek(position)
        line = handle.read(64)
        sub = _SUBSECTION.match(line)
        if sub:
            entries = int(sub.group(2))
            count += entries
            position += sub.end() + entries * ENTRY_BYTES
            continue
        if _TRAILER.match(line):
            handle.seek(position)
            trailer = handle.read(_WINDOW).split(b"startxref", 1)[0]
            return count, _pointers(trailer)
        return count, []  # irregular layout: pypdf reads it, and a repair is refused
    raise _limit("pdf.limit.objects", "une table xref du PDF compte trop de sous-sections")


def _pointers(dictionary: bytes) -> list[int]:
    return [int(m.group(1)) for rx in (_PREV, _XREF_STM) if (m := rx.search(dictionary))]


def count_pages(reader: Any, limits: Limits) -> int:
    """Leaves of the page tree, walked without recursion: refuse a loop, a tree deeper than
    `max_nesting`, more than `max_pages` pages (or twice as many nodes)."""
    from pypdf.generic import IndirectObject

    root = reader.trailer["/Root"].get_object()
    top = root.get("/Pages") if hasattr(root, "get") else None
    if top is None:
        raise DamagedPdfError("le PDF n'a pas d'arborescence de pages (/Pages)")
    todo: list[tuple[Any, int]] = [(top, 1)]
    seen: set[int] = set()
    pages = nodes = 0
    while todo:
        ref, depth = todo.pop()
        if isinstance(ref, IndirectObject):
            if ref.idnum in seen:
                raise DamagedPdfError(
                    "l'arborescence des pages du PDF revient sur elle-même (boucle)",
                    rule_id="pdf.pages.loop",
                )
            seen.add(ref.idnum)
        node = ref.get_object() if hasattr(ref, "get_object") else ref
        nodes += 1
        if depth > limits.max_nesting or nodes > 2 * limits.max_pages:
            raise _limit(
                "pdf.limit.page_tree",
                "l'arborescence des pages du PDF est trop profonde ou trop touffue",
            )
        kids = node.get("/Kids") if hasattr(node, "get") else None
        if kids is None:
            pages += 1
            if pages > limits.max_pages:
                raise _limit("pdf.limit.pages", f"le PDF compte plus de {limits.max_pages} pages")
            continue
        kids = kids.get_object()
        if isinstance(kids, list):
            todo.extend((kid, depth + 1) for kid in reversed(kids))
    return pages


def active_content(handle: IO[bytes], size: int) -> bool:
    """True when the file's bytes declare JavaScript or a launch action. Objects inside
    compressed object streams are seen by `catalog_actions` on the document's catalog."""
    handle.seek(0)
    tail = b""
    read = 0
    while read < size:
        chunk = handle.read(1 << 20)
        if not chunk:
            break
        read += len(chunk)
        if ACTIVE.search(tail + chunk):
            return True
        tail = chunk[-_OVERLAP:]
    return False


def document_actions(reader: Any, limits: Limits) -> bool:
    """True when the document runs an action by itself that is JavaScript or a launch: the
    catalog's /OpenAction and /AA, a document-level JavaScript name tree, each page's /AA,
    its annotations' /A and /AA (at most `max_array_items` annotations looked at). This sees
    objects stored in compressed object streams, which `active_content` cannot."""
    root = reader.trailer["/Root"].get_object()
    names = _resolve(root.get("/Names"))
    if hasattr(names, "get") and names.get("/JavaScript") is not None:
        return True
    holders = [root]
    budget = limits.max_array_items
    for page in reader.pages:
        holders.append(page)
        annotations = _resolve(page.get("/Annots"))
        for annotation in annotations if isinstance(annotations, list) else []:
            budget -= 1
            if budget < 0:
                break
            holders.append(_resolve(annotation))
    return any(_runs(holder) for holder in holders)


def _runs(holder: Any) -> bool:
    if not hasattr(holder, "get"):
        return False
    actions = [_resolve(holder.get("/OpenAction")), _resolve(holder.get("/A"))]
    additional = _resolve(holder.get("/AA"))
    if hasattr(additional, "values"):
        actions.extend(_resolve(v) for v in additional.values())
    return any(hasattr(a, "get") and a.get("/S") in _RUN for a in actions)


def _resolve(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value
