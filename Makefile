# Two commands do all the set-up on a fresh clone (only Python 3.10+ and make
# needed): `make train` and `make test`. Both create .venv and install the
# package with what it needs, once; later runs reuse it.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# Re-install when the project's dependencies change.
STAMP   = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Quiets mkdocs-material's end-of-life banner; it changes nothing else.
export NO_MKDOCS_2_WARNING = 1

.PHONY: train test lint install browser docs bench clean

$(STAMP): pyproject.toml
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $@

install: $(STAMP)

# The site's browser test drives Debian's chromium (never a downloaded build);
# a Chinese font lets its screenshots of the Chinese pages show the text.
browser:
	@test -x /usr/bin/chromium && test -x /usr/bin/chromedriver && fc-list :lang=zh | grep -q . || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei; }

# The main job: train LeNet-5 on the embedded digits and print its test accuracy.
# Each run gets its own folder, so running it again never clobbers a finished
# run (the CLI refuses to reuse one) and always trains.
train: $(STAMP)
	$(BIN)/keras-classics train lenet5 --run-dir runs/lenet5-$$(date +%Y%m%d-%H%M%S)

# Lint and format check (settings in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole test suite: lint, arithmetic, layers, builders, `pytest spec/`,
# the doctests, the site.
test: $(STAMP) browser lint
	$(BIN)/python -m pytest

docs: $(STAMP)
	$(BIN)/mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) runs lab-runs site artifacts .pytest_cache .hypothesis
