"""The order ``make test`` hands work to its workers (tests/notebooks/plugin.py)."""

import json

from tests.notebooks import plugin


class _Cache:
    def __init__(self, values):
        self.values = values

    def get(self, key, default):
        return self.values.get(key, default)


class _Config:
    def __init__(self, cached):
        self.cache = _Cache({plugin.CACHE_KEY: cached} if cached is not None else {})


def test_a_fresh_clone_uses_the_committed_durations(tmp_path, monkeypatch):
    committed = tmp_path / "durations.json"
    committed.write_text(json.dumps({"robust-class": 200.0, "week01-perceptron": 10.0}))
    monkeypatch.setattr(plugin, "MEASURED_FILE", committed)
    assert plugin.measured_durations(_Config(None)) == {"robust-class": 200.0, "week01-perceptron": 10.0}
    # this checkout's own last run wins where it measured a unit
    assert plugin.measured_durations(_Config({"robust-class": 150.0})) == {
        "robust-class": 150.0,
        "week01-perceptron": 10.0,
    }


def test_a_missing_or_broken_file_falls_back_to_the_estimates(tmp_path, monkeypatch):
    monkeypatch.setattr(plugin, "MEASURED_FILE", tmp_path / "absent.json")
    assert plugin.measured_durations(_Config(None)) == {}
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    monkeypatch.setattr(plugin, "MEASURED_FILE", broken)
    assert plugin.measured_durations(_Config({"lab": 80.0})) == {"lab": 80.0}


def test_the_committed_durations_name_test_files_that_exist():
    measured = json.loads(plugin.MEASURED_FILE.read_text())
    assert measured and all(isinstance(v, (int, float)) and v > 0 for v in measured.values())
    gone = [unit for unit in measured if "::" in unit and not (plugin.ROOT / unit.split("::")[0]).is_file()]
    assert not gone, f"durations.json names tests that no longer exist (refresh it): {gone}"
