"""Compiling translation catalogs (.po → .mo) when the build did not.

A fresh clone, or an image built without `pybabel compile`, still gets its translations.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger("kortisto.i18n")


def compile_catalogs(locale_dir: Path, domain: str = "messages") -> dict[str, bytes]:
    """Compile each `.po` whose `.mo` is missing or older; return the compiled bytes by locale.

    A read-only install (where the `.mo` cannot be written) still gets its translations: the
    compiled bytes are returned for loading from memory.
    """
    compiled: dict[str, bytes] = {}
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{domain}.po")):
        code = po_path.parent.parent.name
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=code, domain=domain)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=True)  # same as `pybabel compile -f`
        data = buffer.getvalue()
        compiled[code] = data
        try:
            # Written under a temporary name and renamed: workers starting together race here.
            fd, tmp_name = tempfile.mkstemp(dir=mo_path.parent, prefix=".messages-", suffix=".mo")
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
            os.replace(tmp_name, mo_path)
            log.info("compiled %s", mo_path)
        except OSError as exc:
            log.warning("could not write %s (%s); using the catalog from memory", mo_path, exc)
    return compiled
