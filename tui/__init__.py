"""Decompte's terminal app (Textual). The sdk never imports this package."""
