# %% [markdown] en
# # VGG
#
# Simonyan and Zisserman, *Very Deep Convolutional Networks for Large-Scale
# Image Recognition* (2015): only 3×3 convolutions, stacked in five stages
# separated by 2×2 max pooling, from 11 to 19 weight layers. Build VGG-16,
# read it, draw it, check by hand what a stack of two 3×3 convolutions
# sees, train the smallest configuration (VGG-11) on the digits and look at
# it with Grad-CAM.
# %% [markdown] zh
# # VGG
#
# Simonyan 和 Zisserman 的论文《Very Deep Convolutional Networks for Large-Scale Image Recognition》（2015）：只用 3×3 卷积，堆叠成五段，段与段之间用 2×2 最大池化隔开，共 11 到 19 个带权重的层。本笔记本构建 VGG-16、阅读它、画出它，手算两个 3×3 卷积叠加后能看到多大的区域，在手写数字上训练最小的配置（VGG-11），并用 Grad-CAM 观察它。

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
model = kc.vgg16()
table = kc.summary(model)
table

# %% [markdown] en
# ## Draw it
# %% [markdown] zh
# ## 画出结构

# %%
table.diagram()

# %% [markdown] en
# ## Two 3×3 layers by hand
#
# block1_conv1 has 64 kernels of 3×3×3 with one pixel of padding, so the
# 224×224 side is kept. block1_conv2 puts 64 kernels of 3×3×64 on top: each
# of its outputs sees a 5×5 patch of the input (receptive field
# r' = r + (k − 1)·j = 3 + 2·1), with fewer weights than one 5×5 layer of
# the same width would have.
# %% [markdown] zh
# ## 手算两个 3×3 层
#
# block1_conv1 有 64 个 3×3×3 的卷积核，每边填充一个像素，所以 224×224 的边长保持不变。block1_conv2 在其上放 64 个 3×3×64 的卷积核：它的每个输出看到输入中 5×5 的区域（感受野 r' = r + (k − 1)·j = 3 + 2·1），而权重比同样宽度的单个 5×5 层少。

# %%
side, pad, kernel, filters = 224, 1, 3, 64
out = (side + 2 * pad - kernel) // 1 + 1
first = (kernel * kernel * 3 + 1) * filters
second = (kernel * kernel * filters + 1) * filters
one_5x5 = (5 * 5 * filters + 1) * filters
receptive_field = kernel + (kernel - 1) * 1
rows = table.row("block1_conv1"), table.row("block1_conv2")
print(f"by hand:   {out}x{out}x{filters}, {first:,} and {second:,} parameters, receptive field {receptive_field}")
print(
    f"the table: {rows[1].output_shape}, {rows[0].params:,} and {rows[1].params:,} parameters, "
    f"receptive field {rows[1].receptive_field.size}"
)
print(f"one 5x5 layer of 64 maps on 64 maps would have {one_5x5:,} parameters")
assert (out, out, filters) == rows[1].output_shape and (first, second) == (rows[0].params, rows[1].params)
assert receptive_field == rows[1].receptive_field.size

# %% [markdown] en
# ## Train VGG-11 on the digits
#
# Configuration A of the paper, on a 32×32 input: five poolings bring it to
# 1×1 before the fully connected layers. Batches of 32.
# %% [markdown] zh
# ## 在手写数字上训练 VGG-11
#
# 论文中的配置 A，输入为 32×32：五次池化后到达全连接层前为 1×1。批大小为 32。

# %%
from keras_classics.training import train

run = "runs/vgg11"
result = train(
    model="vgg11",
    input_size=32,
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
