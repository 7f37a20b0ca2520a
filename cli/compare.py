"""``ibp diff`` and ``ibp whatif``: what changes in the strategy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ibp_rules.text import Lang

from .common import LANG_OPTION, RULES_OPTION, emit, engine, read_case


def _emit_diff(d: Any, rs: Any, lang: str, fmt: str, changes: list[tuple[str, Any, Any]] | None = None) -> None:
    from ibp_rules.compare import FREE_TEXT, diff_text

    if fmt == "json":
        data = d.to_data()
        if changes is not None:
            data["set"] = [{"path": p, "changed": a != b} if p in FREE_TEXT else {"path": p, "before": a, "after": b}
                           for p, a, b in changes]
        emit(json.dumps(data, ensure_ascii=False, indent=2) + "\n", None)
    else:
        emit(diff_text(d, rs, lang, changes), None)  # type: ignore[arg-type]


FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


@click.command("diff")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@LANG_OPTION
@RULES_OPTION
@FORMAT_OPTION
def diff_cmd(a: Path, b: Path, lang: str, rules: tuple[Path, ...], fmt: str) -> None:
    """Show what differs between the strategies for two assessments.

    \b
    Example:
        ibp diff case-jan.yaml case-jun.yaml
    """
    from ibp_rules.compare import diff

    eng = engine(rules)
    _emit_diff(diff(eng.assess(read_case(a)), eng.assess(read_case(b))), eng.ruleset, lang, fmt)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--set", "sets", multiple=True, required=True, metavar="PATH=VALUE",
              help="Change a fact (repeatable); VALUE is YAML (true, 3, [aap, arbeid]); null = unknown.")
@LANG_OPTION
@RULES_OPTION
@FORMAT_OPTION
def whatif(file: Path, sets: tuple[str, ...], lang: str, rules: tuple[Path, ...], fmt: str) -> None:
    """Show what would change in the strategy if some facts were different.

    \b
    Examples:
        ibp whatif examples/uforetrygd-til-startlan.yaml --set okonomi.inntektskilder=[uforetrygd]
        ibp whatif case.yaml --set bolig.husleierestanse=false --set mal.onsker=[eie]
        ibp whatif case.yaml --set "tiltak_mottatt=[Bostøtte, Startlån]"
    """
    from ibp_rules.assessment import assessment_from_located
    from ibp_rules.compare import apply_sets, diff
    from ibp_rules.errors import AssessmentError
    from ibp_rules.fact_schema import FACTS
    from ibp_rules.yaml_source import Located, SourceError, read_file

    eng = engine(rules)
    try:
        located = read_file(file)
    except SourceError as exc:
        raise AssessmentError(exc.problem) from None
    before = assessment_from_located(located)
    data = before.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    changed = _measures_by_name(apply_sets(data, list(sets)), eng.ruleset, lang)  # type: ignore[arg-type]
    after = assessment_from_located(Located(changed, f"{file} + --set", {}))

    def get(d: dict[str, Any], path: str) -> Any:
        if "." in path:
            s, n = path.split(".", 1)
            return (d.get(s) or {}).get(n)
        return d.get(path)

    paths = [s.partition("=")[0].strip() for s in sets]
    changes = [(p, get(data, p), get(changed, p)) for p in paths if p in FACTS or "." in p]
    _emit_diff(diff(eng.assess(before), eng.assess(after)), eng.ruleset, lang, fmt, changes)


def _measures_by_name(data: dict[str, Any], rs: Any, lang: Lang) -> dict[str, Any]:
    """Measures given to ``--set`` (``tiltak_mottatt=[Bostøtte]``) by title or id, as ids."""
    from ibp_rules.fact_schema import FACTS
    from ibp_rules.names import find

    for path, spec in FACTS.items():
        if spec.kind != "id_list":
            continue
        section, _, name = path.partition(".")
        holder = data.get(section) if name else data
        key = name or section
        if isinstance(holder, dict) and isinstance(holder.get(key), list):
            holder[key] = [find(v, rs.measures, "measure", lang, former=rs.replaced) if isinstance(v, str) else v for v in holder[key]]
    return data


COMMANDS = [diff_cmd, whatif]
