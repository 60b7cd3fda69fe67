# County Targets. A newcomer needs two commands: `make run` and `make test`.
#   make run     create .venv, install, migrate, load the demo, serve on http://127.0.0.1:$(PORT)
#   make test    create .venv if needed and run the whole suite (PostgreSQL too if DATABASE_URL is set)
#   make serve   production (docs/deploy.md): migrate, collect static files and serve with gunicorn on
#                $(HOST):$(PORT); never loads the demo. Needs SECRET_KEY and ALLOWED_HOSTS.
#   make backup  a copy of the database in backups/ (pg_dump -Fc for PostgreSQL; SQLite's online backup)
#   make lint    ruff check and ruff format --check, then the browser baseline: stylelint and eslint
#                check static/ and plotly.js's bundle against package.json's browserslist
#                (chrome >= 90). Needs Node.js and npm (apt-get install nodejs npm); runs npm ci
#                when node_modules is missing or older than package.json or its lock file
#   make messages  after changing interface text: collect every msgid into locale/en/.../django.po,
#                then translate the new entries (empty msgstr; none may stay fuzzy) and run it again
#                to compile django.mo, which is committed (servers need no gettext; this target does:
#                apt-get install gettext)
#   make bench   one table (stdout and bench/results/): every page cold and warm at 1x, 10x and
#                100x demo size on SQLite and PostgreSQL, a load run, the import and the export,
#                and the forecast's back-test (manage.py backtest_forecast)
# run, test and bench set DEMO=1: on one's own machine the built-in secret key is allowed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
THREADS ?= 4

.PHONY: run serve backup test lint format messages bench clean

NODE_MODULES := node_modules/.installed

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

$(NODE_MODULES): package.json package-lock.json
	@command -v npm >/dev/null || { echo "make: the browser baseline needs npm: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

# plotly.js's bundle takes half a minute to parse: it is checked again only when the bundle (pip
# writes it anew on every install), the check or the linters change.
PLOTLY_BUNDLE = $(wildcard $(VENV)/lib/python3*/site-packages/plotly/package_data/plotly.min.js)

node_modules/.plotly-checked: $(NODE_MODULES) eslint.config.js $(PLOTLY_BUNDLE)
	node_modules/.bin/eslint --quiet --stdin --stdin-filename plotly/plotly.min.js \
		< "$$($(PY) -c 'import county_targets.finders as f; print(f.PLOTLY_DIR / f.PLOTLY_JS)')"
	touch $@

run: export DEMO = 1
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput -v0
	-$(PY) manage.py load_demo
	STATIC_MANIFEST=1 $(PY) manage.py collectstatic --noinput -v0
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	STATIC_MANIFEST=1 $(VENV)/bin/gunicorn county_targets.wsgi -k gthread --workers 2 --threads 4 \
		--bind 127.0.0.1:$(PORT)

# Settings come from the environment (docs/deploy.md); the first step refuses to go on without a
# key and hosts. gunicorn replaces the shell (exec) so that systemd's signals reach it; its
# timeout leaves room for the largest imports; systemd, not gunicorn's control socket (which
# would be written into the service user's home), manages it. The app logs each request.
serve: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	STATIC_MANIFEST=1 $(PY) manage.py collectstatic --noinput -v0
	@echo "Serving on http://$(HOST):$(PORT)/"
	STATIC_MANIFEST=1 exec $(VENV)/bin/gunicorn county_targets.wsgi -k gthread \
		--workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) --timeout 120 \
		--no-control-socket

backup: $(VENV)/.runtime
	$(PY) manage.py backup

# The suite runs on every core (pytest-xdist; each worker has its own test database), a file's
# tests on one worker: they share fixtures, servers and LibreOffice profiles. TEST_WORKERS=0 runs
# it in this process, as a debugger wants.
TEST_WORKERS ?= auto
test: export DEMO = 1
test: $(VENV)/.dev
	@echo "make test: database $${DATABASE_URL:-sqlite (default)}"
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(NODE_MODULES); fi
	$(PY) manage.py makemigrations --check --dry-run -v1
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory $(NODE_MODULES) node_modules/.plotly-checked
	node_modules/.bin/stylelint "static/css/**/*.css"
	node_modules/.bin/eslint static/js

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Locations without line numbers, and no wrapping: a merge of two branches that both added text
# conflicts only where they did. Obsolete entries are dropped rather than kept as #~ comments.
# Copies of Django's and django-simple-history's templates keep their own (translated) text.
# locale/zh_Hans holds Chinese for the English text of Django 5.2 and django-axes that their own
# catalogues lack; it is written by hand and only compiled here.
MESSAGES_OPTIONS = --locale en --add-location file --no-wrap --no-obsolete \
	--ignore '$(VENV)/*' --ignore 'node_modules/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'docs/*' \
	--ignore 'templates/admin/search_form.html' --ignore 'templates/simple_history/*'

messages: export DEMO = 1
messages: $(VENV)/.runtime
	$(PY) manage.py makemessages $(MESSAGES_OPTIONS)
	sed -i '/^"POT-Creation-Date: /d' locale/en/LC_MESSAGES/django.po
	$(PY) manage.py compilemessages --ignore '$(VENV)/*'

# The load run uses wrk (Debian's package) when it can be had, else a Python client.
bench: export DEMO = 1
bench: $(VENV)/.dev
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || true
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 .pytest_cache screenshots
