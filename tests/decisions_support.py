"""Test support for the Decisions: a demo PKI made once per test session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cchc_web.decisions import signing


@pytest.fixture(scope="session")
def pki(app, tmp_path_factory) -> Path:
    """A demo CA + commune certificate, configured as the app's signing key."""
    folder = tmp_path_factory.mktemp("pki")
    signing.make_demo_pki(folder, "Xã Chí Minh")
    app.config.update(
        CCHC_SIGNING_P12=str(folder / signing.DEMO_P12),
        CCHC_SIGNING_PASSPHRASE=(folder / signing.DEMO_PASSPHRASE).read_text().strip(),
        CCHC_SIGNING_CA=str(folder / signing.DEMO_CA),
    )
    signing.reload(app)
    assert signing.state(app).signer is not None
    return folder


def poppler_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"poppler-utils' {name} is not installed")
    return path


def run_tool(name: str, pdf: bytes, tmp: Path, *args: str) -> str:
    path = tmp / "decision.pdf"
    path.write_bytes(pdf)
    argv = [poppler_tool(name), *args, str(path)]
    if name == "pdftotext":
        argv.append("-")
    result = subprocess.run(argv, capture_output=True, check=False)
    return result.stdout.decode() + result.stderr.decode()


def qr_codes(pdf: bytes, tmp: Path) -> list[str]:
    """Every QR code printed in ``pdf``, read the way a phone would: the pages rendered to
    PNG by pdftoppm, decoded by zbarimg (Debian's zbar-tools)."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        if __import__("os").environ.get("CI"):
            pytest.fail("zbarimg is missing: .ci/run must install zbar-tools")
        pytest.skip("zbar-tools' zbarimg is not installed")
    path = tmp / "qr.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        [poppler_tool("pdftoppm"), "-r", "150", "-png", str(path), str(tmp / "qr")], check=True
    )
    codes = []
    for png in sorted(tmp.glob("qr*.png")):
        result = subprocess.run(
            [zbarimg, "--quiet", "--raw", str(png)], capture_output=True, check=False
        )
        codes += [line for line in result.stdout.decode().splitlines() if line]
    return codes
