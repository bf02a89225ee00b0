"""The Déposer tab, split by job: `pane` (the tab: opens the core's deposit form model and
shows it), `fields` (the form's layout by section), `vat_lines` (amounts), `actors`
(recipient, MOE, structure search), `files` (file and attachments), `checks` (live findings),
`notes` (where findings show), `submit` (confirmation, deposit, récapitulatif)."""

from .pane import DeposerPane

__all__ = ["DeposerPane"]
