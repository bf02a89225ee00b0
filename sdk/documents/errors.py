"""Named errors for deposited files: each says what is wrong and what to do, in French."""

from __future__ import annotations

from ..errors import UsageError


class DocumentError(UsageError):
    """A file that cannot be taken as a piece or an attachment."""

    default_hint = "vérifiez le fichier ou déposez-en un autre"

    def __init__(self, message: str, *, field: str = "file", hint: str = "") -> None:
        super().__init__(message, field=field, hint=hint or self.default_hint)


class InvalidFileNameError(DocumentError):
    default_hint = (
        "renommez le fichier : un nom simple, sans chemin ni caractère de contrôle, "
        "avec une extension"
    )

    def __init__(self, message: str, *, field: str = "file_name", hint: str = "") -> None:
        super().__init__(message, field=field, hint=hint)


class FileMissingError(DocumentError):
    default_hint = "vérifiez le chemin du fichier"


class EmptyFileError(DocumentError):
    default_hint = "le fichier est vide (0 octet) : déposez le bon fichier"


class FileTooLargeError(DocumentError):
    default_hint = "réduisez la taille du fichier (compression, résolution des images)"


class UnsupportedFormatError(DocumentError):
    default_hint = "déposez un PDF (signé ou non), un PDF Factur-X ou un XML CII/UBL"


class FormatMismatchError(UnsupportedFormatError):
    """The extension announces one format, the content is another (a PNG renamed .pdf)."""

    default_hint = "le contenu ne correspond pas à l'extension : exportez le document en PDF"


class DamagedPdfError(DocumentError):
    default_hint = "le PDF est endommagé : régénérez-le depuis le logiciel d'origine"


class TruncatedPdfError(DamagedPdfError):
    default_hint = (
        "le PDF est incomplet (transfert interrompu ?) : téléchargez-le ou exportez-le à nouveau"
    )


class BrokenXrefError(DamagedPdfError):
    default_hint = (
        "la table des objets (xref) du PDF est invalide : régénérez-le depuis le logiciel d'origine"
    )


class EncryptedPdfError(DocumentError):
    default_hint = "enregistrez le PDF sans mot de passe ni chiffrement, puis déposez-le"


class ResourceLimitError(DocumentError):
    """The file would cost too much to read (decompression bomb, deep nesting, too slow)."""

    default_hint = (
        "le fichier dépasse les limites de lecture (taille décompressée, imbrication ou durée) : "
        "régénérez-le"
    )


class ReadDeadlineError(ResourceLimitError):
    """Reading took longer than the deadline."""


class XmlError(DocumentError):
    default_hint = "déposez un XML de facture CII (Factur-X) ou UBL 2.1 bien formé"


class MalformedXmlError(XmlError):
    pass


class UnsafeXmlError(XmlError):
    """A DTD or entity declaration: refused so that XXE and entity bombs cannot happen."""

    default_hint = "le XML ne doit contenir ni DOCTYPE ni entité : régénérez-le sans DTD"


class NotAnInvoiceError(XmlError):
    default_hint = (
        "ce XML n'est pas une facture : attendu CrossIndustryInvoice (CII) ou Invoice / "
        "CreditNote (UBL 2.1)"
    )
