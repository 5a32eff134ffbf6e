"""H6: the size script counts what an app loads at start (entry and static imports), not routes."""

from __future__ import annotations

import gzip

from bench import web


def test_h6_first_load_follows_static_imports_and_leaves_routes_out(tmp_path, monkeypatch):
    assets = tmp_path / "m" / "assets"
    assets.mkdir(parents=True)
    (tmp_path / "m" / "index.html").write_text('<script type="module" src="/m/assets/index-a.js"></script>')
    (assets / "index-a.js").write_text('import{x}from"./vendor-b.js";const r=()=>import("./Route-c.js");x(r);')
    (assets / "vendor-b.js").write_text("export const x=f=>f;" * 50)
    (assets / "Route-c.js").write_text("export default 1;" * 500)
    monkeypatch.setattr(web, "DIST", tmp_path)

    raw, packed, files = web.first_load("m")

    assert sorted(files) == ["assets/index-a.js", "assets/vendor-b.js"]
    assert raw == (assets / "index-a.js").stat().st_size + (assets / "vendor-b.js").stat().st_size
    assert packed == sum(len(gzip.compress((assets / f).read_bytes(), 9)) for f in ("index-a.js", "vendor-b.js"))
