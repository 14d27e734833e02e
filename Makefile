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

# pip is quiet for a good two minutes here: say so before and after.
$(STAMP): pyproject.toml
	@echo "make: installing keras-classics with TensorFlow, JAX and the docs tools into $(VENV)" \
	  "(about 3 GB on disk; about 2 minutes the first time, longer on a slow network) ..."
	@rm -f $(VENV)/.installed-*
	@start=$$(date +%s) && \
	$(PYTHON) -m venv $(VENV) && \
	$(BIN)/python -m pip install --quiet --upgrade pip && \
	$(BIN)/python -m pip install --quiet -e ".[test,docs]" && \
	touch $@ && \
	echo "make: $(VENV) is ready ($$(( $$(date +%s) - start )) s)"

install: $(STAMP)

# The site's browser test drives Debian's chromium (never a downloaded build);
# a Chinese font lets its screenshots of the Chinese pages show the text.
# The explorer's JavaScript is tested under Node (18 or newer) against the Python.
# cairosvg (plot -o FILE.png|.pdf) needs the system's cairo library.
browser:
	@test -x /usr/bin/chromium && test -x /usr/bin/chromedriver && fc-list :lang=zh | grep -q . || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei; }
	@command -v node >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs; }
	@/sbin/ldconfig -p | grep -q 'libcairo\.so\.2' || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcairo2; }

# The main job: train LeNet-5 on the embedded digits and print its test accuracy.
# Each run gets its own folder, runs/lenet5-<time>. After Ctrl-C or a kill,
# `make train` resumes the newest unfinished run with the same settings
# (--resume-latest); a finished run is never trained again, so the next
# `make train` starts a new folder. TRAIN_ARGS adds options, e.g.
# make train TRAIN_ARGS="--epochs 3"; RUNS moves the folders.
RUNS       ?= runs
TRAIN_ARGS ?=
train: $(STAMP)
	$(BIN)/keras-classics train lenet5 --run-dir $(RUNS)/lenet5-$$(date +%Y%m%d-%H%M%S) \
	  --resume-latest '$(RUNS)/lenet5-*' $(TRAIN_ARGS)

# Lint and format check (settings in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole test suite: lint, arithmetic, layers, builders, `pytest spec/`,
# the doctests, the site.
test: $(STAMP) browser lint
	$(BIN)/python -m pytest

# The notebooks run first (a few minutes), so that their pages show outputs.
docs: $(STAMP)
	$(BIN)/python scripts/notebooks.py --execute
	$(BIN)/mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) runs lab-runs site artifacts .pytest_cache .hypothesis
