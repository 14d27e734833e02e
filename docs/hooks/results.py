"""The error rates each paper reports for its own networks, transcribed
from the paper's tables (not computed: the package trains no ImageNet
model). Each row names the table it comes from, so a reader can check it.

Errors are percentages; ``None`` where the table leaves the cell empty.
``val`` is the ILSVRC validation set, ``test`` the challenge's test set,
whose labels only the organisers hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Result:
    family: str
    entry: str  # as the paper's table names it
    kind: str  # "single model" or "ensemble"
    top1_val: Optional[float]
    top5_val: Optional[float]
    top5_test: Optional[float]
    source: str  # the table
    key: str = ""  # for pages that quote one number
    headline: bool = False  # the row the home page shows
    entry_zh: str = ""  # ``entry`` for the Chinese pages (a test requires it)


# The year of the ILSVRC each network was entered in, where it differs
# from nothing: LeNet-5 predates the challenge.
CHALLENGE_YEAR = {"alexnet": 2012, "zfnet": 2013, "vgg": 2014, "googlenet": 2014, "resnet": 2015}

RESULTS = (
    # Krizhevsky et al. 2012, Table 2 (ILSVRC-2012); * = pre-trained on the Fall 2011 release.
    Result(
        "alexnet",
        "1 CNN",
        "single model",
        40.7,
        18.2,
        None,
        "AlexNet paper, Table 2",
        headline=True,
        entry_zh="1 个 CNN",
    ),
    Result("alexnet", "5 CNNs", "ensemble", 38.1, 16.4, 16.4, "AlexNet paper, Table 2", entry_zh="5 个 CNN"),
    Result(
        "alexnet",
        "7 CNNs* (2 pre-trained on ImageNet Fall 2011)",
        "ensemble",
        36.7,
        15.4,
        15.3,
        "AlexNet paper, Table 2",
        headline=True,
        entry_zh="7 个 CNN*（其中 2 个在 ImageNet 2011 秋季版上预训练）",
    ),
    # Zeiler and Fergus 2014, Table 2 (ILSVRC-2012 validation, ILSVRC-2013 test).
    Result(
        "zfnet",
        "1 convnet as per Fig. 3",
        "single model",
        38.4,
        16.5,
        None,
        "ZFNet paper, Table 2",
        headline=True,
        entry_zh="1 个图 3 的网络",
    ),
    Result(
        "zfnet",
        "5 convnets as per Fig. 3",
        "ensemble",
        36.7,
        15.3,
        15.3,
        "ZFNet paper, Table 2",
        entry_zh="5 个图 3 的网络",
    ),
    Result(
        "zfnet",
        "6 convnets, Fig. 3 and the 512/1024/512 variant",
        "ensemble",
        36.0,
        14.7,
        14.8,
        "ZFNet paper, Table 2",
        headline=True,
        entry_zh="6 个网络：图 3 的网络及其 512/1024/512 变体",
    ),
    # Simonyan and Zisserman 2015, Tables 5 and 7 (multi-crop and dense evaluation).
    Result(
        "vgg",
        "D (VGG-16), multi-crop & dense",
        "single model",
        24.4,
        7.2,
        None,
        "VGG paper, Table 5",
        entry_zh="D（VGG-16），多裁剪加稠密评估",
    ),
    Result(
        "vgg",
        "E (VGG-19), multi-crop & dense",
        "single model",
        24.4,
        7.1,
        7.0,
        "VGG paper, Tables 5 and 7",
        headline=True,
        entry_zh="E（VGG-19），多裁剪加稠密评估",
    ),
    Result(
        "vgg",
        "ILSVRC submission, 7 nets, dense",
        "ensemble",
        24.7,
        7.5,
        7.3,
        "VGG paper, Table 7",
        entry_zh="ILSVRC 提交结果，7 个网络，稠密评估",
    ),
    Result(
        "vgg",
        "D and E, multi-crop & dense (2 nets)",
        "ensemble",
        23.7,
        6.8,
        6.8,
        "VGG paper, Table 7",
        headline=True,
        entry_zh="D 和 E，多裁剪加稠密评估（2 个网络）",
    ),
    # Szegedy et al. 2015, Table 3 (validation) and Table 2 (test); no top-1 reported.
    Result(
        "googlenet",
        "1 model, 1 crop",
        "single model",
        None,
        10.07,
        None,
        "GoogLeNet paper, Table 3",
        entry_zh="1 个模型，1 个裁剪",
    ),
    Result(
        "googlenet",
        "1 model, 144 crops",
        "single model",
        None,
        7.89,
        None,
        "GoogLeNet paper, Table 3",
        headline=True,
        entry_zh="1 个模型，144 个裁剪",
    ),
    Result(
        "googlenet",
        "7 models, 144 crops",
        "ensemble",
        None,
        6.67,
        6.67,
        "GoogLeNet paper, Tables 2 and 3",
        headline=True,
        entry_zh="7 个模型，144 个裁剪",
    ),
    # He et al. 2016, Tables 2, 4 and 5.
    Result(
        "resnet",
        "plain-18, 10-crop",
        "single model",
        27.94,
        None,
        None,
        "ResNet paper, Table 2",
        key="plain18",
        entry_zh="plain-18，10 个裁剪",
    ),
    Result(
        "resnet",
        "plain-34, 10-crop",
        "single model",
        28.54,
        None,
        None,
        "ResNet paper, Table 2",
        key="plain34",
        entry_zh="plain-34，10 个裁剪",
    ),
    Result(
        "resnet",
        "ResNet-18, 10-crop",
        "single model",
        27.88,
        None,
        None,
        "ResNet paper, Table 2",
        entry_zh="ResNet-18，10 个裁剪",
    ),
    Result(
        "resnet",
        "ResNet-34, 10-crop",
        "single model",
        25.03,
        None,
        None,
        "ResNet paper, Table 2",
        entry_zh="ResNet-34，10 个裁剪",
    ),
    Result(
        "resnet",
        "ResNet-50, multi-scale",
        "single model",
        20.74,
        5.25,
        None,
        "ResNet paper, Table 4",
        entry_zh="ResNet-50，多尺度",
    ),
    Result(
        "resnet",
        "ResNet-152, multi-scale",
        "single model",
        19.38,
        4.49,
        None,
        "ResNet paper, Table 4",
        headline=True,
        entry_zh="ResNet-152，多尺度",
    ),
    Result(
        "resnet",
        "ensemble of 6 models (ILSVRC 2015)",
        "ensemble",
        None,
        None,
        3.57,
        "ResNet paper, Table 5",
        headline=True,
        entry_zh="6 个模型的集成（ILSVRC 2015）",
    ),
)


def by_key(key: str) -> Result:
    for row in RESULTS:
        if row.key == key:
            return row
    raise KeyError(f"no result with key {key!r}; known: {[r.key for r in RESULTS if r.key]}")
