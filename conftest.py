"""Session-wide test setup, shared by tests/ and spec/.

One `ModelCache` per pytest session (spec/_model_cache.py): every registered
model is built at most once with its registered defaults, summarised in
plain Python and dropped, whether `pytest spec/`, the contract tests or both
ask for it. It is registered as a pytest plugin so that spec/conftest.py and
the fixtures below find the same object.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
SPEC_DIR = ROOT / "spec"
# The spec helpers (_spec_loader, _spec_check, _model_cache) live in spec/;
# one entry on sys.path gives tests/ and spec/conftest.py the same modules.
if str(SPEC_DIR) not in sys.path:
    sys.path.insert(0, str(SPEC_DIR))

from _model_cache import MODEL_CACHE_PLUGIN, ModelCache  # noqa: E402

# pytest_plugins is only honoured in the rootdir's conftest.py.
pytest_plugins = ["pytester"]


def pytest_configure(config):
    if config.pluginmanager.get_plugin(MODEL_CACHE_PLUGIN) is None:
        config.pluginmanager.register(ModelCache(), MODEL_CACHE_PLUGIN)


def pytest_terminal_summary(terminalreporter, config):
    cache = config.pluginmanager.get_plugin(MODEL_CACHE_PLUGIN)
    if cache is None or not cache.built() or config.option.verbose < 1:
        return
    seconds = sum(cache.summary(name).build_seconds for name in cache.built())
    terminalreporter.write_line(
        f"model cache: built {len(cache.built())} registered models once each, {seconds:.1f} s")


@pytest.fixture(scope="session")
def model_cache(pytestconfig) -> ModelCache:
    """Summaries of the registered models at their registered defaults."""
    return pytestconfig.pluginmanager.get_plugin(MODEL_CACHE_PLUGIN)


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    return SPEC_DIR
