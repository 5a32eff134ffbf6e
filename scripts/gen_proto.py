"""Generate the `crm` protobuf/gRPC package from proto/ into an installable folder.

Usage: python scripts/gen_proto.py OUT_DIR
The output is not committed; `make proto` and the Dockerfiles run this.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=77.0.1,<82"]
build-backend = "setuptools.build_meta"

[project]
name = "crm-proto"
version = "0.1.0"
description = "Generated protobuf and gRPC code of the CRM platform (do not edit)"
requires-python = ">=3.11"
dependencies = ["grpcio", "protobuf", "googleapis-common-protos"]

[tool.setuptools.packages.find]
include = ["crm*"]

[tool.setuptools.package-data]
"*" = ["*.pyi", "py.typed"]
"""


def main(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = sorted(str(p.relative_to(PROTO)) for p in PROTO.rglob("*.proto"))
    # -I must be the folder holding crm/, so generated imports read `crm.common.v1...`.
    args = [
        "protoc",
        f"-I{PROTO}",
        f"-I{Path(protoc.__file__).parent / '_proto'}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    # protoc writes no __init__.py; every folder under crm/ becomes a regular package.
    for folder in [out / "crm", *(p for p in (out / "crm").rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    (out / "crm" / "py.typed").touch()
    (out / "pyproject.toml").write_text(PYPROJECT)
    print(f"generated {len(files)} proto files into {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "gen" / "python"))
