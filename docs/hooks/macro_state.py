"""What one docs build computes once (built models, their diagrams) and
the registry as the pages see it."""

from __future__ import annotations

import logging
import time
from typing import Dict, List, Optional

import source_code
import spec_facts
from spec_facts import ModelFacts, model_facts

log = logging.getLogger("mkdocs.hooks.keras_classics")


# Every registered family has a walkthrough page; tests/test_docs.py fails
# when a registered model's family is missing here.
FAMILY_PAGES = {
    "lenet": "networks/lenet.md",
    "alexnet": "networks/alexnet.md",
    "zfnet": "networks/zfnet.md",
    "vgg": "networks/vgg.md",
    "googlenet": "networks/googlenet.md",
    "resnet": "networks/resnet.md",
}
FAMILY_TITLES = {
    "lenet": "LeNet-5",
    "alexnet": "AlexNet",
    "zfnet": "ZFNet",
    "vgg": "VGG",
    "googlenet": "GoogLeNet",
    "resnet": "ResNet",
}
DIAGRAM_DIR = "assets/diagrams"
FIGURE_DIR = "assets/figures"


class BuildState:
    """What one ``mkdocs build`` computes once: built models' anatomies and
    their SVG diagrams, and which models each page documents."""

    def __init__(self):
        self.anatomies: Dict[str, object] = {}
        self.svgs: Dict[tuple, str] = {}  # (model, language) -> SVG
        self.build_seconds: Dict[str, float] = {}
        self.documented: Dict[str, List[str]] = {}  # page src_uri -> models shown

    def anatomy(self, name: str):
        """The anatomy of the registered model ``name``, built once."""
        if name not in self.anatomies:
            import keras

            import keras_classics
            from keras_classics.anatomy import anatomy

            start = time.perf_counter()
            model = keras_classics.build(name)
            self.anatomies[name] = anatomy(model)
            del model
            keras.backend.clear_session()
            self.build_seconds[name] = time.perf_counter() - start
            self._check_against_spec(name)
        return self.anatomies[name]

    def _check_against_spec(self, name: str) -> None:
        # The site prints spec numbers; a built model that disagrees with
        # them would make the diagram contradict the tables.
        if not spec_facts.has_spec(name):
            return
        facts = model_facts(name)
        built = self.anatomies[name]
        for what, ours, theirs in (("parameters", built.params, facts.params), ("MACs", built.macs, facts.macs)):
            if ours != theirs:
                log.warning(f"{name}: the built model has {ours:,} {what}, {facts.file} implies {theirs:,}")

    def svg(self, name: str, language: str = "en") -> str:
        """The diagram of ``name`` with its words in ``language``: each
        language's site gets its own file under the same name."""
        if (name, language) not in self.svgs:
            from keras_classics.diagram import to_svg

            self.svgs[name, language] = to_svg(self.anatomy(name), title=name, language=language)
        return self.svgs[name, language]


STATE = BuildState()


def reset() -> None:
    """Forget everything computed by a previous build (``mkdocs serve``)."""
    STATE.__init__()  # in place: the macro modules hold this one object
    spec_facts.model_facts.cache_clear()
    spec_facts._raw_document.cache_clear()
    source_code._parse.cache_clear()


def registered() -> List[str]:
    import keras_classics

    return keras_classics.list_models()


def entry(name: str):
    import keras_classics

    return keras_classics.get_entry(name)


def facts_or_warn(name: str) -> Optional[ModelFacts]:
    if not spec_facts.has_spec(name):
        log.warning(f"registered model {name!r} has no spec file spec/{name}.yaml; its row is left empty")
        return None
    return model_facts(name)


def builder_call(name: str) -> str:
    """How to get the registered model ``name`` from its builder."""
    item = entry(name)
    kwargs = {k: v for k, v in item.kwargs.items() if k != "name"}
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"{item.builder.__name__}({args})"
