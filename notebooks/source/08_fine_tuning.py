# %% [markdown] en
# # Fine-tuning converted weights on a folder of images
#
# `keras-classics convert` turns weights published for keras.applications
# or torchvision into a file our builders load. With `classes=K` a builder
# loads every layer but the classifier, which starts fresh for your K
# classes. This notebook goes through the whole path offline: it makes a
# small folder of images, makes a weights file, converts it, loads it for
# three classes, trains the new classifier and predicts.
#
# Nothing is downloaded: a keras.applications ResNet-50 with random weights
# stands in for the published file (with real weights, the steps are the
# same). Its random features make the accuracy below meaningless; the
# point is the path.
# %% [markdown] zh
# # 在一个图像文件夹上微调转换来的权重
#
# `keras-classics convert` 把为 keras.applications 或 torchvision 发布的权重转换成本包构建函数能加载的文件。传入 `classes=K` 时，构建函数加载除分类层以外的所有层，分类层为你的 K 个类别重新初始化。本笔记本离线走完整个流程：生成一个小的图像文件夹，生成一个权重文件并转换它，按三个类别加载，训练新的分类层，然后预测。
#
# 这里不下载任何东西：用一个随机权重的 keras.applications ResNet-50 代替发布的权重文件（换成真实权重时步骤完全相同）。随机的特征使下面的准确率没有意义；重点在于流程本身。

# %%
import os

import numpy as np
from PIL import Image

import keras_classics as kc

# KERAS_CLASSICS_QUICK=1 (the project's tests set it) trains for fewer epochs.
QUICK = os.environ.get("KERAS_CLASSICS_QUICK") == "1"

# %% [markdown] en
# ## A folder of images
#
# One sub-folder per class, as `keras-classics train --data` also reads
# them: stripes, spots and plain colour, 64×64 pixels.
# %% [markdown] zh
# ## 一个图像文件夹
#
# 每个类别一个子文件夹（`keras-classics train --data` 也按这种结构读取）：条纹、斑点和纯色，64×64 像素。

# %%
rng = np.random.default_rng(0)


def make(kind):
    colour = rng.integers(0, 256, 3)
    image = np.zeros((64, 64, 3), np.uint8) + colour.astype(np.uint8)
    if kind == "stripes":
        period = rng.integers(6, 12)
        image[(np.arange(64) // period) % 2 == 0] = 255 - colour
    elif kind == "spots":
        for _ in range(6):
            y, x = rng.integers(8, 56, 2)
            yy, xx = np.ogrid[:64, :64]
            image[(yy - y) ** 2 + (xx - x) ** 2 < 25] = 255 - colour
    return image


classes = ["plain", "spots", "stripes"]
for split, count in (("train", 8), ("test", 4)):
    for kind in classes:
        os.makedirs(f"shapes/{split}/{kind}", exist_ok=True)
        for i in range(count):
            Image.fromarray(make(kind)).save(f"shapes/{split}/{kind}/{i}.png")


def read(split):
    paths = [
        f"shapes/{split}/{kind}/{name}" for kind in classes for name in sorted(os.listdir(f"shapes/{split}/{kind}"))
    ]
    labels = np.array([classes.index(path.split("/")[2]) for path in paths])
    return paths, labels


train_paths, train_labels = read("train")
test_paths, test_labels = read("test")
print(len(train_paths), "training images,", len(test_paths), "test images")

# %% [markdown] en
# ## A weights file, converted
#
# `convert` reads the keras.applications file, checks every tensor's name
# and shape against our ResNet-50, and writes a file that records where the
# weights came from and how their inputs must be prepared.
# %% [markdown] zh
# ## 一个权重文件及其转换
#
# `convert` 读取 keras.applications 的文件，逐个核对每个张量的名字和形状是否与本包的 ResNet-50 相符，然后写出一个文件，其中记录了权重的来源以及输入应当如何预处理。

# %%
import keras

from keras_classics.convert import conversion_info, convert

keras.applications.ResNet50(weights=None).save_weights("resnet50_keras.weights.h5")
convert("resnet50_keras.weights.h5", "resnet50_converted.weights.h5", overwrite=True)
weights = "resnet50_converted.weights.h5"
info = conversion_info(weights)
print(info["model"], info["source"]["source"], info["builder_kwargs"])
print(info["preprocessing"])

# %% [markdown] en
# ## Load it for three classes
#
# The builder says which layer it left fresh. Then every layer but the new
# classifier is frozen: with few images, only the classifier is trained.
# %% [markdown] zh
# ## 按三个类别加载
#
# 构建函数会说明哪一层没有加载、保持新的初始化。然后冻结除新分类层以外的所有层：图像很少时只训练分类层。

# %%
model = kc.resnet50(weights=weights, classes=len(classes))
for layer in model.layers:
    layer.trainable = layer.name == "predictions"
print(model.output_shape, sum(int(np.prod(w.shape)) for w in model.trainable_weights), "trainable parameters")

# %% [markdown] en
# ## Prepare the images as the weights expect, and train
#
# `kc.preprocess(paths, weights)` reads the files and applies the
# convention the conversion recorded (keras.applications' ResNet-50: the
# whole image to 224×224, RGB to BGR, minus the ImageNet mean).
# %% [markdown] zh
# ## 按权重的要求预处理图像，然后训练
#
# `kc.preprocess(paths, weights)` 读取图像文件，并按转换时记录的约定处理（keras.applications 的 ResNet-50：整幅图像缩放到 224×224，RGB 转为 BGR，再减去 ImageNet 的均值）。

# %%
x_train = kc.preprocess(train_paths, weights)
x_test = kc.preprocess(test_paths, weights)
print(x_train.shape, x_train.dtype)
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, train_labels, batch_size=8, epochs=2 if QUICK else 15, verbose=0)
print("training loss by epoch:", [round(v, 3) for v in history.history["loss"]])

# %% [markdown] en
# ## Predict
# %% [markdown] zh
# ## 预测

# %%
predicted = np.argmax(model.predict(x_test, verbose=0), axis=-1)
print("predicted:", [classes[i] for i in predicted])
print("true:     ", [classes[i] for i in test_labels])
print(f"test accuracy: {np.mean(predicted == test_labels):.0%} (random features: chance is 33%)")
