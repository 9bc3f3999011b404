import pytest

from core.settings import SettingsError, load_settings


def test_secrets_never_show_in_repr():
    s = load_settings(
        {
            "DATABASE_URL": "postgresql://app:hunter2@db/k",
            "S3_SECRET_KEY": "s3cr3t",
            "KORTISTO_SECRET_KEY": "k" * 40,
            "REDIS_URL": "redis://:pw@r/0",
        }
    )
    text = repr(s)
    for secret in ("hunter2", "s3cr3t", "k" * 40, ":pw@"):
        assert secret not in text
    assert s.database.url.reveal().endswith("@db/k")


def test_production_demands_a_secret_key_and_servers():
    with pytest.raises(SettingsError, match="KORTISTO_SECRET_KEY"):
        load_settings({"KORTISTO_ENV": "production"})
    s = load_settings({"KORTISTO_ENV": "production", "KORTISTO_SECRET_KEY": "x" * 40})
    assert s.is_production and not s.external_services


@pytest.mark.parametrize(
    "env, name",
    [
        ({"KORTISTO_PORT": "eighty"}, "KORTISTO_PORT"),
        ({"KORTISTO_DB_CONNECT_TIMEOUT": "soon"}, "KORTISTO_DB_CONNECT_TIMEOUT"),
        ({"KORTISTO_ENV": "staging"}, "KORTISTO_ENV"),
    ],
)
def test_malformed_settings_name_the_variable(env, name):
    with pytest.raises(SettingsError, match=name):
        load_settings(env)
