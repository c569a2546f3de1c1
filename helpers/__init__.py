"""What a learner's notebook imports, from day one to the last week.

Given to every learner (nobody's exercise):

- ``runtime``  seeding, device choice, fast/full mode, timing
- ``data``     the course corpus and toy datasets
- ``plotting`` decision boundaries, curves, heatmaps
- ``checks``   checks whose failure messages tell the learner what was expected
- ``report``   figures a notebook reached, collected by ``make bench``
- ``training`` the training-loop driver (progress bar, history of losses)

``helpers.reference`` holds the reference answers of each week, one module per week or model;
a week imports only the references of earlier weeks (``helpers.reference.ANSWERS``).
``helpers.cli`` holds the command-line programs (inference, the ``torchrun`` worker).
"""

# The distribution this package comes from: the setup cell checks it, so that another module
# named `helpers` (in Colab, say) is never mistaken for the course's.
DISTRIBUTION = "llm-course-helpers"
__version__ = "0.2.0"
