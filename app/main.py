"""Entry point: ``streamlit run app/main.py``. A router: page list, shared sidebar, nothing else."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import streamlit as st
import streamlit.delta_generator

# On a process's first element Streamlit checks whether it runs in a Python REPL, to warn that an app
# needs `streamlit run`: inspect.stack() over every loaded module, 39 ms on this machine that Home's
# first paint waits for (issue 18's cold start). This entry only ever runs under `streamlit run`.
streamlit.delta_generator._use_warning_has_been_displayed = True

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only app/ on sys.path
    sys.path.insert(0, str(ROOT))

# A CONVCORE_* setting this server cannot use (app.server and app.memo read them as they load): a
# sentence for whoever opens the page, instead of Streamlit's redacted error.
try:
    from app import lessons, links, presenter, registry, server, session, warm
except ValueError as exc:
    if not str(exc).startswith("CONVCORE_"):  # not a setting: a fault of the app, shown as such
        raise
    logging.getLogger(__name__).error("The app cannot start: %s", exc)
    st.error(f"The app cannot start on this server: {exc}. Whoever runs it must correct that setting and start "
             "it again.", icon=":material/error:")  # fmt: skip
    st.stop()


def run() -> None:
    st.set_page_config(
        page_title="Convolution Visualizer", page_icon=ROOT / "assets" / "favicon.png", layout="wide"
    )
    session.init()
    server.start_housekeeping()
    warm.start()  # a few seconds from now, in the background: what the network pages load first
    links.arrive()
    pages = registry.st_pages()
    page = st.navigation(list(pages.values()))
    lessons.arrive(registry.by_url(page.url_path))  # a lesson step's link: its page from its settings
    try:
        presenter.apply(pages, registry.by_url(page.url_path))
        server.guarded(page.run)()  # a busy server or refused settings: a sentence, the page stays usable
    except Exception:  # noqa: BLE001 - only while a link's (untrusted) values are in use
        if not links.pending():
            raise
        links.drop()  # a link whose settings this version cannot use (an old or edited URL)
        st.rerun()
    links.check()


run()
