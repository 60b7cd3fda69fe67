# County Targets. A newcomer needs two commands: `make run` and `make test`.
#   make run    create .venv, install, migrate, load the demo, serve on http://127.0.0.1:$(PORT)
#   make test   create .venv if needed and run the whole suite (PostgreSQL too if DATABASE_URL is set)
#   make lint   ruff check and ruff format --check
#   make bench  page timings and export figures at demo size and ten times demo size
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint format bench clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput -v0
	-$(PY) manage.py load_demo
	STATIC_MANIFEST=1 $(PY) manage.py collectstatic --noinput -v0
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	STATIC_MANIFEST=1 $(VENV)/bin/gunicorn county_targets.wsgi -k gthread --workers 2 --threads 4 \
		--bind 127.0.0.1:$(PORT) --access-logfile -

test: $(VENV)/.dev
	@echo "make test: database $${DATABASE_URL:-sqlite (default)}"
	$(PY) manage.py makemigrations --check --dry-run -v1
	$(VENV)/bin/pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev
	$(PY) bench/pages.py
	$(PY) bench/excel.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache screenshots
