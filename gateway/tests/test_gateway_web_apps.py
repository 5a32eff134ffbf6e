"""H6: the gateway serves the built web apps: /admin/ and /m/ (a page refresh lands in the app,
not on a 404), their hashed assets cached, and / offering both."""

from __future__ import annotations

import pytest


@pytest.fixture
def built(tmp_path, monkeypatch):
    for app in ("admin", "m"):
        (tmp_path / app / "assets").mkdir(parents=True)
        (tmp_path / app / "index.html").write_text(f"<html><body>{app} app</body></html>")
        (tmp_path / app / "assets" / "index-abc123.js").write_text("console.log(1)")
    monkeypatch.setenv("WEB_DIST", str(tmp_path))
    return tmp_path


def test_h6_each_app_answers_its_index_for_any_of_its_pages(make_app, built):
    client = make_app().test_client()
    for app in ("admin", "m"):
        for path in (f"/{app}/", f"/{app}/customers", f"/{app}/orders/42/detail"):
            page = client.get(path)
            assert page.status_code == 200 and f"{app} app" in page.get_data(as_text=True), path
            assert page.headers["Cache-Control"] == "no-cache"
    assert client.get("/admin").status_code in (301, 302, 308)


def test_h6_assets_are_cached_and_a_missing_one_is_a_404(make_app, built):
    client = make_app().test_client()
    asset = client.get("/m/assets/index-abc123.js")
    assert asset.status_code == 200 and "max-age=31536000" in asset.headers["Cache-Control"]
    assert client.get("/m/assets/gone.js").status_code == 404
    assert client.get("/admin/../m/index.html").status_code in (200, 404)  # never outside dist


def test_h6_the_landing_page_offers_both_apps(make_app, built):
    body = make_app().test_client().get("/").get_data(as_text=True)
    assert 'href="/admin/"' in body and 'href="/m/"' in body


def test_h6_an_unbuilt_app_says_how_to_build_it(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("WEB_DIST", str(tmp_path / "nothing"))
    page = make_app().test_client().get("/admin/")
    assert page.status_code == 404 and "make install" in page.get_data(as_text=True)


def test_h6_the_apps_are_not_in_the_api_document(make_app, built):
    paths = make_app().test_client().get("/openapi.json").get_json()["paths"]
    assert not [p for p in paths if p.startswith(("/admin", "/m/")) or p == "/"]
