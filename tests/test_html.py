"""The HTML handlingsplan: self-contained, printable, and checked in a real browser."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from ibp_rules.cli.main import cli

CASE = EXAMPLES / "uforetrygd-til-startlan.yaml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def _html(tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "plan.html"
    r = CliRunner().invoke(cli, ["assess", str(CASE), "--format", "html", "-o", str(out), *extra])
    assert r.exit_code == 0, r.output
    return out


def test_html_is_self_contained_and_printable(tmp_path: Path) -> None:
    html = _html(tmp_path).read_text(encoding="utf-8")
    urls = [u for u in re.findall(r"(?:src|href)=\"([^\"]+)\"", html)]
    assert urls == [], "no external resources"
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "@media print" in html and "<svg" in html
    assert 'data-pillar="okonomi"' in html and 'class="pillar barrier start"' in html
    assert "Individuell boligplan – handlingsplan" in html and "ikke vedtak" in html
    en = _html(tmp_path, "--lang", "en").read_text(encoding="utf-8")
    assert '<html lang="en">' in en and "not decisions" in en


def test_html_shows_their_plan_with_declined_apart(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    shutil.copy(CASE, case)
    runner = CliRunner()
    assert runner.invoke(cli, ["decide", str(case), "startlan", "--status", "valgt", "--who", "Bruker"]).exit_code == 0
    assert runner.invoke(cli, ["decide", str(case), "leie_til_eie", "--status", "avslatt", "--reason", "Vil kjøpe direkte"]).exit_code == 0
    out = tmp_path / "plan.html"
    assert runner.invoke(cli, ["assess", str(case), "--format", "html", "-o", str(out)]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    their = html.index("Planen slik brukeren har bestemt</h2>")
    declined = html.index("Forslag brukeren har takket nei til")
    assert their < html.index("<td>Startlån</td>", their) < declined
    assert "Vil kjøpe direkte" in html[declined:]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (.ci/run installs it)")
def test_html_in_a_real_browser(tmp_path: Path) -> None:
    page = _html(tmp_path)
    profile = tmp_path / "profile"
    shot = tmp_path / "shot.png"
    assert CHROMIUM is not None
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--window-size=1100,1600", f"--screenshot={shot}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    assert _png_size(shot) == (1100, 1600) and shot.stat().st_size > 30_000
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    assert dom.count('class="pillar') == 4 and dom.count("<line ") == 6
    assert "Startlån" in dom
