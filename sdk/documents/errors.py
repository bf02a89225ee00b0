"""Named errors for deposited files: each says what is wrong and what to do, in French.

Each carries a `rule_id` (« pdf.truncated », « xml.doctype »…) so that the same verdict reads
the same in `file inspect`, in the deposit findings and on an attachment (`as_finding`).
"""

from __future__ import annotations

from ..errors import UsageError
from ..findings import Finding, Severity


class DocumentError(UsageError):
    """A file that cannot be taken as a piece or an attachment."""

    default_hint = "vérifiez le fichier ou déposez-en un autre"
    rule_id = "file.invalid"

    def __init__(
        self, message: str, *, field: str = "file", hint: str = "", rule_id: str = ""
    ) -> None:
        super().__init__(message, field=field, hint=hint or self.default_hint)
        if rule_id:
            self.rule_id = rule_id

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        text += f" ({self.rule_id})"
        return f"{text} — {self.hint}" if self.hint else text

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["rule_id"] = self.rule_id
        return data

    def as_finding(self, field: str = "", *, prefix: str = "", rule_prefix: str = "") -> Finding:
        """This verdict as a blocking finding on `field` (default: the error's own field),
        its message prefixed (e.g. with the attachment's name), its rule id too."""
        return Finding(
            rule_id=f"{rule_prefix}.{self.rule_id}" if rule_prefix else self.rule_id,
            severity=Severity.ERROR,
            field=field or self.field,
            message=prefix + self.message,
            hint=self.hint,
        )


class InvalidFileNameError(DocumentError):
    default_hint = (
        "renommez le fichier : un nom simple, sans chemin ni caractère de contrôle, "
        "avec une extension"
    )
    rule_id = "file.name.unsafe"

    def __init__(
        self, message: str, *, field: str = "file_name", hint: str = "", rule_id: str = ""
    ) -> None:
        super().__init__(message, field=field, hint=hint, rule_id=rule_id)


class FileMissingError(DocumentError):
    default_hint = "vérifiez le chemin du fichier"
    rule_id = "file.missing"


class EmptyFileError(DocumentError):
    default_hint = "le fichier est vide (0 octet) : déposez le bon fichier"
    rule_id = "file.empty"


class FileTooLargeError(DocumentError):
    default_hint = "réduisez la taille du fichier (compression, résolution des images)"
    rule_id = "file.size"


class UnsupportedFormatError(DocumentError):
    default_hint = "déposez un PDF (signé ou non), un PDF Factur-X ou un XML CII/UBL"
    rule_id = "file.format"


class FormatMismatchError(UnsupportedFormatError):
    """The extension announces one format, the content is another (a PNG renamed .pdf)."""

    default_hint = "le contenu ne correspond pas à l'extension : exportez le document au bon format"
    rule_id = "file.content"


class DamagedPdfError(DocumentError):
    default_hint = "le PDF est endommagé : régénérez-le depuis le logiciel d'origine"
    rule_id = "pdf.damaged"


class TruncatedPdfError(DamagedPdfError):
    default_hint = (
        "le PDF est incomplet (transfert interrompu ?) : téléchargez-le ou exportez-le à nouveau"
    )
    rule_id = "pdf.truncated"


class BrokenXrefError(DamagedPdfError):
    default_hint = (
        "la table des objets (xref) du PDF est invalide : régénérez-le depuis le logiciel d'origine"
    )
    rule_id = "pdf.xref"


class EncryptedPdfError(DocumentError):
    default_hint = "enregistrez le PDF sans mot de passe ni chiffrement, puis déposez-le"
    rule_id = "pdf.encrypted"


class ResourceLimitError(DocumentError):
    """The file would cost too much to read: a budget counted in work units (pages, objects,
    decompressed bytes, elements, nesting) is exceeded. The same file always gets it."""

    default_hint = (
        "le fichier dépasse les limites de lecture (taille décompressée, nombre d'objets, "
        "imbrication) : régénérez-le ou scindez-le"
    )
    rule_id = "file.limit"


class ReadDeadlineError(DocumentError):
    """The last-resort wall-clock safety net fired: not a verdict on the file (a loaded
    machine can be slow), so it is reported apart, as « réessayez »."""

    default_hint = (
        "la lecture a été interrompue par sécurité (machine très chargée ?) : "
        "réessayez dans un instant"
    )
    rule_id = "file.retry"


class XmlError(DocumentError):
    default_hint = "déposez un XML de facture CII (Factur-X) ou UBL 2.1 bien formé"
    rule_id = "xml.invalid"


class MalformedXmlError(XmlError):
    rule_id = "xml.malformed"


class UnsafeXmlError(XmlError):
    """A DTD or entity declaration: refused so that XXE and entity bombs cannot happen."""

    default_hint = "le XML ne doit contenir ni DOCTYPE ni entité : régénérez-le sans DTD"
    rule_id = "xml.doctype"


class NotAnInvoiceError(XmlError):
    default_hint = (
        "ce XML n'est pas une facture : attendu CrossIndustryInvoice (CII) ou Invoice / "
        "CreditNote (UBL 2.1)"
    )
    rule_id = "xml.not_invoice"
