# %% [markdown] en
# # LeNet-5
#
# LeCun, Bottou, Bengio and Haffner, *Gradient-based learning applied to
# document recognition* (1998): two convolution and subsampling pairs and
# three fully connected layers on a 32×32 grey image. In this notebook you
# build it, read its layer table, draw it, redo the first layer's
# arithmetic by hand, train it on handwritten digits and look at what it
# learned with Grad-CAM.
# %% [markdown] zh
# # LeNet-5
#
# LeCun、Bottou、Bengio 和 Haffner 的论文《Gradient-based learning applied to document recognition》（1998）：在 32×32 的灰度图像上，两对卷积与下采样层，再接三个全连接层。本笔记本构建它、阅读逐层表、画出结构、手算第一层、在手写数字上训练它，最后用 Grad-CAM 看它学到了什么。

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
model = kc.lenet5()
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
# C1 slides 6 kernels of 5×5 over the 32×32×1 input with stride 1 and no
# padding. The output side is (32 − 5) / 1 + 1; each kernel has 5·5·1
# weights and one bias; each output value costs 5·5·1 multiply-accumulates.
# The cell checks the hand-made numbers against the table's row.
# %% [markdown] zh
# ## 手算第一层
#
# C1 用 6 个 5×5 卷积核在 32×32×1 的输入上滑动，步长 1，不填充。输出边长为 (32 − 5) / 1 + 1；每个卷积核有 5·5·1 个权重和一个偏置；每个输出值需要 5·5·1 次乘加。下面的单元把手算结果与表中的这一行对照。

# %%
side, kernel, stride, channels_in, filters = 32, 5, 1, 1, 6
out = (side - kernel) // stride + 1
params = (kernel * kernel * channels_in + 1) * filters
macs = out * out * filters * kernel * kernel * channels_in
row = table.row("c1")
print(f"by hand:   {out}x{out}x{filters}, {params:,} parameters, {macs:,} MACs")
print(f"the table: {row.output_shape}, {row.params:,} parameters, {row.macs:,} MACs")
assert (out, out, filters) == row.output_shape and params == row.params and macs == row.macs

# %% [markdown] en
# ## Train it on the digits
#
# The paper's recipe on the 8×8 digits that ship with scikit-learn, resized
# to 32×32. `overwrite=True` lets the cell run again.
# %% [markdown] zh
# ## 在手写数字上训练
#
# 使用论文的训练方案，数据是 scikit-learn 自带的 8×8 手写数字，缩放到 32×32。`overwrite=True` 让这个单元可以重复运行。

# %%
from keras_classics.training import train

run = "runs/lenet5"
result = train(
    model="lenet5",
    run_dir=run,
    overwrite=True,
    verbose=0,
    epochs=1 if QUICK else 20,
    steps_per_epoch=3 if QUICK else None,
)
result

# %% [markdown] en
# ## What did it learn? Grad-CAM
#
# Grad-CAM weighs a convolution layer's maps by the gradient of the class
# score and keeps the positive part: where in the image the evidence for
# the predicted class lies. `kc.preprocess` prepares the digit as the run
# did in training. The map has the layer's own resolution (C3: 10×10), so
# it is shown beside the input, not stretched over it.
# %% [markdown] zh
# ## 它学到了什么？Grad-CAM
#
# Grad-CAM 用类别得分的梯度给卷积层的各特征图加权，只保留正的部分：图像中支持预测类别的证据在哪里。`kc.preprocess` 按训练时的方式处理数字图像。热力图保持该层自己的分辨率（C3 为 10×10），所以放在输入旁边显示，而不是拉伸覆盖在输入上。

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
