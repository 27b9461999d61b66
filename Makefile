# Two commands: `make run` (set up everything and serve the demo), `make test` (all tests,
# on SQLite and on the local PostgreSQL). `make test-fast` while working: no browser, SQLite only.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
export FLASK_APP := wsgi

.PHONY: run run-cluster test test-fast test-sqlite test-pg setup migrate demo chromium nginx redis ffmpeg axe bench bench-quiz clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo

run: demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Production's layout on one machine: two gunicorn instances, a jobs worker, Redis and nginx on
# http://127.0.0.1:8080 over the local PostgreSQL (database dvc_cluster); deploy/cluster.py says more.
run-cluster: setup nginx redis ffmpeg
	$(BIN)/python deploy/cluster.py

# Debian's packages, as root or with sudo.
apt_install = { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; fi; }

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || $(call apt_install,chromium)

# Debian's nginx and Redis, for the multi-host test and `make run-cluster` (not started as services here).
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || $(call apt_install,nginx)

redis:
	@command -v redis-server >/dev/null 2>&1 || $(call apt_install,redis-server)

# Debian's ffmpeg: phone videos (MOV, 3GP, HEVC) are converted to MP4 and given a poster frame
# by a background job; the app hosts and every jobs worker need it.
ffmpeg:
	@command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || $(call apt_install,ffmpeg)

# axe-core (pinned in package-lock.json) for the accessibility browser test; no build step for the app.
axe:
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund

test: test-sqlite test-pg

# Everything but the browser and PostgreSQL tests, on SQLite; prints how long it took.
test-fast: setup
	@start=$$(date +%s); \
	DATABASE_URL= $(BIN)/python -m pytest -q -p no:cacheprovider -m "not e2e and not postgres"; status=$$?; \
	echo "test-fast: $$(( $$(date +%s) - start )) s"; exit $$status

test-sqlite: setup chromium nginx ffmpeg axe
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-pg: setup chromium nginx ffmpeg axe
	DATABASE_URL=$(PG_TEST_URL) PG_TEST_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q -p no:cacheprovider

bench: setup
	$(BIN)/python bench/unit_tree.py
	$(BIN)/python bench/quiz_load.py
	$(BIN)/python bench/certificates.py
	$(BIN)/python bench/results.py

# 600 students take a 20-question round at once under gunicorn on the local PostgreSQL.
bench-quiz: setup
	$(BIN)/python bench/quiz_load.py

clean:
	rm -rf $(VENV) instance node_modules
