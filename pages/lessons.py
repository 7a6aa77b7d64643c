"""Lessons: the classic CNN story as an ordered path of short steps, each opening a page with its
settings, with a question for the class (answer hidden) and a note for the teacher."""

import streamlit as st

from app import lessons, registry

st.title("Lessons: how a CNN sees")
st.markdown(
    f"{len(lessons.STEPS)} short steps, from a picture as numbers to a trained network and how far to trust its heat maps. Each link opens a page "
    "with the right example and settings; **Presenter mode** (sidebar) then walks the steps one after another."
)
for n, step in enumerate(lessons.STEPS, start=1):
    with st.container(border=True, key=f"lesson-step-{n}"):
        st.markdown(f"#### {n}. {step.title}")
        with st.container(horizontal=True, gap="medium"):  # the links whole, wrapping on a narrow screen
            lessons.page_link(st, step.link, step=n, label=f"Open: {registry.BY_NAME[step.link.page].title}")
            for extra in step.also:
                lessons.page_link(st, extra, step=n, label=extra.label)
        st.markdown(step.explain)
        st.markdown(f"**Ask the class:** {step.question}")
        with st.expander("Answer", expanded=False):
            st.markdown(step.answer)
        lessons.teacher_note(step)
