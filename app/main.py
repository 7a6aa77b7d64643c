"""Entry point: ``streamlit run app/main.py``. A router: page list, shared sidebar, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only app/ on sys.path
    sys.path.insert(0, str(ROOT))

from app import links, picker, presenter, state  # noqa: E402

PAGES_DIR = ROOT / "pages"


def run() -> None:
    st.set_page_config(page_title="Convolution Visualizer", page_icon=":material/grid_on:", layout="wide")
    state.init()
    pages = [
        st.Page(PAGES_DIR / "home.py", title="Home", icon=":material/home:", default=True),
        st.Page(
            PAGES_DIR / "filter_lab.py", title="Filter Lab", icon=":material/tune:", url_path="filter_lab"
        ),
        st.Page(
            PAGES_DIR / "conv_steps.py",
            title="Convolution, step by step",
            icon=":material/grid_on:",
            url_path="conv_steps",
        ),
        st.Page(
            PAGES_DIR / "pool_steps.py",
            title="Pooling, step by step",
            icon=":material/grid_view:",
            url_path="pool_steps",
        ),
        st.Page(
            PAGES_DIR / "alexnet.py",
            title="AlexNet explorer",
            icon=":material/neurology:",
            url_path="alexnet",
        ),
        st.Page(
            PAGES_DIR / "train.py", title="Train a CNN", icon=":material/model_training:", url_path="train"
        ),
        st.Page(
            PAGES_DIR / "layers.py",
            title="Parameters and receptive fields",
            icon=":material/stacks:",
            url_path="layers",
        ),
        st.Page(
            PAGES_DIR / "conv1d.py",
            title="1-D convolution and upsampling",
            icon=":material/timeline:",
            url_path="conv1d",
        ),
    ]
    page = st.navigation(pages)
    restored = links.restore(page.url_path)
    picker.sidebar()
    presenter.apply(pages, page)
    try:
        page.run()
    except Exception:  # noqa: BLE001 - only when a link's (untrusted) values were just applied
        if not restored:
            raise
        # A shared link whose settings this version cannot use (an old or edited URL).
        links.forget(restored)
        st.query_params.clear()
        st.session_state["_links.broken"] = True
        st.rerun()
    if st.session_state.pop("_links.broken", False):
        st.toast(
            "That link's settings could not be used here; showing the page's usual view.",
            icon=":material/link_off:",
        )
    links.save(page.url_path)


run()
