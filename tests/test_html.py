"""The printed documents: the person's plan (at most two A4 pages, no reasoning) and the
coordinator's appendix, checked as text and printed to PDF in a real browser."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from browsing import A4, launched
from click.testing import CliRunner

from conftest import EXAMPLE_FILES, EXAMPLES
from ibp_rules import Engine, read_assessment
from ibp_rules.cli.main import cli
from ibp_rules.decisions import Decisions
from ibp_rules.render import render

CASE = EXAMPLES / "uforetrygd-til-startlan.yaml"


def _assess(*args: str) -> str:
    r = CliRunner().invoke(cli, ["assess", *args])
    assert r.exit_code == 0, r.output
    return r.output


def _decide(case: Path, engine: Engine) -> Decisions:
    """A realistic set of choices: the first suggestion chosen with who and when, the
    second changed, the third declined with the person's reason, and an own measure."""
    ids = [m.id for m in engine.assess(read_assessment(case)).measures]
    data: dict[str, Any] = {"measures": {}, "own": [
        {"title": "Besøke banken sammen med koordinatoren og ta med lønnsslipper og kontoutskrifter",
         "who": "Bruker og koordinator", "when": "innen tre uker", "note": "Avtal tid først"}]}
    for mid, decision in zip(ids, [
        {"status": "valgt", "who": "Bruker med koordinator", "when": "neste uke"},
        {"status": "endret", "change": "Først en samtale, så søknad", "when": "august"},
        {"status": "avslatt", "reason": "Vil vente til etter sommeren"},
    ], strict=False):
        data["measures"][mid] = decision
    (case.parent / (case.stem + ".valg.yaml")).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return Decisions.model_validate(data)


# --- what the documents say ---------------------------------------------------------


def test_html_is_self_contained_and_a4(tmp_path: Path) -> None:
    html = _assess(str(CASE), "--format", "html", "--full")
    urls = re.findall(r"(?:src|href)=\"([^\"]+)\"", html)
    assert urls == [], "no external resources"
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "@page { size: A4" in html and "@media print" in html
    assert "Individuell boligplan – handlingsplan" in html and "ikke vedtak" in html
    en = _assess(str(CASE), "--format", "html", "--lang", "en")
    assert '<html lang="en">' in en and "not decisions" in en


def test_the_persons_plan_has_their_words_and_no_reasoning(engine: Engine) -> None:
    strategy = engine.assess(read_assessment(CASE))
    for fmt in ("html", "markdown"):
        plan = _assess(str(CASE), "--format", fmt)
        # their goals and resources in their own words
        assert "Vil ha et sted som er mitt eget, med plass til barnebarna på besøk." in plan
        assert "Flink med tall" in plan and "Har støtte i familien" in plan
        assert "Eie egen bolig" in plan and "Startlån" in plan and "Gjeldsrådgiver" in plan
        # no rule ids, no command names, no reasoning
        rule_ids = {w.rule for m in strategy.measures for w in m.why} | {w.rule for t in strategy.tasks for w in t.why}
        assert not [r for r in rule_ids if r in plan], fmt
        assert "ibp " not in plan and "regel" not in plan.lower() and "Hvorfor" not in plan and "sha256" not in plan
        assert "Dato" in plan and "Bruker" in plan and "Koordinator" in plan
    # the appendix is where the reasons are
    appendix = _assess(str(CASE), "--format", "html", "--appendix")
    assert "Koordinatorens vedlegg" in appendix and "startlan-innen-rekkevidde" in appendix and "<svg" in appendix
    assert "Individuell boligplan – handlingsplan" not in appendix
    full = _assess(str(CASE), "--format", "html", "--full")
    assert full.index("Mål og ønsker") < full.index('class="ibp-doc ibp-appendix after-plan"')


