"""Entry point: ``streamlit run app/main.py``. A router: page list, shared sidebar, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only app/ on sys.path
    sys.path.insert(0, str(ROOT))

from app import limits, links, memory, picker, presenter, state  # noqa: E402

PAGES_DIR = ROOT / "pages"
#: The pages after Home, in the sidebar's order: (file name = URL path, title, icon).
PAGES = [
    ("filter_lab", "Filter Lab", ":material/tune:"),
    ("conv_steps", "Convolution, step by step", ":material/grid_on:"),
    ("pool_steps", "Pooling, step by step", ":material/grid_view:"),
    ("alexnet", "AlexNet explorer", ":material/neurology:"),
    ("train", "Train a CNN", ":material/model_training:"),
    ("layers", "Parameters and receptive fields", ":material/stacks:"),
    ("conv1d", "1-D convolution and upsampling", ":material/timeline:"),
]


def run() -> None:
    st.set_page_config(page_title="Convolution Visualizer", page_icon=":material/grid_on:", layout="wide")
    state.init()
    memory.start_trimmer()
    pages = [st.Page(PAGES_DIR / "home.py", title="Home", icon=":material/home:", default=True)]
    pages += [
        st.Page(PAGES_DIR / f"{path}.py", title=title, icon=icon, url_path=path)
        for path, title, icon in PAGES
    ]
    page = st.navigation(pages)
    restored = links.restore(page.url_path)
    picker.sidebar()
    presenter.apply(pages, page)
    try:
        page.run()
    except limits.Busy as exc:  # the server stayed full: say so, keep the page usable
        st.warning(str(exc), icon=":material/hourglass_top:")
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
