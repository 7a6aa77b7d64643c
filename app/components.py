"""The app's own Streamlit components (v2: in the page, no iframe), made in one place.

Each is ``app/web/<name>.js`` (an ES module whose default export Streamlit calls with the data)
after ``app/web/common.js`` (number format, element helper), and ``app/web/<name>.css`` if there
is one. Styles are not isolated in a shadow root, so the layout checks and axe see the component:
every rule of a component's CSS sits under its own root class.
"""

from __future__ import annotations

from pathlib import Path

WEB = Path(__file__).resolve().parent / "web"
_made: dict[str, object] = {}


def component(name: str, html: str):
    """The component ``name`` (registered once per process)."""
    if name not in _made:
        import streamlit.components.v2 as components

        css = WEB / f"{name}.css"
        js = (WEB / "common.js").read_text() + "\n" + (WEB / f"{name}.js").read_text()
        _made[name] = components.component(
            name, html=html, css=css.read_text() if css.exists() else None, js=js, isolate_styles=False
        )
    return _made[name]