def test_own_words_are_text_not_markup(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("mal:\n  onsker: [eie]\n  fritekst: '<script>alert(1)</script> | *ikke* fet'\n  ressurser: ['[lenke](x)']\n",
                    encoding="utf-8")
    html = _assess(str(case), "--format", "html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = _assess(str(case), "--format", "markdown")
    assert r"\<script\>" in md and r"\| \*ikke\* fet" in md and r"\[lenke\]\(x\)" in md


def test_their_plan_with_declined_apart_agrees_in_every_format(tmp_path: Path, engine: Engine) -> None:
    case = tmp_path / "case.yaml"
    shutil.copy(CASE, case)
    decisions = _decide(case, engine)
    chosen, changed, declined = list(decisions.measures)
    titles = {m.id: m.title.nb for m in engine.assess(read_assessment(case)).measures}
    html = _assess(str(case), "--format", "html")
    md = _assess(str(case), "--format", "markdown")
    text = _assess(str(case), "--full")
    intake = _assess(str(case))
    for doc in (html, md):
        assert "Vil vente til etter sommeren" in doc and "Bruker med koordinator" in doc and "Først en samtale, så søknad" in doc
        assert "Besøke banken sammen" in doc and "ikke avklart ennå" in doc and "eget tiltak" in doc
        apart = doc.index("Forslag brukeren har takket nei til")
        assert doc.index(titles[declined], apart) > apart, "declined suggestions are listed apart"
        assert doc.index(titles[chosen]) < apart and doc.index(titles[changed]) < apart
    assert f"{titles[chosen]} (valgt)" in text and f"{titles[declined]} (takket nei)" in text
    assert f"{titles[chosen]} (valgt)" in intake
    # the same order everywhere: the plan's rows follow the view's order of the suggestions
    kept = [t for mid, t in titles.items() if mid != declined]
    order = _order(engine, case)
    expected = [titles[mid] for mid in order if mid != declined]
    for doc in (html, md):
        found = sorted(kept, key=lambda t: doc.index(f"{t}<" if doc is html else f"| {t}"))
        assert found == expected
    full_order = sorted(titles.values(), key=lambda t: text.index(f"• {t}"))
    assert full_order == [titles[mid] for mid in order]
    en = _assess(str(case), "--format", "html", "--lang", "en")
    assert "chosen" in en and "declined" in en.lower() and "valgt" not in en and "avslatt" not in en


def _order(engine: Engine, case: Path) -> list[str]:
    from ibp_rules.views import build_view

    view = build_view(engine.assess(read_assessment(case)), engine.ruleset, "nb")
    return [m.id for m in view.measures]


def test_html_decisions_on_measures_not_suggested_are_in_the_appendix(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    shutil.copy(CASE, case)
    (tmp_path / "case.valg.yaml").write_text("measures:\n  bolig_forst: {status: valgt}\n", encoding="utf-8")
    appendix = _assess(str(case), "--format", "html", "--appendix")
    assert "Valg for tiltak som ikke er foreslått nå" in appendix and "Bolig først" in appendix


# --- printed in a real browser --------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


def _print(browser: Any, html: str, tmp_path: Path, name: str) -> Any:
    """Print ``html`` to PDF as a browser's print dialog does (the page's own @page size)."""
    from pypdf import PdfReader

    page = _page(browser)
    page.set_content(html, wait_until="load")
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))


_pages: dict[int, Any] = {}


def _page(browser: Any) -> Any:
    """One tab per browser, reused: printing is then about a tenth of a second."""
    if id(browser) not in _pages:
        _pages[id(browser)] = browser.new_page()
    return _pages[id(browser)]


def _no_stranded_header(reader: Any, header: list[str]) -> None:
    """A table's header row never ends a page: something of the table follows it on the same page."""
    for number, page in enumerate(reader.pages, 1):
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        for i in range(len(lines)):
            for end in (i, i + 1):  # the header row, possibly wrapped onto two lines
                if all(h in " ".join(lines[i:end + 1]) for h in header):
                    assert end + 1 < len(lines), f"page {number}: the table header is the last thing on the page"
                    break


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_plan_prints_on_at_most_two_a4_pages(browser: Any, tmp_path: Path, engine: Engine, lang: str) -> None:
    counts: dict[str, tuple[int, int]] = {}
    for example in EXAMPLE_FILES:
        case = tmp_path / example.name
        shutil.copy(example, case)
        assessment = read_assessment(case)
        strategy = engine.assess(assessment)
        pages = []
        for decisions in (None, _decide(case, engine)):
            html = render(strategy, engine.ruleset, "html", lang, decisions=decisions, assessment=assessment)  # type: ignore[arg-type]
            reader = _print(browser, html, tmp_path, f"{case.stem}-{decisions is not None}")
            assert all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == A4 for p in reader.pages)
            pages.append(len(reader.pages))
            _no_stranded_header(reader, ["Tiltak", "Hvem", "Når"] if lang == "nb" else ["Measure", "Who", "When"])
        counts[example.stem] = (pages[0], pages[1])
    print(f"\nA4 pages ({lang}, without / with decisions):", counts)
    assert all(p <= 2 for pair in counts.values() for p in pair), counts


