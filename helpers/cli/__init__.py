"""Command-line programs: ``python -m helpers.cli.generate`` (inference from a checkpoint, week 9)
and ``python -m helpers.cli.ddp`` (the ``torchrun`` worker of week 10's data-parallel training)."""
