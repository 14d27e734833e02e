# %% [markdown] en
# # AlexNet
#
# Krizhevsky, Sutskever and Hinton, *ImageNet Classification with Deep
# Convolutional Neural Networks* (2012): five convolutions with ReLU, local
# response normalisation and overlapping max pooling, then three fully
# connected layers with dropout, on 227×227 colour images. Build it, read
# it, draw it, redo its first layer by hand, train a small version on the
# digits and look at it with Grad-CAM.
# %% [markdown] zh
# # AlexNet
#
# Krizhevsky、Sutskever 和 Hinton 的论文《ImageNet Classification with Deep Convolutional Neural Networks》（2012）：在 227×227 的彩色图像上，五个带 ReLU 的卷积层，配合局部响应归一化和重叠最大池化，再接三个带 dropout 的全连接层。本笔记本构建它、阅读它、画出它、手算第一层、在手写数字上训练一个小尺寸版本，并用 Grad-CAM 观察它。

# %%
import os

import numpy as np

import keras_classics as kc

# KERAS_CLASSICS_QUICK=1 (the project's tests set it) cuts the training to a few steps.
QUICK = os.environ.get("KERAS_CLASSICS_QUICK") == "1"

# %% [markdown] en
# ## Build it and read the layer table
#
# Note where the parameters sit: the fully connected layers hold most of
# them, the convolutions most of the multiply-accumulates.
# %% [markdown] zh
# ## 构建网络，阅读逐层表
#
# 注意参数的分布：大部分参数在全连接层，大部分乘加运算在卷积层。

# %%
model = kc.alexnet()
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
# conv1 has 96 kernels of 11×11×3 with stride 4 and no padding on the
# 227×227×3 input: (227 − 11) / 4 + 1 = 55 positions per side.
# %% [markdown] zh
# ## 手算第一层
#
# conv1 有 96 个 11×11×3 的卷积核，步长 4，不填充，输入为 227×227×3：每边 (227 − 11) / 4 + 1 = 55 个位置。

# %%
side, kernel, stride, channels_in, filters = 227, 11, 4, 3, 96
out = (side - kernel) // stride + 1
params = (kernel * kernel * channels_in + 1) * filters
macs = out * out * filters * kernel * kernel * channels_in
row = table.row("conv1")
print(f"by hand:   {out}x{out}x{filters}, {params:,} parameters, {macs:,} MACs")
print(f"the table: {row.output_shape}, {row.params:,} parameters, {row.macs:,} MACs")
assert (out, out, filters) == row.output_shape and params == row.params and macs == row.macs

# %% [markdown] en
# ## Train a small version on the digits
#
# The same layers on a 67×67 input: about the smallest side whose maps
# survive conv1 and the three 3×3 poolings of stride 2 (67 → 15 → 7 → 3 → 1).
# The digits are resized and given three equal channels; the recipe is the
# paper's, with batches of 32.
# %% [markdown] zh
# ## 在手写数字上训练一个小尺寸版本
#
# 层结构不变，输入为 67×67：这大约是经过 conv1 和三次步长为 2 的 3×3 池化后特征图仍不消失的最小边长（67 → 15 → 7 → 3 → 1）。数字图像被放大，并复制成三个相同的通道；训练方案沿用论文，批大小为 32。

# %%
from keras_classics.training import train

run = "runs/alexnet"
result = train(
    model="alexnet",
    input_size=67,
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
#
# The evidence for the predicted class at the last convolution whose map
# has more than one position (conv5, 3×3 at this input size), beside the
# digit as the network saw it.
# %% [markdown] zh
# ## 它学到了什么？Grad-CAM
#
# 在最后一个特征图多于一个位置的卷积层（conv5，此输入尺寸下为 3×3）上，支持预测类别的证据，与网络看到的数字图像并排显示。

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
