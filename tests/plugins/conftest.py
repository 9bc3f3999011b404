"""Plugin tests use the shared fixtures `host` and `enable` (tests/support/plugin_fixtures.py,
loaded for every test by tests/conftest.py), and a fresh tenant each."""

import pytest

from tests.support.plugin_fixtures import ADMIN as ADMIN


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()
