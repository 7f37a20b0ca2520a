"""Render a strategy for people: the terminal, Markdown and HTML to print.

Every format renders the same view (:mod:`ibp_rules.views`), so order and
decisions agree everywhere; only the layout changes. Templates live in
``templates/`` (Jinja2), one partial per part (``_intake``, ``_plan``,
``_appendix``), so the web pages include exactly the same pieces (see
:data:`TEMPLATE_DIR` and :func:`environment`). Text output is wrapped to fit
100 columns.

Which document comes out (``document``):

* ``intake`` – the one-screen view for the meeting (the terminal's default);
* ``plan`` – the person's plan, at most two A4 pages (Markdown and HTML's default);
* ``appendix`` – the coordinator's appendix with reasons and checks;
* ``full`` – everything: on the terminal the whole strategy; in Markdown and
  HTML the plan, then the appendix from a new page.
"""

from __future__ import annotations

import functools
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jinja2

from .decisions import Decisions
from .ruleset import Ruleset
from .strategy import Strategy
from .text import LANGS, Lang
from .views import MeasureView, StrategyView, build_view
from .words import words

if TYPE_CHECKING:
    from .assessment import Assessment

WIDTH = 100
TEMPLATE_DIR = Path(__file__).parent / "templates"

Document = Literal["intake", "plan", "appendix", "full"]
#: the documents each format can make; the first is its default
DOCUMENTS: dict[str, tuple[Document, ...]] = {
    "text": ("intake", "full", "appendix"),
    "markdown": ("plan", "full", "appendix"),
    "html": ("plan", "full", "appendix", "intake"),
}

#: every output word by language (the templates' ``L``)
LABELS: dict[str, dict[str, str]] = {lang: words(lang) for lang in LANGS}


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of our templates (HTML autoescaped), with the filters they use.

    A web page can load the same partials (``_intake.html.j2``,
    ``_plan.html.j2``, ``_appendix.html.j2``) from :data:`TEMPLATE_DIR` with
    a ``view`` (:class:`~ibp_rules.views.StrategyView`) in its context.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    add_filters(env)
    return env


def add_filters(env: jinja2.Environment) -> None:
    """The filters our templates need, for an environment of another package that includes them."""
    env.filters["wrap"] = _wrap
    env.filters["each"] = lambda seq, fn: [fn(x) for x in seq]
    env.filters["md"] = markdown_escape
    env.filters["shorten"] = lambda s, n: textwrap.shorten(" ".join(str(s).split()), n, placeholder=" …")


_env = environment  # the rule catalogue (rule_docs) renders with the same environment


def _wrap(text: str, indent: int = 0, first: str | None = None) -> str:
    pad = " " * indent
    return textwrap.fill(text, width=WIDTH, initial_indent=first if first is not None else pad,
                         subsequent_indent=pad, break_on_hyphens=False)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def markdown_escape(text: str) -> str:
    """The user's own words as literal Markdown text: no markup, one paragraph-safe line per line."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\r", "")


def _style_fn(color: bool) -> Any:
    def style(text: str, **kw: Any) -> str:
        """ANSI style for a whole (already wrapped) block, only on a terminal."""
        if not color:
            return text
        import click

        return "\n".join(click.style(line, **kw) for line in text.split("\n"))

    return style


def _later_text(view: StrategyView) -> Any:
    def later(m: MeasureView) -> str:
        return f"{m.title} ({view.L['later_item'].format(stage=m.stage, after=', '.join(m.after))})"

    return later


def render_view(view: StrategyView, fmt: str, document: Document | None = None, color: bool = False) -> str:
    """Render an already built view (see :func:`render`)."""
    choices = DOCUMENTS[fmt]
    doc = document or choices[0]
    if doc not in choices:
        raise ValueError(f"{fmt} cannot make the {doc} document (choose from {', '.join(choices)})")
    env = environment()
    if fmt == "text":
        template = "intake.txt.j2" if doc == "intake" else "full.txt.j2"
        return env.get_template(template).render(view=view, style=_style_fn(color), later_text=_later_text(view))
    parts = {"full": ("plan", "appendix")}.get(doc, (doc,))
    title = view.L["appendix_title"] if doc == "appendix" else view.L["document_title"]
    name = "document.html.j2" if fmt == "html" else "document.md.j2"
    return env.get_template(name).render(view=view, parts=parts, title=title)


def render(strategy: Strategy, ruleset: Ruleset, fmt: str, lang: Lang = "nb", color: bool = False,
           decisions: Decisions | None = None, assessment: Assessment | None = None, document: Document | None = None) -> str:
    """Render ``strategy`` as ``text``, ``markdown``, ``html`` or ``json``.

    ``document`` picks the view (default: the intake view on the terminal,
    the person's plan in Markdown and HTML); ``decisions`` (the people's
    choices) and ``assessment`` (their goals and resources in their own
    words) are shown where given.
    """
    if fmt == "json":
        return strategy.to_json()
    view = build_view(strategy, ruleset, lang, decisions, assessment)
    return render_view(view, fmt, document, color and fmt == "text")
