"""`pytest spec/`: every spec/<model>.yaml becomes test items (spec/FORMAT.md).

Per file: one item per expanded layer (its YAML against the arithmetic, then
the registered model against its YAML), and the items ``registered``,
``input_shape``, ``totals``, ``coverage``, ``deviations``, ``choices``. A
file that does not read or does not match spec/schema.yaml becomes a single
failing item, ``schema``, before anything is built. The pattern is pytest's
doc/en/example/nonpython/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_classics.spec import check
from keras_classics.spec.loader import SCHEMA_PATH, SpecError, load_spec
from keras_classics.spec.model_cache import BuildError, get_cache


def pytest_collect_file(parent, file_path: Path):
    if file_path.suffix == ".yaml" and file_path.name != SCHEMA_PATH.name:
        return SpecFile.from_parent(parent, path=file_path)
    return None


class SpecProblems(Exception):
    """Failure of a spec item: one line per problem."""

    def __init__(self, lines):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


class SpecFile(pytest.File):
    def collect(self):
        try:
            spec = load_spec(self.path)
        except SpecError as error:
            yield SchemaItem.from_parent(self, name="schema", messages=error.messages)
            return
        registered = _registered_entry(spec.model)
        file_items = ("registered", "input_shape", "totals", "coverage", "deviations", "choices")
        for layer in spec.layers:
            name = layer.name if layer.name not in file_items else f"layer:{layer.name}"
            yield LayerItem.from_parent(self, name=name, spec=spec, layer=layer, with_model=registered is not None)
        yield FileItem.from_parent(
            self, name="registered", spec=spec, check_name="registered", line=spec.lines.get("model", 1)
        )
        for check_name in file_items[1:]:
            yield FileItem.from_parent(
                self,
                name=check_name,
                spec=spec,
                check_name=check_name,
                line=spec.lines.get(check_name, spec.lines.get("layers", 1)),
                with_model=registered is not None,
            )


def _registered_entry(name):
    import keras_classics

    try:
        return keras_classics.get_entry(name)
    except keras_classics.UnknownModelError:
        return None


class _SpecItem(pytest.Item):
    line = 1

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, SpecProblems):
            return "\n".join(excinfo.value.lines)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, self.line - 1, f"{self.path.name}:{self.line} {self.name}"

    def _summary(self, spec):
        """The model's summary, or a SpecProblems naming the build error."""
        try:
            return get_cache(self.config).summary(spec.model)
        except BuildError as error:
            raise SpecProblems(
                [f"{spec.file_name}:{self.line} {self.name}: cannot check against the model: {error}"]
            ) from None


class SchemaItem(_SpecItem):
    def __init__(self, *, messages, **kwargs):
        super().__init__(**kwargs)
        self.messages = messages
        try:
            self.line = int(messages[0].split(":")[1])
        except (IndexError, ValueError):
            self.line = 1

    def runtest(self):
        raise SpecProblems(self.messages)


class LayerItem(_SpecItem):
    """One layer: (a) the YAML against the arithmetic, (b) the model against
    the YAML. Every problem is reported, one line each."""

    def __init__(self, *, spec, layer, with_model=True, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec
        self.layer = layer
        self.line = layer.line
        self.with_model = with_model

    def runtest(self):
        problems = check.arithmetic_problems(self.spec, self.layer)
        if self.with_model:
            # Unregistered: the `registered` item of the file fails instead.
            summary = self._summary(self.spec)
            problems += check.model_problems(self.spec, self.layer, summary)
        if problems:
            raise SpecProblems(problems)


class FileItem(_SpecItem):
    """A check over the whole file."""

    def __init__(self, *, spec, check_name, line, with_model=True, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec
        self.check_name = check_name
        self.line = line
        self.with_model = with_model

    def runtest(self):
        spec = self.spec
        name = self.check_name
        if name == "registered":
            entry = _registered_entry(spec.model)
            if entry is None:
                import keras_classics

                raise SpecProblems(
                    [
                        f"{spec.file_name}:{self.line} model: {spec.model!r} is not a "
                        f"registered model (registered: "
                        f"{', '.join(keras_classics.list_models())})"
                    ]
                )
            return
        if name == "choices":
            problems = check.choice_problems(spec)
        else:
            summary = self._summary(spec) if self.with_model else None
            if name == "input_shape":
                entry = _registered_entry(spec.model)
                problems = check.input_shape_problems(spec, summary, None if entry is None else entry.input_shape)
            elif name == "totals":
                problems = check.totals_problems(spec, summary)
            elif name == "coverage":
                problems = [] if summary is None else check.coverage_problems(spec, summary)
            else:
                problems = check.deviation_problems(spec, summary)
        if problems:
            raise SpecProblems(problems)
