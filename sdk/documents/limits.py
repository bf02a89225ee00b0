"""Reading limits and the guard that enforces them while third-party parsers run."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, fields
from typing import TypeVar

from .errors import ResourceLimitError

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
    max_stream_bytes: int = 32 * MIB  # decompressed size of one PDF stream
    max_decoding_work_bytes: int = 64 * MIB
    max_array_items: int = 100_000
    max_xref_entries: int = 500_000
    text_probe_pages: int = 3
    text_sample_chars: int = 200
    max_signature_fields: int = 200
    max_embedded_files: int = 100
    deadline_seconds: float = 1.5


DEFAULT_LIMITS = Limits()


class _Expired(BaseException):
    """Raised asynchronously in the guarded thread; BaseException so parsers cannot swallow it."""


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    arg = ctypes.py_object(exc) if exc is not None else ctypes.c_void_p(0)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), arg)


_CAN_INTERRUPT = hasattr(ctypes, "pythonapi") and hasattr(
    ctypes.pythonapi, "PyThreadState_SetAsyncExc"
)


def guarded(fn: Callable[[], T], seconds: float, what: str = "la lecture du fichier") -> T:
    """Run `fn` in this thread; past `seconds` it is interrupted and ResourceLimitError raised.

    Works in any thread (not only the main one): a watchdog timer injects an exception at the
    next bytecode boundary. RecursionError (deep nesting) is converted too.
    """
    if not _CAN_INTERRUPT or seconds <= 0:
        return _recursion_guard(fn, what)
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["active"]:
                state["fired"] = True
                _set_async_exc(thread_id, _Expired)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    try:
        try:
            timer.start()
            return _recursion_guard(fn, what)
        finally:
            timer.cancel()
            with lock:
                state["active"] = False
                if state["fired"]:
                    _set_async_exc(thread_id, None)  # drop an exception not yet delivered
    except _Expired:
        raise ResourceLimitError(
            f"{what} dépasse la durée autorisée ({seconds:g} s) : fichier trop complexe"
        ) from None


def _recursion_guard(fn: Callable[[], T], what: str) -> T:
    try:
        return fn()
    except RecursionError:
        raise ResourceLimitError(
            f"{what} a échoué : structure imbriquée trop profondément"
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
