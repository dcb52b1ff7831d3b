"""The document reader shared by every area."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.layout import PHONE_ONLY, TABLET_UP, area_page
from dcc_portal.components.mssante import mssante_panel
from dcc_portal.components.navigation import open_when_set
from dcc_portal.state.document_reader import DocumentReaderState
from dcc_portal.state.mssante import MssanteState

T = texts.DOCUMENT
TOUCH = "44px"


def _meta() -> rx.Component:
    info = DocumentReaderState.info
    return rx.vstack(
        rx.hstack(
            rx.badge(info["kind_label"], variant="soft", size="2"),
            rx.text(info["patient_name"], weight="medium"),
            wrap="wrap",
            align="center",
        ),
        rx.heading(info["title"], size="5", as_="h2", data_testid="document-title", style={"overflowWrap": "anywhere"}),
        rx.text(
            rx.cond(info["service_date"] != "", T["dated"] + " " + info["service_date"].to(str) + " · ", ""),
            rx.cond(info["author"] != "", info["author"].to(str) + " · ", ""),
            T["version"], " ", info["version"],
            size="2", color_scheme="gray",
        ),
        rx.cond(info["released"] != "", rx.text(T["released"], " ", info["released"], size="2", color_scheme="gray")),
        spacing="1",
        width="100%",
    )


def _actions() -> rx.Component:
    is_file = DocumentReaderState.info["is_file"] != ""
    return rx.flex(
        rx.button(
            rx.icon("download", size=16), T["download_pdf"],
            on_click=DocumentReaderState.download_pdf, loading=DocumentReaderState.preparing,
            size="3", min_height=TOUCH, data_testid="download-pdf",
        ),
        rx.button(
            rx.icon("external-link", size=16), rx.cond(is_file, T["open_pdf"], T["open_full"]),
            on_click=DocumentReaderState.open_view, loading=DocumentReaderState.opening,
            size="3", min_height=TOUCH, variant="soft", data_testid="open-view",
        ),
        open_when_set("open-view-link", DocumentReaderState.open_url, DocumentReaderState.opened),
        wrap="wrap", gap="0.5rem", width="100%",
    )


def _frame(display) -> rx.Component:
    return rx.el.iframe(
        src=DocumentReaderState.view_url,
        title=T["frame_title"],
        style={"width": "100%", "height": "75vh", "border": f"1px solid {rx.color('gray', 6)}",
               "borderRadius": "8px", "background": "white", "display": display},
        data_testid="document-frame",
    )


@area_page(route="/document", title=T["title"], area="any", on_load=[DocumentReaderState.load, MssanteState.load])
def document_reader() -> rx.Component:
    is_file = DocumentReaderState.info["is_file"] != ""
    return rx.vstack(
        rx.cond(
            DocumentReaderState.info.length() > 0,
            rx.vstack(
                _meta(),
                _actions(),
                mssante_panel(),
                rx.cond(
                    is_file,
                    # Phones rarely show a PDF inside a page: they get the buttons above, tablets the PDF itself.
                    rx.fragment(
                        rx.box(rx.callout(T["pdf_on_phone"], icon="file-text", color_scheme="blue", high_contrast=True,
                                          width="100%", data_testid="pdf-notice"),
                               display=PHONE_ONLY, width="100%"),
                        rx.box(_frame("block"), display=TABLET_UP, width="100%"),
                    ),
                    _frame("block"),
                ),
                spacing="3",
                width="100%",
            ),
            rx.spinner(size="3"),
        ),
        width="100%",
    )
