"""A throwaway network for testing the spec checker: tiny, built in
milliseconds, with a branch, a merge, batch norm and a template-shaped
pair of layers. tiny.yaml is its spec."""

import keras


def tiny(*, input_shape=(8, 8, 3), filters=4, pool=2, use_bn=True, classes=5, name="tiny"):
    # The model cache builds every registered model at its registered
    # input_shape, as the registry's builders take it.
    inputs = keras.Input(input_shape, name="input")
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name="conv1")(inputs)
    branch = keras.layers.Conv2D(2, 1, name="branch_a")(x)
    branch = keras.layers.Conv2D(2, 1, name="branch_b")(branch)
    x = keras.layers.Concatenate(name="merge")([x, branch])
    if use_bn:
        x = keras.layers.BatchNormalization(epsilon=1e-5, name="merge_bn")(x)
    x = keras.layers.MaxPooling2D(pool, name="pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)
