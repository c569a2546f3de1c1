import json

from helpers import report


def test_record_prints_and_writes(tmp_path, monkeypatch, capsys):
    path = tmp_path / "r.json"
    monkeypatch.setenv("COURSE_REPORT", str(path))
    report.record("week01.acc", 0.12345678)
    report.record("week01.seconds", 3, unit="s")
    assert json.loads(path.read_text()) == {"week01.acc": 0.123457, "week01.seconds": 3}
    assert "[report] week01.seconds = 3 s" in capsys.readouterr().out
    assert report.figures()["week01.acc"] == 0.123457


def test_record_without_report_file(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_REPORT", raising=False)
    report.record("x", 1.0)
    assert report.figures()["x"] == 1.0
