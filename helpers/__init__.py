"""Shared code for the LLM crash course notebooks.

Small modules, one concern each:

- ``runtime``  seeding, device choice, fast/full mode, timing
- ``data``     the course corpus and toy datasets
- ``plotting`` decision boundaries, curves, heatmaps
- ``grading``  checks whose failure messages tell the learner what was expected
- ``report``   figures a notebook reached, collected by ``make bench``
- ``course``   facts about the course itself (repository URL, setup cell)

Later weeks reuse earlier weeks' reference code from modules named after what they hold
(for example ``text`` for character vocabularies and batching).
"""

__version__ = "0.1.0"
