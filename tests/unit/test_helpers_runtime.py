import random

import numpy as np
import pytest
import torch

from helpers import runtime


def test_fast_mode_follows_environment(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    assert runtime.is_fast() and runtime.pick(1, 2) == 1
    monkeypatch.setenv("COURSE_FAST", "0")
    assert not runtime.is_fast() and runtime.pick(1, 2) == 2
    monkeypatch.delenv("COURSE_FAST")
    assert runtime.pick("small", "big") == "big"


def test_seed_everything_repeats_numbers():
    runtime.seed_everything(3)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    runtime.seed_everything(3)
    b = (random.random(), np.random.rand(), torch.rand(1).item())
    assert a == b
    runtime.seed_everything(4)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) != a


def test_temporary_seed_restores_state():
    np.random.seed(0)
    expected = np.random.rand()
    np.random.seed(0)
    with runtime.temporary_seed(99):
        np.random.rand(10)
    assert np.random.rand() == expected


def test_device_choice(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    dev = runtime.get_device()
    assert dev == ("cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu")
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert runtime.get_device() == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            runtime.get_device("cuda")


def test_timer_and_describe(monkeypatch):
    with runtime.Timer() as t:
        sum(range(1000))
    assert 0 <= t.seconds < 1
    monkeypatch.setenv("COURSE_FAST", "1")
    assert "FAST" in runtime.describe() and "device" in runtime.describe()


def test_output_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_OUTPUT", str(tmp_path))
    d = runtime.output_dir("week09")
    assert d == tmp_path / "week09" and d.is_dir()


def test_output_dir_in_the_checkout_and_in_a_learner_kit(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_OUTPUT", raising=False)
    assert runtime.output_dir("week08") == runtime._checkout() / "runs" / "week08"
    # a kit (no checkout): one folder in the home directory for every week, wherever the notebook runs
    monkeypatch.setattr(runtime, "_checkout", lambda: None)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    d = runtime.output_dir("week05")
    assert d == tmp_path / "home" / "llm-course-runs" / "week05" and d.is_dir()
