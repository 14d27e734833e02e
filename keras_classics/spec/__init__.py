"""The spec library: reading ``spec/<model>.yaml`` and checking models against it.

* `keras_classics.spec.layer_types`: one definition per layer type (its YAML
  fields and defaults, its Keras classes and config keys, its shape,
  parameter, MAC and receptive-field rules), read by everything below, by
  `keras_classics.anatomy` and by the site.
* `keras_classics.spec.loader`: YAML with line numbers, the schema, templates.
* `keras_classics.spec.check`: the checks of ``pytest spec/`` as plain functions.
* `keras_classics.spec.model_cache`: built models as plain-Python summaries.

The spec files themselves live in the checkout's ``spec/`` folder, whose
``conftest.py`` turns them into pytest items. Expected values come only from
the YAML: nothing here reads a builder's tables. The loader and the checker
need jsonschema (the ``test`` extra); `layer_types` needs only the package,
so this file imports nothing.
"""
