"""The document reader shared by every area."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.layout import area_page
from dcc_portal.state.document_reader import DocumentReaderState

T = texts.DOCUMENT


def _meta() -> rx.Component:
    info = DocumentReaderState.info
    return rx.vstack(
        rx.hstack(
            rx.badge(info["kind_label"], variant="soft", size="2"),
            rx.text(info["patient_name"], weight="medium"),
            wrap="wrap",
            align="center",
        ),
        rx.heading(info["title"], size="5", as_="h2", data_testid="document-title"),
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


@area_page(route="/document", title=T["title"], area="any", on_load=[DocumentReaderState.load])
def document_reader() -> rx.Component:
    return rx.vstack(
        rx.cond(
            DocumentReaderState.info.length() > 0,
            rx.vstack(
                _meta(),
                rx.button(
                    rx.icon("download", size=16), T["download_pdf"],
                    on_click=DocumentReaderState.download_pdf, loading=DocumentReaderState.preparing,
                    size="3", data_testid="download-pdf",
                ),
                rx.el.iframe(
                    src=DocumentReaderState.view_url,
                    title=T["frame_title"],
                    style={"width": "100%", "height": "75vh", "border": f"1px solid {rx.color('gray', 6)}",
                           "borderRadius": "8px", "background": "white"},
                    data_testid="document-frame",
                ),
                spacing="3",
                width="100%",
            ),
            rx.spinner(size="3"),
        ),
        width="100%",
    )
