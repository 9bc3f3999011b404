"""Every handler parameter is declared the way Litestar 3 still accepts.

Litestar 2.25 warns at app creation about a parameter whose source it has to infer
(`q: str = ""`), or that is declared with the old `Parameter(query=...)` styles; Litestar 3
removes them, so such a handler would break on upgrade. Query parameters are declared as
`FromQuery[...]` (or `Annotated[..., QueryParameter(...)]`), path parameters as `FromPath[...]`.
The benchmark baselines (bench/*_app.py) build their own apps and are held to the same rule.
"""

from __future__ import annotations

import importlib
import re
import warnings

import pytest
from litestar.exceptions import LitestarDeprecationWarning

from web.app import create_app


def deprecations_while(build) -> list[str]:
    """The LitestarDeprecationWarnings emitted while `build()` runs, as one line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # also the ones an earlier test already triggered
        build()
    return [
        re.sub(r"\s+", " ", str(w.message))
        for w in caught
        if issubclass(w.category, LitestarDeprecationWarning)
    ]


def test_the_app_declares_no_handler_parameter_in_a_deprecated_style():
    found = deprecations_while(lambda: create_app(prepare_runtime=False))
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    ("module", "factory"),
    [
        ("bench.scope_app", "create_app"),
        ("bench.register_app", "create_baseline"),
        ("bench.content_app", "create_baseline"),
    ],
)
def test_the_benchmark_apps_declare_no_handler_parameter_in_a_deprecated_style(module, factory):
    build = getattr(importlib.import_module(module), factory)
    found = deprecations_while(build)
    assert found == [], "\n".join(found)
