"""HTML to a PDF file with WeasyPrint: the hand-in pack's cover."""

from __future__ import annotations

import logging
from pathlib import Path

from weasyprint import HTML

# WeasyPrint logs a line per page laid out at INFO.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_pdf(html: str, path: Path) -> int:
    """Lay out ``html`` as paged media, write it to ``path``, return its number of pages."""
    document = HTML(string=html).render()
    document.write_pdf(path)
    return len(document.pages)
