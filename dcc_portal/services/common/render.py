"""Rendering with jinja2 (autoescape always on for HTML and XML): print views, PDF through WeasyPrint, CDA, mails."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dcc_portal import formatting
from dcc_portal.services.common import inputs, storage

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# The only script a print view runs: its print button. Served print views allow exactly this script.
PRINT_SCRIPT = 'document.getElementById("print-button").addEventListener("click", function () { window.print(); });'
_PRINT_SCRIPT_HASH = base64.b64encode(hashlib.sha256(PRINT_SCRIPT.encode()).digest()).decode()
PRINT_VIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_PRINT_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def _carried(value):
    """What a template writes follows the free-text rule too, for text stored before the rule existed."""
    return inputs.clean(value) if type(value) is str else value


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        finalize=_carried,
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "xml", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date_fr"] = formatting.date_fr
    env.filters["datetime_fr"] = formatting.datetime_fr
    env.globals["print_script"] = PRINT_SCRIPT
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def pdf(html: str) -> bytes:
    """PDF of a print view. No network: every resource is inline, and fetching anything else is refused."""
    from weasyprint import HTML

    def refuse(url: str, *args, **kwargs):
        raise ValueError(f"external resource refused in PDF rendering: {url[:60]}")

    return HTML(string=html, url_fetcher=refuse, base_url=str(TEMPLATES)).write_pdf()


def print_pdf(html: str) -> bytes:
    """PDF of a document's print view, laid out once per distinct view (a few hundred milliseconds) and then
    served from the renditions kept in the file store."""
    return _kept(b"print-view-pdf\n" + html.encode(), lambda: html)


def print_pdf_of_source(source: str, make_html: Callable[[], str]) -> bytes:
    """`print_pdf` for a view that is a function of `source` alone: found by its source, without rendering the view."""
    return _kept(b"print-view-source-pdf\n" + source.encode(), make_html)


def _kept(named_by: bytes, make_html: Callable[[], str]) -> bytes:
    key = hashlib.sha256(named_by).hexdigest()
    kept = storage.rendition(key)
    if kept is not None and kept.startswith(b"%PDF-"):
        return kept
    data = pdf(make_html())
    storage.keep_rendition(key, data)
    return data
