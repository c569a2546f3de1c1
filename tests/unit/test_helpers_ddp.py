"""helpers.cli.ddp: data-parallel training under torchrun equals single-process training."""

import pytest
import torch

from helpers.cli.ddp import DDPSetup, make_model, max_difference, run_torchrun, shard, torchrun_available, train_single


def test_shard_splits_evenly():
    x = torch.arange(12).view(6, 2)
    assert torch.equal(torch.cat([shard(x, r, 3) for r in range(3)]), x)
    with pytest.raises(ValueError):
        shard(x, 0, 4)


def test_single_process_reference_trains():
    setup = DDPSetup(steps=2)
    init = make_model(setup).state_dict()
    after = train_single(setup)
    assert max_difference(init, after) > 1e-4
    assert max_difference(after, train_single(setup)) == 0.0


def test_torchrun_two_processes_match_single_process():
    ok, why = torchrun_available()
    if not ok:
        pytest.skip(f"torchrun is not available here: {why}")
    result = run_torchrun(nproc=2, steps=2, timeout=120)
    ref = train_single(DDPSetup(steps=2))
    assert result["world_size"] == 2
    assert result["manual_rank_spread"] == 0.0 and result["ddp_rank_spread"] == 0.0
    assert max_difference(result["manual"], ref) < 1e-5
    assert max_difference(result["ddp"], ref) < 1e-5
    # and it really trained: parameters moved away from the initial ones
    assert max_difference(result["ddp"], make_model(DDPSetup()).state_dict()) > 1e-4
