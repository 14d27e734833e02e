"""Session-wide test setup, shared by tests/ and spec/.

One `ModelCache` per pytest session (`keras_classics.spec.model_cache`): every registered
model is built at most once with its registered defaults, summarised in
plain Python and dropped, whether `pytest spec/`, the contract tests or both
ask for it. It is registered as a pytest plugin so that spec/conftest.py and
the fixtures below find the same object.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_classics.spec.loader import SPEC_DIR
from keras_classics.spec.model_cache import MODEL_CACHE_PLUGIN, ModelCache

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
    terminalreporter.write_line(f"model cache: built {len(cache.built())} registered models once each, {seconds:.1f} s")


@pytest.fixture(scope="session")
def model_cache(pytestconfig) -> ModelCache:
    """Summaries of the registered models at their registered defaults."""
    return pytestconfig.pluginmanager.get_plugin(MODEL_CACHE_PLUGIN)


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    return SPEC_DIR


@pytest.fixture(scope="session")
def executed_notebooks():
    """The course notebooks run once per session (scripts/notebooks.py
    ``execute``), the executed copies written to build/notebooks/{en,zh}:
    tests/test_notebooks.py checks each run, and the site that
    tests/test_docs.py builds shows these copies with their outputs.
    ``{name: {"wall", "cpu", "errors"}}``."""
    import importlib.util
    import os

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts", "notebooks.py")
    spec = importlib.util.spec_from_file_location("notebooks_script", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    results = script.execute()
    wall = sum(r["wall"] for r in results.values())
    cpu = sum(r["cpu"] for r in results.values())
    print(f"\nnotebooks executed once: {wall:.1f} s wall, {cpu:.1f} s CPU (kernels)")
    return results
