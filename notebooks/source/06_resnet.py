# %% [markdown] en
# # ResNet
#
# He, Zhang, Ren and Sun, *Deep Residual Learning for Image Recognition*
# (2016): blocks that learn a residual F(x) added to their input x, so that
# a very deep network is no harder to train than a shallow one. Build
# ResNet-50, read it, draw it, redo its first layer by hand, train the
# paper's small CIFAR network (ResNet-20) on the digits and look at it with
# Grad-CAM.
# %% [markdown] zh
# # ResNet
#
# He、Zhang、Ren 和 Sun 的论文《Deep Residual Learning for Image Recognition》（2016）：每个模块学习一个残差 F(x)，再加到它的输入 x 上，使得很深的网络不比浅的网络更难训练。本笔记本构建 ResNet-50、阅读它、画出它、手算第一层，在手写数字上训练论文中用于 CIFAR 的小网络（ResNet-20），并用 Grad-CAM 观察它。

# %%
import os

import numpy as np

import keras_classics as kc

# KERAS_CLASSICS_QUICK=1 (the project's tests set it) cuts the training to a few steps.
QUICK = os.environ.get("KERAS_CLASSICS_QUICK") == "1"

# %% [markdown] en
# ## Build it and read the layer table
#
# Batch normalisation's moving mean and variance count as non-trainable
# parameters in Keras.
# %% [markdown] zh
# ## 构建网络，阅读逐层表
#
# 在 Keras 中，批归一化的滑动均值和方差算作不可训练参数。

# %%
model = kc.resnet50()
table = kc.summary(model)
table

# %% [markdown] en
# ## Draw it
#
# Block by block; `expand` opens one bottleneck block, whose shortcut
# carries x around three convolutions.
# %% [markdown] zh
# ## 画出结构
#
# 按模块画出；`expand` 展开一个瓶颈模块，可以看到捷径连接把 x 绕过三个卷积直接送到相加处。

# %%
drawing = table.diagram()
drawing

# %%
drawing.expand("conv2_block1")

# %% [markdown] en
# ## The first layer by hand
#
# conv1 has 64 kernels of 7×7×3 with stride 2 and three pixels of padding
# on each side (the conv1_pad row: 230×230), and no bias, since batch
# normalisation follows: (230 − 7) / 2 + 1 = 112 (rounded down).
# %% [markdown] zh
# ## 手算第一层
#
# conv1 有 64 个 7×7×3 的卷积核，步长 2，每边填充三个像素（conv1_pad 一行：230×230），没有偏置，因为后面紧跟批归一化：(230 − 7) / 2 + 1 = 112（向下取整）。

# %%
side, pad, kernel, stride, channels_in, filters = 224, 3, 7, 2, 3, 64
out = (side + 2 * pad - kernel) // stride + 1
params = kernel * kernel * channels_in * filters
macs = out * out * filters * kernel * kernel * channels_in
row = table.row("conv1_conv")
print(f"by hand:   {out}x{out}x{filters}, {params:,} parameters, {macs:,} MACs")
print(f"the table: {row.output_shape}, {row.params:,} parameters, {row.macs:,} MACs")
assert (out, out, filters) == row.output_shape and params == row.params and macs == row.macs

# %% [markdown] en
# ## Train ResNet-20 on the digits
#
# The paper's CIFAR-10 network (Section 4.2): three stages of 16, 32 and 64
# maps on a 32×32 input, three basic blocks each. The digits are resized to
# 32×32 with three equal channels.
# %% [markdown] zh
# ## 在手写数字上训练 ResNet-20
#
# 论文第 4.2 节用于 CIFAR-10 的网络：在 32×32 的输入上分三段，分别有 16、32、64 个特征图，每段三个基本模块。数字图像缩放到 32×32，并复制成三个相同的通道。

# %%
from keras_classics.training import train

run = "runs/resnet20"
result = train(
    model="resnet20",
    run_dir=run,
    overwrite=True,
    verbose=0,
    epochs=1 if QUICK else 15,
    steps_per_epoch=3 if QUICK else None,
)
result

# %% [markdown] en
# ## What did it learn? Grad-CAM
#
# At the last stage's output (8×8 maps).
# %% [markdown] zh
# ## 它学到了什么？Grad-CAM
#
# 在最后一段的输出上（8×8 的特征图）。

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
