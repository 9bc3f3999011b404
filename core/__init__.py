"""Kortisto's register core: tables, services, privacy rules, hookspecs, storage and jobs.

Piccolo finds its configuration through PICCOLO_CONF; point it at ours unless a caller chose.
"""

import os

os.environ.setdefault("PICCOLO_CONF", "core.piccolo_conf")
