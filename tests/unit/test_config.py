"""Settings from the environment and the generated secret key."""

import stat

import analytics
from winlas_site import config


def test_environment_overrides_are_parsed():
    found = config.env_settings(
        {
            "WINLAS_TRUSTED_HOSTS": "www.winlas.se, winlas.se",
            "WINLAS_SESSION_IDLE_MINUTES": "15",
            "DATABASE_URL": "postgresql://db/winlas",
            "UNRELATED": "x",
        }
    )
    assert found == {
        "WINLAS_TRUSTED_HOSTS": ["www.winlas.se", "winlas.se"],
        "WINLAS_SESSION_IDLE_MINUTES": 15,
        "DATABASE_URL": "postgresql://db/winlas",
    }


def test_the_secret_key_is_generated_once_and_private(tmp_path):
    first = config.secret_key(tmp_path)
    assert len(first) == 64
    assert config.secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_cookies_turn_secure_with_an_https_site(tmp_path):
    settings = config.defaults(tmp_path)
    settings["WINLAS_SITE_URL"] = "https://www.winlas.se"
    config.finalise(settings)
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_debug_is_off_outside_development(tmp_path):
    settings = config.defaults(tmp_path)
    settings.update(WINLAS_ENV="production", DEBUG=True)
    config.finalise(settings)
    assert settings["DEBUG"] is False


def test_analytics_settings_come_from_its_table(tmp_path):
    settings = config.defaults(tmp_path)
    for name, (default, _parse) in analytics.SETTINGS.items():
        assert settings[name] == default, name
    found = config.env_settings(
        {
            "ANALYTICS_RAW_RETENTION_DAYS": "30",
            "ANALYTICS_FSYNC": "1",
            "ANALYTICS_PROFILE_WEIGHTS": '{"click": 4}',
            "ANALYTICS_QUERY_BUDGET_MS": "",  # empty: the default stays
            "ANALYTICS_VISITOR_MAX_AGE": "60",  # the site derives it, never the environment
        }
    )
    assert found == {
        "ANALYTICS_RAW_RETENTION_DAYS": 30,
        "ANALYTICS_FSYNC": True,
        "ANALYTICS_PROFILE_WEIGHTS": {"click": 4},
    }


def test_the_readme_documents_every_setting():
    readme = (config.PROJECT_ROOT / "README.md").read_text()
    for name in [
        *config.SETTINGS,
        *analytics.SETTINGS,
        "DATABASE_URL",
        "SECRET_KEY",
        "REDIS_URL",
        "PORT",
        "WINLAS_INSTANCE_PATH",
    ]:
        assert f"`{name}`" in readme, name
