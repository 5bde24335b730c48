# Quick start: `make run` and `make test`. Everything they need is installed from here.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The demo seller's own addresses (mail from them is outbound); override for real use.
export SELLER_ADDRESSES ?= support@example-seller.com,service@mugshop.de
# The demo seller's own mail servers: Seller Central copies they saw pass DKIM stop clocks.
export MAIL_AUTHSERV_IDS ?= mx1.example-seller.com,mx01.mugshop.de
export DJANGO_SETTINGS_MODULE := helpdesk.settings

.PHONY: run test test-quick load setup system-deps migrate demo lint bench screenshots clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# The project's bytecode is written here, once: every command, worker and test subprocess
# then starts without compiling it (PYTHONDONTWRITEBYTECODE, set in some environments,
# would otherwise make each start compile every module it imports).
setup: $(VENV)/.installed
	@mkdir -p var
	@$(PY) -m compileall -q helpdesk >/dev/null

# System packages the tests drive for real: Dovecot (IMAP), Chromium (browser tests), and
# Redis and PostgreSQL binaries (the fault tests start, stop and restart their own servers).
system-deps:
	@missing=""; \
	command -v dovecot >/dev/null || missing="$$missing dovecot-imapd"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing system packages:$$missing (run: sudo apt-get install$$missing)"; fi; \
	fi

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# The whole product on one machine (helpdesk/devserver.py): web server, periodic jobs, job
# worker (with REDIS_URL) and a mail catcher; Ctrl-C stops all of it.
run: demo
	$(PY) -m helpdesk.devserver --port $(PORT)

test: setup system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything but the long fault runs (-m 'not slow').
test-quick: setup system-deps
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

# The load test of docs/RELIABILITY.md (PostgreSQL bench_load, Redis DB 7, gunicorn, locust).
load: setup
	$(PY) bench/load/run.py $(LOAD_ARGS)

lint: setup
	$(VENV)/bin/ruff check helpdesk tests bench

clean:
	rm -rf $(VENV) var

# Screenshots of the inbox and a ticket page on the demo data (docs/screenshots/, linked
# from README), taken by Playwright driving Debian's Chromium.
screenshots: setup system-deps
	@fc-list 2>/dev/null | grep -qi "microhei\|cjk" || { if [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; \
	  else echo "The demo's Japanese mail needs a CJK font: apt-get install fonts-wqy-microhei"; fi; }
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q -p no:cacheprovider tests/browser/test_screenshots.py
