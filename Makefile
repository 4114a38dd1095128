# Two commands do all the setup on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PORT   ?= 8501

.PHONY: help setup db run test lint bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the pinned requirements
	$(PY) -m engagement.readability_setup

db: setup  ## create or migrate data/engagement.db; load the demo study when it is empty
	$(PY) -m engagement demo --load --if-empty

run: db  ## set up, prepare the database, serve the app on http://localhost:8501
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.headless true

test: setup  ## set up and run the whole test suite
	$(PY) -m pytest -q

lint: setup  ## ruff over the project
	$(VENV)/bin/ruff check .

bench: setup  ## run every benchmark; each prints one JSON object
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:  ## remove the environment (the database under data/ stays)
	rm -rf $(VENV)
