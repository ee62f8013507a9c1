# make run: the main job on the embedded demo corpus; make test: the test suite.
# Both create or refresh .venv on a fresh machine first.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO := work/demo/job.toml

.PHONY: venv run test demo bench-accuracy bench-review bench-incremental clean browser java charts

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,spark]'
	touch $(STAMP)

venv: $(STAMP)

$(DEMO): $(STAMP)
	$(VENV)/bin/paperlink synth --works 300 --out work/demo --seed 7

demo: $(DEMO)

run: $(DEMO)
	$(VENV)/bin/paperlink run --config linkage_config/job.toml

test: $(STAMP) browser java
	PAPERLINK_TEST_SPARK=1 $(PY) -m pytest -q

# Chromium for the browser tests of charts (tests/test_charts.py); where it cannot be installed
# those tests skip and the rest run.
browser:
	@test -x /usr/bin/chromium || command -v chromium >/dev/null 2>&1 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || \
	    echo "browser: could not install chromium with apt-get; browser tests will be skipped"; }

# Java 17 for the Spark backend's test (tests/test_spark.py); where it cannot be installed that
# test skips and the rest run.
java:
	@command -v java >/dev/null 2>&1 || test -n "$${JAVA_HOME:-}" || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless) >/dev/null 2>&1 || \
	    echo "java: could not install openjdk-17-jre-headless with apt-get; the Spark test will be skipped"; }

# charts and dashboards of the `make run` output, offline HTML + PNG, into out/charts/
charts: $(STAMP)
	$(VENV)/bin/paperlink charts --config linkage_config/job.toml

bench-accuracy: $(STAMP)
	$(PY) benchmarks/accuracy/run.py

# cluster F1 on DBLP-ACM with 0/50/100/200 reviewed pairs (answers simulated from the gold)
bench-review: $(STAMP)
	$(PY) benchmarks/review/run.py

# link-new of 1% new records into a ~108k-record synthetic run, against full runs
bench-incremental: $(STAMP)
	$(PY) benchmarks/incremental/run.py

clean:
	rm -rf work out
