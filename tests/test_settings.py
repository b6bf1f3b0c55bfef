"""Settings fail loudly: a typo or a wrong type stops the start, naming the variable."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from deflect import create_app, settings
from deflect.cli import main


@pytest.mark.parametrize("variable, value, message", [
    ("DEFLECT_DATABSE_URL", "sqlite://", "DEFLECT_DATABSE_URL is not a setting of deflect "
                                         "(did you mean DEFLECT_DATABASE_URL?)"),
    ("DEFLECT_COLOUR", "blue", "DEFLECT_COLOUR is not a setting of deflect"),
    ("DEFLECT_SERVE_SITE", "flase", "DEFLECT_SERVE_SITE='flase': expected true or false"),
    ("DEFLECT_SUGGEST_TIMEOUT_S", "2s", "DEFLECT_SUGGEST_TIMEOUT_S='2s': could not convert"),
])
def test_a_bad_variable_stops_the_start_and_names_itself(app_config, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(settings.SettingError) as stopped:
        create_app(app_config)
    assert message in str(stopped.value)


def test_the_command_line_says_it_without_a_traceback(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFLECT_SERVE_SITE", "flase")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "DEFLECT_SERVE_SITE='flase'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("raw, expected", [("true", True), ("ON", True), ("1", True), ("no", False), ("0", False)])
def test_booleans_are_read_in_their_usual_spellings(raw, expected):
    assert settings.from_environment({"DEFLECT_SERVE_SITE": raw}) == {"SERVE_SITE": expected}


def test_values_are_typed_like_their_defaults(app_config, monkeypatch):
    monkeypatch.setenv("DEFLECT_SUGGEST_TIMEOUT_S", "0.5")
    monkeypatch.setenv("DEFLECT_SERVE_SITE", "false")
    monkeypatch.setenv("DEFLECT_SITE_URL", "https://help.example.com/")  # read by mkdocs.yml: known, not ours
    app = create_app(app_config)
    assert app.config["SUGGEST_TIMEOUT_S"] == 0.5 and app.config["SERVE_SITE"] is False
    assert "SITE_URL" not in app.config
