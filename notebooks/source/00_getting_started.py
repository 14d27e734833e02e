# %% [markdown] en
# # Getting started with keras_classics
#
# The classic convolutional networks, from LeNet-5 to ResNet, built as their
# papers describe them. This notebook builds one, reads its layer table,
# draws it, trains it for a moment on handwritten digits and asks it to
# classify one.
# %% [markdown] zh
# # keras_classics 入门
#
# 从 LeNet-5 到 ResNet 的经典卷积网络，按各自论文的描述构建。本笔记本构建其中一个网络，阅读它的逐层表，画出它的结构，在手写数字上训练片刻，再让它识别一个数字。

# %%
import os

import numpy as np

import keras_classics as kc

# KERAS_CLASSICS_QUICK=1 (the project's tests set it) cuts the training to a few steps.
QUICK = os.environ.get("KERAS_CLASSICS_QUICK") == "1"

# %% [markdown] en
# ## Which networks are there?
#
# `list_models` takes shell-style patterns, as timm's does.
# %% [markdown] zh
# ## 有哪些网络？
#
# `list_models` 接受 shell 风格的通配符，与 timm 的用法相同。

# %%
print(len(kc.list_models()), "models")
kc.list_models("resnet*")

# %% [markdown] en
# ## Build one and read its layer table
#
# Every registered name is a builder: `kc.lenet5()` returns an ordinary
# Keras model. `kc.summary` gives its layers with their output shapes,
# parameters, multiply-accumulates (MACs) and receptive fields; in a
# notebook it shows as a table.
# %% [markdown] zh
# ## 构建一个网络，阅读它的逐层表
#
# 每个注册的名字都是一个构建函数：`kc.lenet5()` 返回一个普通的 Keras 模型。`kc.summary` 列出各层的输出形状、参数量、乘加次数（MACs）和感受野；在笔记本里以表格显示。

# %%
model = kc.lenet5()
table = kc.summary(model)
table

# %% [markdown] en
# The same table as Markdown, CSV or LaTeX, for a handout:
# %% [markdown] zh
# 同一张表也可以导出为 Markdown、CSV 或 LaTeX，用来制作讲义：

# %%
print(table.to_markdown()[:600])

# %% [markdown] en
# ## Draw it
# %% [markdown] zh
# ## 画出它的结构

# %%
table.diagram()

# %% [markdown] en
# ## Train it for a moment
#
# `train` uses the paper's recipe and the digits that ship with scikit-learn
# (nothing is downloaded). Its result shows its numbers and learning
# curves; the run folder keeps the model, the settings and the metrics.
# `overwrite=True` lets the cell run again.
# %% [markdown] zh
# ## 训练片刻
#
# `train` 使用论文中的训练方案，数据是 scikit-learn 自带的手写数字（不需要下载）。训练结果会显示各项数字和学习曲线；运行目录保存模型、设置和指标。`overwrite=True` 让这个单元可以重复运行。

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
# ## Classify a digit
#
# `kc.preprocess` prepares an image as the run did in training (LeNet-5:
# resized to 32×32, background −0.1 and ink 1.175), so the model sees what
# it was trained on.
# %% [markdown] zh
# ## 识别一个数字
#
# `kc.preprocess` 按训练时的方式处理图像（LeNet-5：缩放到 32×32，背景为 −0.1，笔迹为 1.175），让模型看到与训练时相同的输入。

# %%
from keras_classics.training.data import load_digits

digits = load_digits()
image, label = digits.test.items[0], digits.test.labels[0]
trained = kc.load_model(f"{run}/best.keras")
x = kc.preprocess(image, run)
scores = trained.predict(x, verbose=0)[0]
print("true digit:", label, "| predicted:", int(np.argmax(scores)), "| input:", x.shape, x.min(), x.max())

# %% [markdown] en
# ## Where next
#
# One notebook per network family (LeNet, AlexNet, ZFNet, VGG, GoogLeNet,
# ResNet), one for the lab, which reruns the papers' experiments, and one
# on fine-tuning converted weights on your own images.
# %% [markdown] zh
# ## 接下来
#
# 每个网络家族（LeNet、AlexNet、ZFNet、VGG、GoogLeNet、ResNet）各有一个笔记本；另有一个介绍实验室（重做论文中的实验），一个介绍在自己的图像上微调转换来的权重。
