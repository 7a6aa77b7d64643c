"""The one list of pages: file, title, icon, settings prefixes and Home's link label.

``main.py`` builds the navigation from it, Home links to every page, the lesson's steps
(app/lessons.py) name their pages by it, and the tests and the load test find the pages and their widget-key
prefixes here. A new page is one file in ``pages/`` plus one row below.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


@dataclass(frozen=True)
class Page:
    """One page of the app.

    ``name`` is the file name without ``.py`` and the URL path (empty for Home); ``prefixes`` are the
    session-state prefixes of its widgets' keys (one namespace per page); ``link`` is the label of
    Home's link to it (the title when empty).
    """

    name: str
    title: str
    icon: str
    prefixes: tuple[str, ...] = ()
    link: str = ""

    @property
    def file(self) -> str:
        return f"{self.name}.py"

    @property
    def url_path(self) -> str:
        return "" if self is HOME else self.name

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file


HOME = Page("home", "Home", ":material/home:")
#: Every page, in the sidebar's order (the lesson's steps are in app.lessons).
PAGES: tuple[Page, ...] = (
    HOME,
    Page("lessons", "Lessons", ":material/school:", (), "Lessons: the CNN story in 17 steps, for a class"),
    Page("filter_lab", "Filter Lab", ":material/tune:", ("lab", "bank", "two"), "Open the Filter Lab"),
    Page("conv_steps", "Convolution, step by step", ":material/grid_on:", ("cs",), "Convolution, step by step"),
    Page("pool_steps", "Pooling, step by step", ":material/grid_view:", ("ps",), "Pooling, step by step"),
    Page("network", "Inside a network", ":material/account_tree:", ("nw",), "Inside a network, unit by unit"),
    Page("alexnet", "AlexNet explorer", ":material/neurology:", ("ax",),
         "AlexNet explorer: a real network on your image"),
    Page("trust", "Can you trust a heat map?", ":material/fact_check:", ("tr",),
         "Can you trust a heat map? Saliency, occlusion, sanity checks, adversarial examples"),
    Page("train", "Train a CNN", ":material/model_training:", ("train",), "Train a CNN and watch its filters emerge"),
    Page("layers", "Parameters and receptive fields", ":material/stacks:", ("ly",),
         "Parameters and receptive fields"),
    Page("conv1d", "1-D and 3-D convolution", ":material/timeline:", ("c1", "tc", "c3"),
         "1-D and 3-D convolution, and transposed convolution (upsampling)"),
)  # fmt: skip
BY_NAME = {page.name: page for page in PAGES}


def by_url(url_path: str) -> Page:
    """The page at this URL path (Home for "")."""
    return HOME if not url_path else BY_NAME[url_path]


def st_pages() -> dict[str, st.Page]:
    """Every page as Streamlit's page objects, by name, in the sidebar's order."""
    return {p.name: st.Page(p.path, title=p.title, icon=p.icon, default=p is HOME,
                            **({} if p is HOME else {"url_path": p.name})) for p in PAGES}  # fmt: skip


def page_link(target, name: str, *, label: str | None = None) -> None:
    """A link to page ``name`` in ``target`` (``st`` or a column), with its icon."""
    page = BY_NAME[name]
    target.page_link(page.path, label=label or page.link or page.title, icon=page.icon)
