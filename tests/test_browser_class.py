"""A whole class on one server (issue 18): students' sessions never see each other's photos, and a
server killed in the middle of a training and an upload starts again cleanly, its shipped files
untouched."""

from __future__ import annotations

import hashlib
import re

import numpy as np
from PIL import Image

from tests.browser import ARTIFACTS, BROWSER, ROOT, expect, load, settle

pytestmark = BROWSER


def _photo(path, size, colour) -> str:
    rng = np.random.default_rng(sum(colour))
    pixels = np.clip(rng.normal(colour, 20, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=90)
    return str(path)


def _choose_upload(page) -> None:
    page.get_by_test_id("stSidebar").get_by_text("Upload", exact=True).click()
    settle(page)


def test_two_students_uploading_at_once_each_see_only_their_own_photo(server, browser, tmp_path):
    photos = {"anna.jpg": ((300, 200), (200, 40, 40)), "ben.jpg": ((200, 320), (40, 40, 200))}
    pages = {}
    for name in photos:
        context = browser.new_context(viewport={"width": 1280, "height": 720})  # a session of its own
        page = context.new_page()
        load(page, server + "/filter_lab")
        _choose_upload(page)
        pages[name] = page
    # both files sent before either page has run with its own
    for name, (size, colour) in photos.items():
        pages[name].get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            _photo(tmp_path / name, size, colour)
        )
    for name, page in pages.items():
        settle(page)
        (w, h), other = photos[name][0], next(n for n in photos if n != name)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text(f"{name}: {w} x {h} pixels")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(re.escape(other))).to_have_count(0)
        # and on another page of the same session (the sidebar's link, not a reload), still their own
        page.get_by_test_id("stSidebar").get_by_role("link", name="Convolution, step by step").click()
        settle(page)
        expect(page.get_by_test_id("stSidebar").get_by_text(f"{name}: {w} x {h} pixels")).to_be_visible()
    for page in pages.values():
        page.context.close()


def _assets_digest() -> dict[str, str]:
    return {
        str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((ROOT / "assets").rglob("*"))
        if p.is_file()
    }


def test_a_server_killed_mid_training_and_mid_upload_starts_again_cleanly(browser, tmp_path):
    from cluster import free_port, server_env, start_server

    before = _assets_digest()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(port, server_env(), ARTIFACTS / "killed.log")
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        trainer, uploader = context.new_page(), browser.new_context().new_page()
        load(trainer, url + "/train")
        trainer.get_by_role("button", name="Train from scratch").click()
        expect(
            trainer.get_by_text(re.compile(r"Step \d+ of \d+|Preparing the training digits|In the queue"))
        ).to_be_visible()
        load(uploader, url + "/")
        _choose_upload(uploader)
        big = _photo(tmp_path / "big.jpg", (4032, 3024), (90, 140, 60))  # a 12 MP phone photo
        uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(big)
        proc.kill()  # no goodbye: as a pulled plug or an out-of-memory kill
        proc.wait(timeout=10)
        context.close()
        uploader.context.close()
        proc = start_server(port, server_env(), ARTIFACTS / "restarted.log")  # the same address
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        load(page, url + "/train")
        expect(page.get_by_text("Press Train from scratch")).to_be_visible()
        page.get_by_role("button", name="Train from scratch").click()
        expect(page.get_by_text("Done:")).to_be_visible(timeout=90_000)  # it trains again
        page.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert _assets_digest() == before  # the shipped model, photos and data untouched
