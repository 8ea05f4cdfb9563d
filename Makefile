# engagekit: two commands for a fresh machine with Python 3.11+ and make.
#   make report   render the sample client's report (creates .venv on first use)
#   make test     run the whole suite: unit tests and the notebooks under nbval

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CLIENT ?= data/sample/brightpaw
OUT    ?= reports

.PHONY: report test sample notebooks bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

report: $(VENV)/.installed
	$(BIN)/engagekit report $(CLIENT) --out $(OUT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests notebooks --nbval-lax

sample: $(VENV)/.installed
	$(BIN)/engagekit sample data/sample

# Re-execute the notebooks in place, so that the outputs nbval checks are current.
notebooks: $(VENV)/.installed
	cd notebooks && for nb in 0*.ipynb; do ../$(BIN)/papermill --cwd . --no-progress-bar "$$nb" "$$nb" || exit 1; done

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_loaders.py
	$(BIN)/python bench/bench_funnel.py
	$(BIN)/python bench/bench_audit.py
	$(BIN)/python bench/bench_correlate.py
	$(BIN)/python bench/study_recovery.py

clean:
	rm -rf $(VENV) $(OUT) build
