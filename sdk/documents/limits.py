"""Reading limits and the guard that enforces them while third-party parsers run.

The verdict on a file comes from budgets counted in work units (pages, objects, xref
sections, decompressed bytes, XML elements and nodes, nesting): the same file gets the same
verdict on an idle or a loaded machine. Wall time and resident memory are only watched as a
last-resort safety net far above what a file within the budgets costs; the time net is
reported as « réessayez » (ReadDeadlineError), never as a verdict on the file.
"""

from __future__ import annotations

import ctypes
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from .errors import ReadDeadlineError, ResourceLimitError

MIB = 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    """Portal rules (domain §8) and reading budgets; all sizes in bytes."""

    max_attachment_bytes: int = 10 * MIB
    max_piece_bytes: int = 120 * MIB  # piece file plus its attachments
    max_name_length: int = 50
    max_document_bytes: int = 120 * MIB  # a piece file can never exceed the piece total
    max_xml_bytes: int = 10 * MIB
    max_stream_bytes: int = 16 * MIB  # decompressed size of one PDF stream
    max_total_decoded_bytes: int = 48 * MIB  # all the streams one read decompresses (cached)
    max_decoding_work_bytes: int = 32 * MIB
    max_decoded_page_bytes: int = 32 * MIB  # content + forms decoded for the text probe
    max_memory_growth_bytes: int = 96 * MIB  # safety net: resident growth while reading
    max_array_items: int = 100_000
    max_nesting: int = 64  # arrays and dictionaries inside one another
    max_pages: int = 5_000
    max_objects: int = 200_000  # entries of all cross-reference sections together
    max_xref_sections: int = 256  # the original one plus incremental updates
    text_probe_pages: int = 3
    text_probe_bytes: int = 256 * 1024  # decoded content parsed for text (pypdf: ~2 s / MB)
    text_sample_chars: int = 200
    max_signature_fields: int = 200
    max_embedded_files: int = 100
    # XML, counted while streaming, before any tree is built (see xml_safety.py)
    max_xml_elements: int = 200_000
    max_xml_nodes: int = 400_000  # elements + text runs + 2 per attribute (≈ 120 B each)
    max_xml_depth: int = 64
    max_xml_attributes: int = 64  # per element, namespace declarations included
    max_xml_text_chars: int = 8 * MIB  # one text run, comment or attribute value
    deadline_seconds: float = 60.0  # safety net only, far above any read within the budgets


DEFAULT_LIMITS = Limits()


class _Expired(BaseException):
    """Raised asynchronously in the guarded thread; BaseException so parsers cannot swallow it."""


_clock = time.monotonic  # the safety net's clock (tests slow it down)


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    arg = ctypes.py_object(exc) if exc is not None else ctypes.c_void_p(0)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), arg)


