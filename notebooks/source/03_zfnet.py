# %% [markdown] en
# # ZFNet
#
# Zeiler and Fergus, *Visualizing and Understanding Convolutional Networks*
# (2014): AlexNet with a smaller first layer (7×7 kernels at stride 2
# instead of 11×11 at stride 4), a change the authors made after looking at
# what the first layers had learned. Build it, read it, draw it, redo its
# first layer by hand, train a small version on the digits and look at it
# with Grad-CAM.
# %% [markdown] zh
# # ZFNet
#
# Zeiler 和 Fergus 的论文《Visualizing and Understanding Convolutional Networks》（2014）：在 AlexNet 的基础上把第一层改小（7×7 卷积核、步长 2，代替 11×11、步长 4），这是作者观察了前几层学到的内容之后做出的修改。本笔记本构建它、阅读它、画出它、手算第一层、在手写数字上训练一个小尺寸版本，并用 Grad-CAM 观察它。

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
model = kc.zfnet()
table = kc.summary(model)
table

# %% [markdown] en
# ## Draw it
# %% [markdown] zh
# ## 画出结构

# %%
table.diagram()

# %% [markdown] en
# ## The first layer by hand
#
# The paper's conv1 gives 110×110 maps from a 224×224 input. With 7×7
# kernels at stride 2 that needs one pixel of padding on each side: the
# table shows it as its own row, conv1_pad, 226×226. Then
# (226 − 7) / 2 + 1 = 110 (rounded down).
# %% [markdown] zh
# ## 手算第一层
#
# 论文中 conv1 从 224×224 的输入得到 110×110 的特征图。7×7 卷积核、步长 2 时，这需要在每边填充一个像素：表中单独的一行 conv1_pad，尺寸 226×226。于是 (226 − 7) / 2 + 1 = 110（向下取整）。

# %%
side, pad, kernel, stride, channels_in, filters = 224, 1, 7, 2, 3, 96
out = (side + 2 * pad - kernel) // stride + 1
params = (kernel * kernel * channels_in + 1) * filters
macs = out * out * filters * kernel * kernel * channels_in
row = table.row("conv1")
print(f"by hand:   {out}x{out}x{filters}, {params:,} parameters, {macs:,} MACs")
print(f"the table: {row.output_shape}, {row.params:,} parameters, {row.macs:,} MACs")
assert table.row("conv1_pad").output_shape == (side + 2 * pad, side + 2 * pad, channels_in)
assert (out, out, filters) == row.output_shape and params == row.params and macs == row.macs

# %% [markdown] en
# ## Train a small version on the digits
#
# The same layers on a 64×64 input, batches of 32.
# %% [markdown] zh
# ## 在手写数字上训练一个小尺寸版本
#
# 层结构不变，输入为 64×64，批大小为 32。

# %%
from keras_classics.training import train

run = "runs/zfnet"
result = train(
    model="zfnet",
    input_size=64,
    batch_size=32,
    run_dir=run,
    overwrite=True,
    verbose=0,
    epochs=1 if QUICK else 15,
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
