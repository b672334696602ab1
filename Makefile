# chainrule: `make demo` and `make test` set up everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint notebooks dot chromium screenshot clean

demo: $(STAMP) dot
	$(BIN)/chainrule demo

test: $(STAMP) dot chromium
	CHAINRULE_CHROMIUM="$$(command -v $(CHROMIUM))" $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Re-execute the notebooks and save them with their outputs (their cells live in notebooks/src/).
notebooks: $(STAMP) dot
	$(BIN)/python notebooks/build.py

lint: $(STAMP)
	$(BIN)/ruff check autograd nn tests bench

# The virtual environment, with the package (editable) and every extra; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "chainrule needs Python >= 3.10"' \
	  || { echo "error: $(PYTHON) is older than 3.10; run: make PYTHON=python3.11 ..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# graphviz's `dot` binary draws the graphs; the Python package only calls it.
dot:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "graphviz 'dot' is missing: installing it with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	    command -v dot >/dev/null 2>&1 || { echo "error: apt-get did not provide graphviz's 'dot'"; exit 1; }; \
	  else \
	    echo "error: graphviz's 'dot' binary is missing and cannot be installed automatically (needs root and apt-get)."; \
	    echo "Install it, then run make again:"; \
	    echo "  Debian/Ubuntu: sudo apt-get install graphviz"; \
	    echo "  Fedora:        sudo dnf install graphviz"; \
	    echo "  macOS:         brew install graphviz"; \
	    exit 1; \
	  fi; \
	fi

# Debian's chromium, for the explorer page's browser tests (Playwright drives it; no browser download).
CHROMIUM ?= chromium
chromium:
	@if ! command -v $(CHROMIUM) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "chromium is missing (the browser tests need it): installing it with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    command -v $(CHROMIUM) >/dev/null 2>&1 || { echo "error: apt-get did not provide chromium"; exit 1; }; \
	  else \
	    echo "error: chromium is missing (the explorer page's browser tests drive it) and cannot be installed"; \
	    echo "automatically (needs root and apt-get). Install it, then run make again:"; \
	    echo "  Debian:        sudo apt-get install chromium"; \
	    echo "  Ubuntu:        sudo snap install chromium"; \
	    echo "  or name one of your own: make test CHROMIUM=/path/to/chromium"; \
	    exit 1; \
	  fi; \
	fi

# docs/explorer.png, the README's screenshot of the explorer page, taken by the tests' browser.
screenshot: $(STAMP) dot chromium
	CHAINRULE_CHROMIUM="$$(command -v $(CHROMIUM))" CHAINRULE_SCREENSHOT_TO=docs/explorer.png \
	  $(BIN)/python -m pytest -q tests/test_explore_browser.py -k screenshot

clean:
	rm -rf $(VENV) chainrule-out .pytest_cache .hypothesis