_CAN_INTERRUPT = hasattr(ctypes, "pythonapi") and hasattr(
    ctypes.pythonapi, "PyThreadState_SetAsyncExc"
)
_STATM = "/proc/self/statm"
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int | None:
    """Current resident memory of this process (Linux), None where unknown."""
    try:
        with open(_STATM, "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


class _Watchdog(threading.Thread):
    """Interrupts one thread when it runs too long or the process grows too much."""

    def __init__(self, thread_id: int, seconds: float, max_growth: int) -> None:
        super().__init__(daemon=True, name="decompte-document-guard")
        self.thread_id = thread_id
        self.seconds = seconds
        self.max_growth = max_growth
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.active = True
        self.reason = ""

    def run(self) -> None:
        start = _clock()
        base = resident_bytes()
        while not self.done.wait(_POLL_SECONDS):
            if _clock() - start > self.seconds:
                self._fire("time")
                return
            now = resident_bytes() if base is not None else None
            if now is not None and base is not None and now - base > self.max_growth:
                self._fire("memory")
                return

    def _fire(self, reason: str) -> None:
        with self.lock:
            if self.active:
                self.reason = reason
                _set_async_exc(self.thread_id, _Expired)

    def stop(self) -> None:
        self.done.set()
        with self.lock:
            self.active = False
            if self.reason:
                _set_async_exc(self.thread_id, None)  # drop an exception not yet delivered


_POLL_SECONDS = 0.01


def guarded(
    fn: Callable[[], T],
    limits: Limits,
    what: str = "la lecture du fichier",
    *,
    seconds: float | None = None,
) -> T:
    """Run `fn` in this thread under the safety net of `limits` (time and memory).

    A watchdog thread injects an exception at the next bytecode boundary when the deadline
    (`seconds`, default `deadline_seconds`) passes or resident memory grows beyond
    `max_memory_growth_bytes`; it works in any thread, and guards nest. RecursionError (deep
    nesting) is converted too. Memory and recursion end as ResourceLimitError; time ends as
    ReadDeadlineError, « réessayez », because it measures the machine as much as the file.
    """
    seconds = limits.deadline_seconds if seconds is None else seconds
    if not _CAN_INTERRUPT or seconds <= 0:
        return _recursion_guard(fn, what)
    dog = _Watchdog(threading.get_ident(), seconds, limits.max_memory_growth_bytes)
    try:
        try:
            dog.start()
            return _recursion_guard(fn, what)
        finally:
            dog.stop()
    except _Expired:
        if not dog.reason:  # an enclosing guard fired: its report, not ours
            raise
        if dog.reason == "memory":
            raise ResourceLimitError(
                f"{what} demande trop de mémoire (plus de "
                f"{limits.max_memory_growth_bytes // MIB} Mo) : fichier trop complexe",
                rule_id="file.limit.memory",
            ) from None
        raise ReadDeadlineError(
            f"{what} a été interrompue au bout de {seconds:g} s : ce n'est pas un verdict "
            "sur le fichier, la machine était peut-être trop chargée"
        ) from None


def _recursion_guard(fn: Callable[[], T], what: str) -> T:
    try:
        return fn()
    except RecursionError:
        raise ResourceLimitError(
            f"{what} a échoué : structure imbriquée trop profondément", rule_id="file.limit.nesting"
        ) from None


def pypdf_configuration(limits: Limits) -> AbstractContextManager[object]:
    """pypdf's own decompression and structure limits, tightened for this read."""
    try:
        from pypdf import Configuration, apply_configuration
    except ImportError:  # pypdf < 7: its built-in defaults still apply
        return nullcontext()
    cap = limits.max_stream_bytes
    wanted = {
        "zlib_maximum_output_length": cap,
        "lzw_maximum_output_length": cap,
        "run_length_maximum_output_length": cap,
        "jbig2_maximum_output_length": cap,
        "brotli_maximum_output_length": cap,
        "array_based_stream_maximum_output_length": cap,
        "image_maximum_buffer_size": cap,
        "stream_decoding_work_maximum_length": limits.max_decoding_work_bytes,
        "maximum_declared_stream_length": limits.max_document_bytes,
        "array_maximum_element_count": limits.max_array_items,
        "dictionary_maximum_element_count": limits.max_array_items,
    }
    known = {f.name for f in fields(Configuration)}
    return apply_configuration(**{k: v for k, v in wanted.items() if k in known})


# .remaining: bytes this thread's read may still decompress; .exceeded: why it stopped
_decoding = threading.local()
_install_lock = threading.Lock()
# pypdf skips whitespace one byte at a time in Python (≈ 0.2 µs a byte): inside an object
# stream (which holds no stream data, only objects) a long blank run is never content, only
# a way to make every object read cost seconds.
_BLANK_RUN = re.compile(rb"[\x00\t\n\x0c\r ]{65536}")


def _install_decoding_counter() -> None:
    """Wrap pypdf's one stream decoder (`filters.decode_stream_data`, which every
    `get_data` calls) so that a read counts what it decompresses across all streams; pypdf
    only bounds each stream alone. Installed once; it counts only inside `decoding_budget`."""
    from pypdf import filters
    from pypdf.errors import LimitReachedError

    with _install_lock:
        decode = filters.decode_stream_data
        if getattr(decode, "decompte_counted", False):
            return

        def counted(stream: Any) -> bytes:
            data = decode(stream)
            remaining = getattr(_decoding, "remaining", None)
            if remaining is not None:
                _decoding.remaining = remaining - len(data)
                if _decoding.remaining < 0:
                    _decoding.exceeded = "total"
                elif stream.get("/Type") == "/ObjStm" and _BLANK_RUN.search(data):
                    _decoding.exceeded = "blank"
                if _decoding.exceeded:
                    raise LimitReachedError(f"decompte: decoding budget ({_decoding.exceeded})")
            return data

        counted.decompte_counted = True  # type: ignore[attr-defined]
        filters.decode_stream_data = counted


@contextmanager
def decoding_budget(limits: Limits) -> Iterator[Callable[[], str]]:
    """Count the bytes pypdf decompresses in this thread during the block against
    `max_total_decoded_bytes`, and refuse an object stream with a long blank run. Yields a
    check saying why the budget stopped the read: "" (it did not), "total" or "blank" —
    pypdf may swallow the error raised in some non-strict paths, the check still knows."""
    _install_decoding_counter()
    _decoding.remaining = limits.max_total_decoded_bytes
    _decoding.exceeded = ""
    try:
        yield lambda: str(getattr(_decoding, "exceeded", ""))
    finally:
        _decoding.remaining = None
