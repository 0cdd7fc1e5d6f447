# Two entry points on a fresh machine: `make run` and `make test`.
# Each creates .venv and installs what it needs; nothing else is assumed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
KB     := $(VENV)/bin/kb
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Ingest the shipped sample archive (articles/), index it, publish the site.
run: $(STAMP)
	$(KB) rebuild
	$(KB) publish
	@echo
	@echo "Try:"
	@echo "  $(KB) event 9321"
	@echo "  $(KB) error 0x2AFC"
	@echo "  $(KB) search \"RPC communications error\""
	@echo "  $(KB) show 279415"
	@echo "  $(KB) serve          # the site in public/, on http://127.0.0.1:8000"

# The browser tests drive Debian's chromium; install it when we can (root, apt).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (for the browser tests) ..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "chromium not found and cannot be installed here; browser tests will skip"; fi; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP) browser lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m benchmarks.extraction --markups

clean:
	rm -rf .kb public .pytest_cache build dist
