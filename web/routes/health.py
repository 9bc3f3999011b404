"""/healthz (the process answers) and /readyz (database, broker and object store reachable)."""

from __future__ import annotations

import asyncio

from litestar import Controller, get
from litestar.response import Response

from web.readiness import check_readiness


class HealthController(Controller):
    include_in_schema = False

    @get("/healthz", sync_to_thread=False)
    def healthz(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/readyz")
    async def readyz(self) -> Response[dict]:
        checks = await asyncio.wait_for(check_readiness(), timeout=5)
        ready = all(c == "ok" for c in checks.values())
        return Response(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
            headers={"Cache-Control": "no-store"},
        )
