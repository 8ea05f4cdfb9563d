# engagekit: two commands for a fresh machine with Python 3.11+ and make.
#   make report   render the sample client's report (creates .venv on first use)
#   make test     run the whole suite: unit tests and the notebooks under nbval (installs Chromium
#                 for the browser tests where it can: as root with apt-get)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CLIENT ?= data/sample/brightpaw
OUT    ?= reports

.PHONY: report test browser sample notebooks lesson bench clean

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

test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest tests notebooks --nbval-lax

# The browser tests (the report printed to PDF, the page run in headless Chromium) need the system's
# Chromium: installed here when running as root with apt-get; otherwise those tests skip, saying why.
browser:
	@if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
	  && ! command -v google-chrome >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium (apt-get) for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
	  || { apt-get update -qq >/dev/null 2>&1 \
	       && apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; } \
	  || echo "chromium could not be installed: the browser tests will skip"; \
	fi

sample: $(VENV)/.installed
	$(BIN)/engagekit sample data/sample

# Re-execute the notebooks in place, so that the outputs nbval checks are current.
notebooks: $(VENV)/.installed
	cd notebooks && for nb in 0*.ipynb; do ../$(BIN)/papermill --cwd . --no-progress-bar "$$nb" "$$nb" || exit 1; done

# The lesson (notebooks/00) for a class: the teacher's copy executed with the answers (and as HTML), the
# students' copy without the answer cells and without outputs. SCENARIO picks the sample client's story.
SCENARIO ?= likes-are-noise
LESSON   := $(OUT)/lesson

lesson: $(VENV)/.installed
	mkdir -p $(LESSON)
	$(BIN)/papermill --no-progress-bar notebooks/00_engagement_is_a_result.ipynb $(LESSON)/teacher.ipynb -p scenario $(SCENARIO)
	$(BIN)/jupyter nbconvert $(LESSON)/teacher.ipynb --to html --output-dir $(LESSON) --output teacher
	$(BIN)/jupyter nbconvert $(LESSON)/teacher.ipynb --to notebook --output-dir $(LESSON) --output student \
	  --TagRemovePreprocessor.enabled=True --TagRemovePreprocessor.remove_cell_tags=answer --ClearOutputPreprocessor.enabled=True

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_loaders.py
	$(BIN)/python bench/bench_funnel.py
	$(BIN)/python bench/bench_audit.py
	$(BIN)/python bench/bench_correlate.py
	$(BIN)/python bench/study_recovery.py
	$(BIN)/python bench/bench_batch.py

clean:
	rm -rf $(VENV) $(OUT) build
