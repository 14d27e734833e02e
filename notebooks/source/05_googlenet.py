# %% [markdown] en
# # GoogLeNet
#
# Szegedy et al., *Going Deeper with Convolutions* (2015): nine Inception
# modules, each running 1×1, 3×3 and 5×5 convolutions and a pooling side by
# side, with 1×1 convolutions that reduce the channels before the costly
# kernels; global average pooling instead of large fully connected layers.
# Build it, read it, draw it, work out by hand what one 1×1 reduction
# saves, train it small on the digits and look at it with Grad-CAM.
# %% [markdown] zh
# # GoogLeNet
#
# Szegedy 等人的论文《Going Deeper with Convolutions》（2015）：九个 Inception 模块，每个模块并列运行 1×1、3×3、5×5 卷积和一个池化分支，并在昂贵的卷积之前用 1×1 卷积减少通道数；最后用全局平均池化代替大的全连接层。本笔记本构建它、阅读它、画出它，手算一个 1×1 降维节省了多少，在手写数字上训练一个小尺寸版本，并用 Grad-CAM 观察它。

# %%
import os

import numpy as np

import keras_classics as kc

# KERAS_CLASSICS_QUICK=1 (the project's tests set it) cuts the training to a few steps.
QUICK = os.environ.get("KERAS_CLASSICS_QUICK") == "1"

# %% [markdown] en
# ## Build it and read the layer table
# %% [markdown] zh
# ## 构建网络，阅读逐层表

# %%
model = kc.googlenet()
table = kc.summary(model)
table

# %% [markdown] en
# ## Draw it
#
# A deep network is drawn block by block; `expand` opens one module.
# %% [markdown] zh
# ## 画出结构
#
# 较深的网络按模块画出；`expand` 展开其中一个模块。

# %%
drawing = table.diagram()
print(drawing.blocks)
drawing

# %%
drawing.expand("inception3a")

# %% [markdown] en
# ## One 1×1 reduction by hand
#
# In module 3a the 5×5 branch turns 28×28×192 maps into 32 maps. Directly,
# each of its 32 kernels would have 5·5·192 weights. The module first
# reduces to 16 maps with a 1×1 convolution (192 weights per kernel), then
# runs the 5×5 kernels on those 16.
# %% [markdown] zh
# ## 手算一个 1×1 降维
#
# 在模块 3a 中，5×5 分支把 28×28×192 的特征图变成 32 个特征图。若直接计算，32 个卷积核每个有 5·5·192 个权重。该模块先用 1×1 卷积降到 16 个特征图（每个卷积核 192 个权重），再在这 16 个特征图上做 5×5 卷积。

# %%
side, channels_in, reduced, filters = 28, 192, 16, 32
direct = (5 * 5 * channels_in + 1) * filters
reduce_params = (1 * 1 * channels_in + 1) * reduced
conv_params = (5 * 5 * reduced + 1) * filters
macs = side * side * (reduced * channels_in + filters * 5 * 5 * reduced)
direct_macs = side * side * filters * 5 * 5 * channels_in
rows = table.row("inception3a_5x5_reduce"), table.row("inception3a_5x5")
print(f"by hand:   {reduce_params:,} + {conv_params:,} parameters, {macs:,} MACs")
print(f"the table: {rows[0].params:,} + {rows[1].params:,} parameters, {rows[0].macs + rows[1].macs:,} MACs")
print(f"without the reduction: {direct:,} parameters, {direct_macs:,} MACs ({direct_macs / macs:.1f} times as many)")
assert (reduce_params, conv_params) == (rows[0].params, rows[1].params)
assert macs == rows[0].macs + rows[1].macs

# %% [markdown] en
# ## Train it small on the digits
#
# The same modules on a 64×64 input; global average pooling makes the
# classifier independent of the input size. Batches of 32.
# %% [markdown] zh
# ## 在手写数字上训练一个小尺寸版本
#
# 模块不变，输入为 64×64；全局平均池化让分类器与输入尺寸无关。批大小为 32。

# %%
from keras_classics.training import train

run = "runs/googlenet"
result = train(
    model="googlenet",
    input_size=64,
    batch_size=32,
    run_dir=run,
    overwrite=True,
    verbose=0,
    epochs=1 if QUICK else 10,
    steps_per_epoch=3 if QUICK else None,
)
result

# %% [markdown] en
# ## What did it learn? Grad-CAM
# %% [markdown] zh
# ## 它学到了什么？Grad-CAM

# %%
from keras_classics.display.figure import FigureImage, new_figure
from keras_classics.training.data import load_digits
from keras_classics.visualize import grad_cam

digits = load_digits()
image, label = digits.test.items[0], digits.test.labels[0]
trained = kc.load_model(f"{run}/best.keras")
x, shown = kc.preprocess(image, run, display=True)
predicted = int(np.argmax(trained.predict(x, verbose=0)[0]))
cam = grad_cam(trained, x)

figure = new_figure(6, 3, layout="constrained")
left, right = figure.subplots(1, 2)
left.imshow(shown[0].squeeze(), cmap="gray")
left.set_title(f"digit {label}, predicted {predicted}")
right.imshow(cam, cmap="jet")
right.set_title(f"Grad-CAM, {cam.shape[0]}x{cam.shape[1]}")
FigureImage(figure)
