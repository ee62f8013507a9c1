# make run: the main job on the embedded demo corpus; make test: the test suite.
# Both create or refresh .venv on a fresh machine first.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO := work/demo/job.toml

.PHONY: venv run test demo bench-accuracy clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(DEMO): $(STAMP)
	$(VENV)/bin/paperlink synth --works 300 --out work/demo --seed 7

demo: $(DEMO)

run: $(DEMO)
	$(VENV)/bin/paperlink run --config linkage_config/job.toml

test: $(STAMP)
	$(PY) -m pytest -q

bench-accuracy: $(STAMP)
	$(PY) benchmarks/accuracy/run.py

clean:
	rm -rf work out
