"""Read side: Synthèse, Rechercher, piece history, dossier chain, stock, fiscal list, archives.

`Queries` is the one object the front-ends read through (`core.queries`); its parts live in
their own modules over `read_scope` (the access policy's scope, asked first by every read):
`piece_listing` (Synthèse, Rechercher, Liste fiscale and their rows, filters, sorts),
`piece_reads` (one piece, its attachments, history, dossier, certificate, deadline),
`stock_and_archives` (Tableau de bord, Archives). The list records and filters are
re-exported here: the app and plugins (`pluginapi`) name them from this module.
"""

from __future__ import annotations

from .piece_listing import Page, PieceListing, PieceRow, SearchCriteria, SyntheseFilter
from .piece_reads import PieceReads
from .stock_and_archives import StockAndArchives

__all__ = ["Page", "PieceRow", "Queries", "SearchCriteria", "SyntheseFilter"]


class Queries(PieceListing, PieceReads, StockAndArchives):
    """Every read the front-ends make, each asking the access policy first."""
