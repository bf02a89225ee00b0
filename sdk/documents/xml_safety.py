"""Untrusted XML is judged while it streams, before any tree is built.

An XML under the 10 MB cap can still hold millions of elements (a tree of several hundred MB),
a DTD that expands entities (« billion laughs », XXE), 100 000 levels of nesting or an element
with 100 000 attributes. One expat pass (C speed, constant memory, no DTD read, no entity
resolved, no file or network access) counts elements, tree nodes, depth, attributes and text
against `Limits` and stops at the first budget exceeded, with a named French error. Only a
file that passes is parsed into a tree (by lxml, for the factur-x library): its size is then
bounded by the node budget. The counts are work units, so the verdict never depends on load.
"""

from __future__ import annotations

import logging
from pyexpat import ExpatError, ParserCreate, errors
from typing import NoReturn

from .errors import FileTooLargeError, MalformedXmlError, ResourceLimitError, UnsafeXmlError
from .limits import Limits

_log = logging.getLogger("decompte.documents")
_CHUNK = 1 << 16
_PARAM_ENTITY_PARSING_NEVER = 0

# expat's messages in French, by its error message constant (others: « XML mal formé »).
_FRENCH = {
    errors.XML_ERROR_NO_ELEMENTS: "document vide ou incomplet",
    errors.XML_ERROR_SYNTAX: "erreur de syntaxe",
    errors.XML_ERROR_INVALID_TOKEN: "caractère ou balise invalide",
    errors.XML_ERROR_UNCLOSED_TOKEN: "balise non fermée",
    errors.XML_ERROR_PARTIAL_CHAR: "caractère incomplet (encodage)",
    errors.XML_ERROR_TAG_MISMATCH: "balise fermante sans balise ouvrante correspondante",
    errors.XML_ERROR_DUPLICATE_ATTRIBUTE: "attribut en double",
    errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "contenu après l'élément racine",
    errors.XML_ERROR_UNDEFINED_ENTITY: "entité non définie",
    errors.XML_ERROR_BAD_CHAR_REF: "référence de caractère invalide",
    errors.XML_ERROR_UNKNOWN_ENCODING: "encodage inconnu",
    errors.XML_ERROR_INCORRECT_ENCODING: "encodage incorrect",
    errors.XML_ERROR_UNCLOSED_CDATA_SECTION: "section CDATA non fermée",
    errors.XML_ERROR_MISPLACED_XML_PI: "déclaration <?xml ?> mal placée",
    errors.XML_ERROR_XML_DECL: "déclaration <?xml ?> invalide",
    errors.XML_ERROR_UNBOUND_PREFIX: "préfixe d'espace de noms non déclaré",
    errors.XML_ERROR_RECURSIVE_ENTITY_REF: "entité récursive",
    errors.XML_ERROR_ASYNC_ENTITY: "entité mal fermée",
}


class _Scan:
    """The expat handlers: counters and the first budget exceeded."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.elements = 0
        self.nodes = 0
        self.depth = 0
        self.pending_namespaces = 0
        self.run = 0  # characters of the current text run
        self.run_counted = False

    def doctype(self, name: str, *_: object) -> NoReturn:
        raise UnsafeXmlError(
            f"le XML déclare une DTD (<!DOCTYPE {name[:40]}>) : refusée, car ses entités "
            "pourraient lire des fichiers (XXE) ou exploser en mémoire",
            rule_id="xml.doctype",
        )

    def entity(self, *_: object) -> NoReturn:
        raise UnsafeXmlError(
            "le XML déclare ou appelle une entité externe : refusée (risque XXE)",
            rule_id="xml.entity",
        )

    def namespace(self, *_: object) -> None:
        self.pending_namespaces += 1

    def start(self, name: str, attributes: list[str]) -> None:
        limits = self.limits
        self.elements += 1
        self.depth += 1
        count = len(attributes) // 2 + self.pending_namespaces
        self.pending_namespaces = 0
        self.nodes += 1 + 2 * count
        self.run, self.run_counted = 0, False
        if self.elements > limits.max_xml_elements:
            self._over("xml.limit.elements", f"plus de {limits.max_xml_elements} éléments")
        if self.depth > limits.max_xml_depth:
            self._over("xml.limit.depth", f"plus de {limits.max_xml_depth} niveaux d'imbrication")
        if count > limits.max_xml_attributes:
            self._over(
                "xml.limit.attributes",
                f"un élément porte {count} attributs (maximum {limits.max_xml_attributes})",
            )
        if any(len(value) > limits.max_xml_text_chars for value in attributes[1::2]):
            self._text_over()
        self._check_nodes()

    def end(self, _name: str) -> None:
        self.depth -= 1
        self.run, self.run_counted = 0, False

    def text(self, data: str) -> None:
        self.run += len(data)
        if self.run > self.limits.max_xml_text_chars:
            self._text_over()
        if not self.run_counted and not data.isspace():
            self.run_counted = True
            self.nodes += 1
            self._check_nodes()

    def comment(self, data: str) -> None:
        if len(data) > self.limits.max_xml_text_chars:
            self._text_over()

    def _check_nodes(self) -> None:
        if self.nodes > self.limits.max_xml_nodes:
            self._over(
                "xml.limit.nodes",
                f"plus de {self.limits.max_xml_nodes} nœuds (éléments, attributs et textes)",
            )

    def _text_over(self) -> NoReturn:
        self._over(
            "xml.limit.text",
            f"un texte ou un attribut dépasse {self.limits.max_xml_text_chars} caractères",
        )

    def _over(self, rule: str, what: str) -> NoReturn:
        raise ResourceLimitError(
            f"XML trop complexe pour être lu : {what}",
            rule_id=rule,
            hint="une facture ne contient pas autant de données : vérifiez le fichier ou "
            "scindez la facture",
        )


def scan_xml(data: bytes, limits: Limits) -> None:
    """Stream `data` through expat and raise the first named problem: DTD or entity
    (UnsafeXmlError), not well-formed (MalformedXmlError), a budget exceeded
    (ResourceLimitError), over `max_xml_bytes` (FileTooLargeError). Returns quietly for an
    XML that is safe to parse into a tree."""
    if len(data) > limits.max_xml_bytes:
        raise FileTooLargeError(
            f"XML trop volumineux ({len(data)} octets, maximum {limits.max_xml_bytes})"
        )
    scan = _Scan(limits)
    parser = ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(_PARAM_ENTITY_PARSING_NEVER)
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = scan.doctype
    parser.EntityDeclHandler = scan.entity
    parser.ExternalEntityRefHandler = scan.entity
    parser.StartNamespaceDeclHandler = scan.namespace
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    parser.CommentHandler = scan.comment
    view = memoryview(data)
    try:
        for offset in range(0, len(data), _CHUNK):
            parser.Parse(bytes(view[offset : offset + _CHUNK]), False)
        parser.Parse(b"", True)
    except ExpatError as exc:
        _log.debug("expat: %s", exc)
        reason = _FRENCH.get(errors.messages.get(exc.code, ""), "XML mal formé")
        raise MalformedXmlError(
            f"XML mal formé : {reason} (ligne {exc.lineno}, colonne {exc.offset + 1})"
        ) from None
