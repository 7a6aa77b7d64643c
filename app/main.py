"""Entry point: ``streamlit run app/main.py``. A router: page list, shared sidebar, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only app/ on sys.path
    sys.path.insert(0, str(ROOT))

from app import links, picker, presenter, registry, server, session  # noqa: E402


def run() -> None:
    st.set_page_config(page_title="Convolution Visualizer", page_icon=":material/grid_on:", layout="wide")
    session.init()
    server.start_trimmer()
    pages = registry.st_pages()
    page = st.navigation(list(pages.values()))
    restored = links.restore(page.url_path)
    if "image.sample" in restored:
        picker.use_sample(st.session_state["image.sample"])
    picker.sidebar()
    presenter.apply(pages, registry.by_url(page.url_path))
    try:
        page.run()
    except server.Busy as exc:  # the server stayed full: say so, keep the page usable
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
