"""A case as files: what the person or the municipality takes away.

The export is a zip with the files the command line reads, so a case can
leave the service and be worked on with ``ibp`` alone::

    sak-17/kartlegging.yaml          the current assessment  (ibp assess sak-17/kartlegging.yaml)
    sak-17/kartlegging.valg.yaml     the people's decisions  (read by ibp assess and ibp decide)
    sak-17/strategi.json             the current strategy, as ibp assess --format json
    sak-17/notater.yaml              the notes
    sak-17/versjoner/003/…           every version: the same three files and versjon.yaml
    sak-17/utkast/assessment.json    drafts not saved yet, if any

Everything the store holds about the case is in it (a data subject's copy);
it is built in memory and never touches the disk on the server.
"""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import orjson
import yaml
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ibp_rules.decisions import Decisions, decisions_yaml

from ..refs import check_reference
from .store import Case, CaseStore, Draft, Note, Version

HEADER = "# Kartlegging for individuell boligplan (eksportert fra 'ibp serve'). Ukjent = utelatt.\n"


def assessment_yaml(stored: str) -> str:
    return HEADER + yaml.safe_dump(orjson.loads(stored), allow_unicode=True, sort_keys=False)


def _version_files(v: Version) -> dict[str, str]:
    meta = {"versjon": v.number, "bygger_pa": v.based_on, "type": v.kind, "lagret": v.created_at,
            "motor": v.engine_version, "regelsett": {"id": v.ruleset_id, "versjon": v.ruleset_version, "sha256": v.ruleset_sha256}}
    return {
        "kartlegging.yaml": assessment_yaml(v.assessment),
        "kartlegging.valg.yaml": decisions_yaml(Decisions.model_validate_json(v.decisions), "ibp serve"),
        "strategi.json": v.strategy,
        "versjon.yaml": yaml.safe_dump(meta, allow_unicode=True, sort_keys=False),
    }


def export_zip(case: Case, versions: list[Version], notes: list[Note], drafts: list[Draft]) -> bytes:
    out = io.BytesIO()
    root = case.ref
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        def put(name: str, text: str) -> None:
            z.writestr(zipfile.ZipInfo(f"{root}/{name}", date_time=(1980, 1, 1, 0, 0, 0)), text.encode("utf-8"),
                       compress_type=zipfile.ZIP_DEFLATED)

        current = next((v for v in versions if v.number == case.current_version), None)
        if current is not None:
            for name, text in _version_files(current).items():
                if name != "versjon.yaml":
                    put(name, text)
        note_data = [{"lagret": n.created_at, "versjon": n.version, "tekst": n.text} for n in notes]
        put("notater.yaml", yaml.safe_dump(note_data, allow_unicode=True, sort_keys=False))
        for v in versions:
            for name, text in _version_files(v).items():
                put(f"versjoner/{v.number:03d}/{name}", text)
        for d in drafts:
            put(f"utkast/{d.kind}.json", orjson.dumps({"bygger_pa": d.based_on, "lagret": d.updated_at,
                                                        "data": orjson.loads(d.data)}, option=orjson.OPT_INDENT_2).decode())
        put("LESMEG.txt", README.format(ref=case.ref, created=case.created_at, versions=len(versions)))
    return out.getvalue()


README = """\
Sak {ref} – eksportert fra ibp-rules (opprettet {created}, {versions} versjoner).

kartlegging.yaml        gjeldende kartlegging (ibp assess kartlegging.yaml)
kartlegging.valg.yaml   brukerens og koordinatorens valg (leses av ibp assess og ibp decide)
strategi.json           gjeldende strategi, som ibp assess --format json
notater.yaml            notatene
versjoner/NNN/          hver versjon: kartlegging, valg, strategi og versjon.yaml (regelsett og tidspunkt)
utkast/                 utkast som ikke er lagret ennå

Case {ref} exported from ibp-rules: the current assessment, the people's decisions,
the strategy, the notes, every version, and unsaved drafts.
Filene inneholder personopplysninger (helse er en særlig kategori): oppbevar dem deretter.
The files hold personal data (health is a special category): keep them accordingly.
"""


async def export_response(store: CaseStore, ref: str) -> Response:
    """The case as a zip download (the API's ``GET /cases/{ref}/export`` and the page's "Eksporter"):
    read in a worker thread, since the store's calls block."""
    check_reference(ref)

    def collect() -> bytes:
        case, _, notes, drafts = store.case(ref)
        return export_zip(case, store.versions(ref), notes, drafts)

    data = await run_in_threadpool(collect)
    return Response(data, media_type="application/zip", headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(ref)}.zip"})
