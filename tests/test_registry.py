"""app.registry: the one list of pages."""

from __future__ import annotations

from pathlib import Path

from app import registry

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_file_has_one_registry_row_and_every_row_a_file():
    assert sorted(p.file for p in registry.PAGES) == sorted(p.name for p in (ROOT / "pages").glob("*.py"))
    assert all(p.path.is_file() for p in registry.PAGES)
    assert len({p.name for p in registry.PAGES}) == len(registry.PAGES)


def test_settings_prefixes_belong_to_one_page_each_and_not_to_the_sidebar():
    prefixes = [prefix for page in registry.PAGES for prefix in page.prefixes]
    assert len(prefixes) == len(set(prefixes))
    assert not {"ui", "image"} & set(prefixes)
    assert all("." not in prefix for prefix in prefixes)


def test_lesson_steps_open_registered_pages_with_that_pages_settings_only():
    from app import lessons

    assert registry.PAGES[1].name == "lessons"  # first after Home
    for step in lessons.STEPS:
        for link in (step.link, *step.also):
            page = registry.BY_NAME[link.page]
            for key in link.params:
                assert key.split(".")[0] in (*page.prefixes, "image", "ui"), (step.title, key)


def test_url_paths_lead_back_to_their_page():
    assert registry.by_url("") is registry.HOME
    for page in registry.PAGES:
        assert registry.by_url(page.url_path) is page
