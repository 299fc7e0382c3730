# The two commands a person needs: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
RUNS ?= 5

.PHONY: run test lint format bench bench-england stress browser pdf-tools clean hosted-demo

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: create the environment, install everything and start the app with the demo data
run: $(VENV)/.runtime
	$(PY) -m streamlit run app.py --server.port $(PORT)

## hosted-demo: the app in hosted mode on the demo data, signing in through a test identity provider
hosted-demo: $(VENV)/.dev
	PORT=$(PORT) $(PY) scripts/hosted_demo.py

## test: install what the tests need (a browser included), check the style, run the whole suite
test: $(VENV)/.dev browser pdf-tools
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n auto

## browser: Debian's Chromium for the browser tests (the tests never download a browser)
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## pdf-tools: what WeasyPrint needs to make the board report's PDF (Pango, HarfBuzz's subsetter,
## DejaVu fonts) and Poppler, whose pdftoppm and pdftotext the tests read its pages with;
## installed from Debian's packages as `browser` installs chromium
pdf-tools:
	@{ command -v pdftoppm && command -v pdftotext && \
	   ldconfig -p | grep -q libpangoft2-1.0 && ldconfig -p | grep -q libharfbuzz-subset && \
	   test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } >/dev/null 2>&1 || \
	  { echo "Installing Debian's poppler-utils, Pango, HarfBuzz and DejaVu fonts for the board report"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils \
	      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; }

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## bench: the benchmarks in bench/, each against a plain pandas baseline where there is one
bench: $(VENV)/.dev
	$(PY) bench/bench_score.py
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_pages.py

ENGLAND ?= $(or $(TMPDIR),/tmp)/iif-bench-england
## bench-england: an England-sized store (built once in $(ENGLAND)), then pages, uploads, the first page and 20 users at once on it
bench-england: $(VENV)/.dev browser
	$(PY) bench/england_store.py $(ENGLAND)
	$(PY) bench/bench_pages.py --store $(ENGLAND)/iif.duckdb --runs 3
	$(PY) bench/bench_upload.py --store $(ENGLAND)/iif.duckdb
	$(PY) bench/bench_start.py --store $(ENGLAND)/iif.duckdb
	$(PY) bench/bench_sessions.py --store-folder $(ENGLAND) --sessions 1,8,20 --think 2

## stress: the whole suite 5 times in a row with every core kept busy; prints how many passed
stress: $(VENV)/.dev browser
	bash bench/stress_tests.sh $(RUNS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