def test_the_appendix_prints_on_its_own_pages(browser: Any, tmp_path: Path) -> None:
    full = _print(browser, _assess(str(CASE), "--format", "html", "--full"), tmp_path, "full")
    plan = _print(browser, _assess(str(CASE), "--format", "html"), tmp_path, "plan")
    appendix = _print(browser, _assess(str(CASE), "--format", "html", "--appendix"), tmp_path, "appendix")
    assert len(full.pages) == len(plan.pages) + len(appendix.pages), "the appendix starts on a new page"
    first_of_appendix = full.pages[len(plan.pages)].extract_text()
    assert first_of_appendix.lstrip().startswith("Koordinatorens vedlegg")
    assert "Koordinatorens vedlegg" not in "".join(p.extract_text() for p in full.pages[:len(plan.pages)])


#: the four corners of each relation name on the screen, with its rotation applied
_CORNERS = """() => [...document.querySelectorAll('text.relation-name')].map(t => {
  const b = t.getBBox(), m = t.getScreenCTM();
  return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]].map(([x, y]) => {
    const p = new DOMPoint(x, y).matrixTransform(m); return [p.x, p.y]; });
})"""


def _apart(a: list[list[float]], b: list[list[float]]) -> bool:
    """Two convex quadrilaterals do not overlap: some edge's normal separates them."""
    for quad in (a, b):
        for (x1, y1), (x2, y2) in zip(quad, quad[1:] + quad[:1], strict=True):
            nx, ny = y2 - y1, x1 - x2
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return True
    return False


def test_the_picture_in_a_real_browser(browser: Any, tmp_path: Path) -> None:
    page_file = tmp_path / "appendix.html"
    page_file.write_text(_assess(str(CASE), "--format", "html", "--appendix"), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 1600})
    try:
        page.goto(page_file.as_uri())
        assert page.locator("g.pillar").count() == 4 and page.locator("line.relation").count() == 6
        names = page.locator("text.relation-name").all_text_contents()
        assert len(names) == 6 and "Bolig og økonomi" in names
        # every name is drawn inside the picture, and no two names overlap (as drawn, rotated or not)
        quads = page.evaluate(_CORNERS)
        svg = page.locator("figure svg").bounding_box()
        assert svg is not None and len(quads) == 6
        for i, a in enumerate(quads):
            assert all(svg["x"] <= x <= svg["x"] + svg["width"] and svg["y"] <= y <= svg["y"] + svg["height"] for x, y in a)
            for b in quads[i + 1:]:
                assert _apart(a, b), (names, a, b)
        label = page.locator("figure svg").get_attribute("aria-labelledby")
        assert label is not None and all(page.locator(f"#{i}").count() == 1 for i in label.split())
        shot = tmp_path / "shot.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 30_000
    finally:
        page.close()


def test_markdown_blocks_are_separated(tmp_path: Path, engine: Engine) -> None:
    """Tables, lists and rules start after a blank line, so no list item turns into a heading."""
    case = tmp_path / "case.yaml"
    shutil.copy(CASE, case)
    _decide(case, engine)
    for args in ([], ["--full"]):
        lines = _assess(str(case), "--format", "markdown", *args).splitlines()
        for i, line in enumerate(lines[1:], 1):
            before = lines[i - 1]
            if line == "---" or (line.startswith("| ") and not before.startswith("|")) or line.startswith("#"):
                assert before == "", (i, before, line)


def test_partials_work_under_a_strict_content_security_policy() -> None:
    """The web pages include the partials under a CSP without 'unsafe-inline': no inline style or script."""
    from ibp_rules.render import TEMPLATE_DIR

    for partial in TEMPLATE_DIR.glob("_*.html.j2"):
        text = partial.read_text(encoding="utf-8")
        assert "style=" not in text and "<script" not in text and " on" + "click" not in text, partial.name
