# Two commands do all the set-up on a fresh clone (only Python 3.10+ and make
# needed): `make train` and `make test`. Both create .venv and install the
# package with what it needs, once; later runs reuse it.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# Re-install when the project's dependencies change.
STAMP   = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: train test install clean

$(STAMP): pyproject.toml
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(STAMP)

# The main job: train LeNet-5 on the embedded digits and print its test accuracy.
train: $(STAMP)
	$(BIN)/keras-classics train lenet5

# The whole test suite: arithmetic, layers, builders, `pytest spec/`.
test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) runs site .pytest_cache .hypothesis
