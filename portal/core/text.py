"""Text as people search it."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents or other marks, spaces collapsed: "Aïssatou  Diallo" →
    "aissatou diallo". Letters without a decomposition (ø, ß) stay as they are."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())
