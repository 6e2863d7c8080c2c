"""Printable pages as PDF, made by WeasyPrint (which draws text with Debian's Pango: `make pdf`).

The PDF fetches nothing from the network and reads no file but the application's own static
files: the page's links are resolved against a base address that cannot exist
(``.invalid``, RFC 6761), and the fetcher serves only ``/static/...`` under that address from
the static folder, refusing everything else. Charts are the pages' inline SVG, so they stay
vector graphics. The PDF is tagged (PDF/UA-1), with the page's title and language in its
metadata.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from audit_app.reporting.board_paper import BoardPaper

BASE_URL = "https://paper.invalid/"
PDF_VARIANT = "pdf/ua-1"

logger = logging.getLogger(__name__)
# WeasyPrint warns of every CSS rule it cannot use: hundreds a paper for GOV.UK Frontend's
# screen-width media queries, which do not apply on paper anyway. Its errors still show, and
# the fetcher logs each address it refuses itself.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class Refused(ValueError):
    """A resource the PDF may not fetch: anything but the application's own static files."""


def own_static_files(static_folder: Path, static_url_path: str = "/static") -> object:
    """A WeasyPrint URL fetcher that serves the static folder and refuses everything else; its
    ``refused`` list holds the addresses it refused."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    folder = static_folder.resolve()
    prefix = BASE_URL.rstrip("/") + static_url_path.rstrip("/") + "/"

    class OwnStaticFiles(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("https",), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            path = _static_path(url, prefix, folder)
            if path is None:
                self.refused.append(url)
                logger.warning("a PDF asked for %s, which is not a static file: refused", url)
                raise Refused(f"Not one of the application's static files: {url}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return OwnStaticFiles()


def _static_path(url: str, prefix: str, folder: Path) -> Path | None:
    """The file under ``folder`` that ``url`` names, or None if it names no such file."""
    if not url.startswith(prefix):
        return None
    relative = unquote(urlsplit(url).path)[len(urlsplit(prefix).path) :]
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    return path


def paper_html(paper: BoardPaper, *, pdf: bool, **context: Any) -> str:
    """The board paper's page (``pdf``: alone, for WeasyPrint), in a request context."""
    from flask import render_template

    from audit_app.reporting.presentation import dashboard_charts

    return render_template(
        "reports/paper.html",
        paper=paper,
        charts=dashboard_charts(paper.figures),
        pdf=pdf,
        **{"errors": {}, "page": None, "choices": {}, "args": {}, **context},
    )


def paper_pdf(paper: BoardPaper) -> bytes:
    """The board paper as a tagged PDF, in a request context."""
    from flask import current_app

    static = Path(current_app.static_folder or "static")
    return write_pdf(paper_html(paper, pdf=True), static, current_app.static_url_path or "/static")


def write_pdf(html: str, static_folder: Path, static_url_path: str = "/static") -> bytes:
    """The page as a tagged PDF (its title and language from ``<title>`` and ``<html lang>``)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    fetcher = own_static_files(static_folder, static_url_path)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    data = document.write_pdf(pdf_variant=PDF_VARIANT)
    assert isinstance(data, bytes)
    return data


__all__ = [
    "BASE_URL",
    "PDF_VARIANT",
    "Refused",
    "own_static_files",
    "paper_html",
    "paper_pdf",
    "write_pdf",
]
