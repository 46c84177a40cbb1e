# Một Cửa — two commands for a newcomer:
#   make run    creates .venv, installs everything, starts the whole hall on SQLite with the bundled config.yaml
#   make test   installs everything and runs every test
# (both install the exact versions in constraints.txt; after changing pyproject.toml's dependencies run `make lock`)
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT    ?= 5000
# Every pip install takes the exact versions in constraints.txt; `make lock` rewrites it after pyproject.toml changes.
EXTRAS  := server,postgres,redis,reports,kiosk,display,test
PIP_PIN := pip==26.3
UV_PIN  := uv==0.13.8
# Debian packages the hall needs: Unicode fonts for Vietnamese, the offline voice, audio tools, a browser for the tests.
DEBS    := fonts-dejavu-core fonts-noto-core espeak-ng sox chromium imagemagick poppler-utils

.PHONY: run test install lock system-deps js screenshots clean

run: install
	$(VENV)/bin/motcua run --port $(PORT)

# Every test, on two workers (pytest-xdist): a test file's tests stay together on one worker, in order.
TEST_WORKERS ?= 2
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The fast ring, under a minute: engine, config, numbers, views, reports, the screens' state machines — no server
# process, browser, PostgreSQL or Redis (tests/conftest.py marks each test by the fixtures it uses; docs/testing.md).
.PHONY: test-fast
test-fast: install
	$(PY) -m pytest -m fast -q $(PYTEST_ARGS)

install: $(STAMP) system-deps js

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install -q '$(PIP_PIN)'
	$(PY) -m pip install -q -c constraints.txt --build-constraint constraints.txt -e '.[$(EXTRAS)]'
	touch $@

# Pin every package of every extra, for Python 3.11+ on any OS. Pins already in constraints.txt are kept (a new
# dependency is added at its newest allowed version); `make lock LOCK_ARGS=--upgrade` moves every pin to the newest
# release pyproject.toml allows, `LOCK_ARGS="--upgrade-package babel"` one of them. Then `make test`.
lock: | $(PY)
	$(PY) -m pip install -q '$(UV_PIN)'
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 --quiet \
	  --custom-compile-command 'make lock' -o constraints.txt $(LOCK_ARGS)

system-deps:
	@if command -v dpkg >/dev/null 2>&1; then \
	  missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	  if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi; \
	else echo "not a Debian system: install fonts (Noto/DejaVu), espeak-ng, sox, chromium and npm yourself"; fi

# The socket.io browser client from npm (package-lock.json), copied into hall/static/vendor — never a CDN.
js: hall/static/vendor/socket.io.min.js

hall/static/vendor/socket.io.min.js: package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p hall/static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js hall/static/vendor/
	touch $@

# Copy the screenshots the tests made into docs/screenshots (shown in the README).
screenshots:
	$(PY) -m pytest -q tests -k "screenshot or screen" >/dev/null || true
	$(PY) scripts/pick_screenshots.py

clean:
	rm -rf $(VENV) node_modules hall/static/vendor out data .pytest_cache
