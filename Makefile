# Two commands: `make run` sets everything up and serves the demo; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in exports and emails point at the server `make run` starts.
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run setup venv translations key db demo test test-fast bench bench-web bench-analysis bench-customers clean

# The job worker runs beside the web server and stops with it.
run: setup demo
	@trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/huey_consumer survey_app.worker.huey --workers 2 --delay 0.1 --max-delay 1 --logfile instance/worker.log --quiet & \
	$(FLASK) run --host $(HOST) --port $(PORT)

setup: venv translations key db

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

translations: venv
	$(VENV)/bin/pybabel compile --use-fuzzy -f -d translations >/dev/null

# The key that signs sessions and links, shared by the web server, the worker and the flask
# commands: made once, kept across runs (links already sent stay valid), never overwritten.
key: venv
	@$(PY) -m survey_app.make_key instance/secret_key

db: venv key
	mkdir -p instance
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo

test: venv translations
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: venv translations
	$(PY) -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

bench: bench-analysis bench-customers bench-web

bench-analysis: venv
	$(PY) -m bench.analysis

bench-customers: venv
	$(PY) -m bench.customers

bench-web: venv translations
	$(PY) -m bench.web

clean:
	rm -rf $(VENV) instance .pytest_cache
