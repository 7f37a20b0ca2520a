"""``POST /api/v1/batch``: JSON Lines in, JSON Lines out, streamed.

Each input line is an assessment, or an envelope with the caller's own case
reference, ``{"ref": "sak-17", "assessment": {…}}``; each output line is the
result of one input line, in order, exactly as ``ibp batch`` writes it (the
library reads the envelope for both), with the reference echoed:
``{"line": 1, "ref": "sak-17", "strategy": {…}}`` or
``{"line": 2, "error": {"kind": "input", "problems": […]}}``. A bad line
never stops the run.

Streaming and memory: results go out in blocks of :data:`CHUNK` records as
soon as they are made, while the body is still arriving. The body is read
ahead as fast as it comes (at most ``max_batch`` bytes, the documented limit,
413 above it), so a client that first sends its whole body and only then
reads (most HTTP libraries) never deadlocks against the results it has not
read yet; everything else is bounded by the chunk. The engine runs in a
worker thread, so the server stays responsive during a long batch.

Starlette's StreamingResponse cannot be used: under ASGI 2.3 it listens for
a disconnect by reading the request, and would swallow the body.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio
import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ibp_rules.batch import CHUNK, Record, run_chunk
from ibp_rules.engine import Engine

from ..errors import BodyTooLarge, human_size, message
from ..openapi import answers
from .common import LangQuery, lang_of, services, use_engine

router = APIRouter(tags=["strategies"])

JSONL = "application/x-ndjson"
_END = object()

BATCH_BODY = {"requestBody": {"required": True, "content": {JSONL: {"schema": {
    "type": "string", "description": "JSON Lines: one assessment per line, or {\"ref\": \"sak-17\", \"assessment\": {…}}."}}}}}
BATCH_ANSWER = {"type": "string", "description": "JSON Lines, one per input line in order: "
                "{\"line\": N, \"ref\"?: …, \"strategy\": {…}} or {\"line\": N, \"ref\"?: …, \"error\": {\"kind\", \"problems\"}}."}


def _error_line(line: int, problems: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"line": line, "error": {"kind": "input", "problems": problems}})


class BatchResponse(Response):
    """Reads the body and writes the results at the same time (see the module doc)."""

    def __init__(self, engine: Engine, compact: bool, lang: str, max_line: int) -> None:
        super().__init__(media_type=JSONL)
        self.engine, self.compact, self.lang, self.max_line = engine, compact, lang, max_line

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: asyncio.Queue[Any] = asyncio.Queue()

        async def read_ahead() -> None:
            try:
                while True:
                    msg = await receive()
                    if msg["type"] == "http.disconnect":
                        chunks.put_nowait(_END)
                        return
                    chunks.put_nowait(msg.get("body", b""))
                    if not msg.get("more_body"):
                        chunks.put_nowait(_END)
                        return
            except BodyTooLarge as exc:
                chunks.put_nowait(exc)

        reader = asyncio.create_task(read_ahead())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", JSONL.encode())]})
            async for block in self._results(chunks):
                await send({"type": "http.response.body", "body": block, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            reader.cancel()

    async def _results(self, chunks: asyncio.Queue[Any]) -> AsyncIterator[bytes]:
        buffer = b""
        number = 0
        skipping = False  # inside a line over max_line: dropped up to its newline
        pending: list[Record | bytes] = []
        while True:
            item = await chunks.get()
            if item is _END or isinstance(item, BodyTooLarge):
                if buffer.strip() and not skipping:
                    number += 1
                    pending.append(Record(number, buffer))
                if pending:
                    yield await self._run(pending)
                if isinstance(item, BodyTooLarge):
                    yield orjson.dumps({"error": {"kind": "too_large", "status": 413,
                                                  "message": message("too_large", self.lang, limit=human_size(item.limit))}}) + b"\n"
                return
            buffer += item
            *lines, buffer = buffer.split(b"\n")
            for raw in lines:
                if skipping:
                    skipping = False
                    continue
                number += 1
                if raw.strip():
                    pending.append(Record(number, raw) if len(raw) <= self.max_line else self._too_long(number))
            if len(buffer) > self.max_line and not skipping:
                number += 1
                pending.append(self._too_long(number))
                skipping, buffer = True, b""
            elif skipping:
                buffer = b""
            while len(pending) >= CHUNK:
                block, pending = pending[:CHUNK], pending[CHUNK:]
                yield await self._run(block)

    def _too_long(self, number: int) -> bytes:
        text = message("too_large", self.lang, limit=human_size(self.max_line))
        return _error_line(number, [{"path": "", "line": number, "message": text}])

    async def _run(self, items: list[Record | bytes]) -> bytes:
        """Output lines for ``items`` in order; records run in a worker thread."""
        records = [r for r in items if isinstance(r, Record)]
        block = (await anyio.to_thread.run_sync(run_chunk, self.engine, records, self.compact, self.lang))[2] if records else b""
        done = iter(block.split(b"\n")[:-1])
        return b"".join((next(done) if isinstance(r, Record) else r) + b"\n" for r in items)


@router.post("/batch", summary="Many assessments at once (JSON Lines, streamed)", openapi_extra=BATCH_BODY,
             responses=answers(BATCH_ANSWER, errors=(413,), media=JSONL))
async def batch(request: Request, lang: LangQuery = None, compact: bool = False) -> BatchResponse:
    """One result line per input line, in order, streamed while the body
    arrives; a line may carry the caller's own case reference (`ref`), which
    comes back with its result. Bad lines become error lines (field path,
    no values) and the run goes on. `compact=true` as `ibp batch --compact`."""
    engine = use_engine(request)
    return BatchResponse(engine, compact, lang_of(request), services(request).config.limits.max_line)
