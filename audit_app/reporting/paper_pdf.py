"""Printable pages as PDF, made by WeasyPrint (which draws text with Debian's Pango: `make pdf`).

The PDF fetches nothing from the network and reads no file but the application's own static
files: the page's links are resolved against a base address that cannot exist
(``.invalid``, RFC 6761), and the fetcher serves only ``/static/...`` under that address from
the static folder, refusing everything else. Charts are the pages' inline SVG, so they stay
vector graphics. The PDF is tagged (PDF/UA-1), with the page's title and language in its
metadata; one with files attached (the audit record's JSON) is PDF/A-3b, tagged as well.
"""

from __future__ import annotations

import logging
import mimetypes
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from audit_app.reporting.board_paper import BoardPaper

BASE_URL = "https://paper.invalid/"
PDF_VARIANT = "pdf/ua-1"
ARCHIVE_VARIANT = "pdf/a-3b"


@dataclass(frozen=True)
class Attached:
    """A file attached to a PDF: its name, what it is, its bytes and when it was made."""

    name: str
    description: str
    content: bytes
    created: datetime


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

    from audit_app.reporting.learning import kinds_heading
    from audit_app.reporting.presentation import dashboard_charts

    return render_template(
        "reports/paper.html",
        paper=paper,
        charts=dashboard_charts(paper.figures),
        learning_kinds=kinds_heading(),
        pdf=pdf,
        **{"errors": {}, "page": None, "choices": {}, "args": {}, **context},
    )


def paper_pdf(paper: BoardPaper) -> bytes:
    """The board paper as a tagged PDF, in a request context."""
    from flask import current_app

    static = Path(current_app.static_folder or "static")
    return write_pdf(paper_html(paper, pdf=True), static, current_app.static_url_path or "/static")


def write_pdf(
    html: str,
    static_folder: Path,
    static_url_path: str = "/static",
    *,
    attachments: Sequence[Attached] = (),
) -> bytes:
    """The page as a tagged PDF (its title and language from ``<title>`` and ``<html lang>``).

    With ``attachments``, an archival PDF/A-3b (the PDF/A part that allows attached files),
    still tagged, each file attached with its relationship to the page ("Data": what the page
    shows). PDF/UA-1 and PDF/A are two claims WeasyPrint makes one at a time.
    """
    from weasyprint import HTML  # type: ignore[import-untyped]

    fetcher = own_static_files(static_folder, static_url_path)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    if attachments:
        # PDF/A's colour profile: WeasyPrint 70 opens its sRGB profile and leaves the file to
        # be closed when it is dropped, which warns (ResourceWarning) but loses nothing.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            data = document.write_pdf(
                pdf_variant=ARCHIVE_VARIANT,
                pdf_tags=True,
                attachments=[_attachment(file) for file in attachments],
            )
    else:
        data = document.write_pdf(pdf_variant=PDF_VARIANT)
    assert isinstance(data, bytes)
    return data


def _attachment(file: Attached) -> object:
    from weasyprint import Attachment

    # Given as bytes (never a URL or a file name), so attaching fetches nothing.
    return Attachment(
        string=file.content,
        name=file.name,
        description=file.description,
        created=file.created,
        modified=file.created,
        relationship="Data",
    )


__all__ = [
    "ARCHIVE_VARIANT",
    "Attached",
    "BASE_URL",
    "PDF_VARIANT",
    "Refused",
    "own_static_files",
    "paper_html",
    "paper_pdf",
    "write_pdf",
]
