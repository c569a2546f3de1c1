# Instructor's grading workflow (included by the Makefile: `-include grading.mk`).
# Every target runs real nbgrader through tools/grade.py (= python -m tools.grading); see INSTRUCTORS.md.
#
#   make students ROSTER=roster.csv        add/update students (CSV: id,first_name,last_name,email)
#   make assign WEEK=week01                generate + release to the exchange
#   make collect WEEK=week01               collect submissions from the exchange
#   make zip-collect WEEK=week01 ZIP=downloads.zip [ZIP_REGEX='...']
#   make autograde WEEK=week01 [JOBS=2]    robust, sandboxed autograding, report in .grading/reports/
#                                          (UNSAFE_NO_SANDBOX=1: without bubblewrap; the report says so)
#   make feedback WEEK=week01              HTML feedback (checked: no hidden tests)
#   make return-feedback WEEK=week01       feedback to the exchange
#   make grades [GRADES=grades.csv]        export every grade to CSV
#   make formgrader                        JupyterLab with the nbgrader Formgrader
#   make test-grading                      the grading tests (tests/grading: workflow, robustness,
#                                          hostile class, determinism, round trips)

BIN ?= .venv/bin
GRADE_PY = $(BIN)/python tools/grade.py
WEEK ?=
JOBS ?= 1
GRADES ?= grades.csv

.PHONY: students assign collect zip-collect autograde feedback return-feedback grades formgrader \
	test-grading grading-benchmark grading-sandbox-benchmark _need-week

_need-week:
	@test -n "$(WEEK)" || { echo "say which week: make $(MAKECMDGOALS) WEEK=week01"; exit 2; }

students: $(STAMP)
	@test -n "$(ROSTER)" || { echo "say which roster: make students ROSTER=roster.csv"; exit 2; }
	$(GRADE_PY) add-students $(ROSTER)

assign: _need-week $(STAMP)
	$(GRADE_PY) release $(WEEK)

collect: _need-week $(STAMP)
	$(GRADE_PY) collect $(WEEK)

zip-collect: _need-week $(STAMP)
	@test -n "$(ZIP)" || { echo "say which zip: make zip-collect WEEK=$(WEEK) ZIP=downloads.zip"; exit 2; }
	$(GRADE_PY) zip-collect $(WEEK) $(ZIP) $(if $(ZIP_REGEX),--regex '$(ZIP_REGEX)')

autograde: _need-week $(STAMP)
	$(GRADE_PY) autograde $(WEEK) --jobs $(JOBS) $(if $(UNSAFE_NO_SANDBOX),--unsafe-no-sandbox)

feedback: _need-week $(STAMP)
	$(GRADE_PY) feedback $(WEEK)

return-feedback: _need-week $(STAMP)
	$(GRADE_PY) return-feedback $(WEEK)

grades: $(STAMP)
	$(GRADE_PY) export $(GRADES)

formgrader: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=$(CURDIR) --ServerApp.default_url=/formgrader $(ROOT_FLAG)

test-grading: $(STAMP)
	$(BIN)/python -m pytest -q -n $(or $(WORKERS),2) --dist loadgroup tests/grading

grading-benchmark: $(STAMP)
	nice -n 5 $(BIN)/python benchmarks/grading_time.py --students 30

grading-sandbox-benchmark: $(STAMP)
	nice -n 5 $(BIN)/python benchmarks/grading_time.py --students 8 --jobs 1 --modes sandbox unsafe
