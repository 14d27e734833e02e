"""The lab's own words in Chinese: claims, setups, check statements, and
each experiment's discussion.

`keras-classics lab pages` writes the English lab pages from the results;
a Chinese lab page shows that same page (`site_macros.lab_page`), with
the generated fixed words translated by `i18n_words.localize_lab` and the
words declared in `keras_classics.lab.experiments` replaced here by their
Chinese, string for string. The discussion, written by hand after a run in
``docs/lab/results/<experiment>/discussion.md``, is replaced by its
translation in ``discussion.zh.md`` beside it. Nothing here computes a
number: the tables, verdicts and figures are those of the English page.
"""

from __future__ import annotations

import os
import re
from typing import Dict, List, Tuple

# Per experiment: the claim, the course point, the notes, the arms' labels
# and the checks' statements, each in the order of the declaration.
EXPERIMENTS: Dict[str, dict] = {
    "relu_vs_tanh": {
        "claim": "使用修正线性单元（ReLU）的网络达到给定训练错误率的速度比使用 tanh 单元的同一网络快好几倍："
        "论文中一个四层卷积网络在 CIFAR-10 上达到 25% 训练错误率的速度快六倍。",
        "course_point": "ReLU",
        "notes": "每 5 步（实验室的一个“epoch”）在整个训练集上测量一次训练错误率。论文为每个网络单独选择最快的学习率；"
        "这里两组都用 0.01。网络是不带 LRN 和 Dropout 的 alexnet_small（与论文图 1 的网络一样）。",
        "arms": ["ReLU", "tanh"],
        "statements": ["ReLU 以更少的步数达到 25% 训练错误率"],
    },
    "dropout": {
        "claim": "没有 Dropout（随机失活）时网络严重过拟合；在前两个全连接层中使用 Dropout 可以防止过拟合，"
        "代价是收敛所需的迭代次数大约翻倍。",
        "course_point": "Dropout",
        "notes": "alexnet_small，两个 256 单元的全连接层，不带 LRN。",
        "arms": ["fc6、fc7 之后 Dropout 0.5", "无 Dropout"],
        "statements": ["Dropout 缩小训练错误率与验证错误率之差", "Dropout 不损失验证精度"],
    },
    "lrn": {
        "claim": "在前两个卷积层之后做局部响应归一化（LRN）可以降低错误率：在 ImageNet 上 top-1 降低 1.4%，"
        "一个四层网络在 CIFAR-10 上的测试错误率从 13% 降到 11%。",
        "course_point": "局部响应归一化",
        "notes": "LRN 使用论文的常数（k=2, n=5, alpha=1e-4, beta=0.75），输入经过标准化。",
        "arms": ["conv1 和 conv2 之后做 LRN", "无 LRN"],
        "statements": ["LRN 降低验证错误率"],
    },
    "overlapping_pooling": {
        "claim": "在 3x3 窗口上以步长 2 做最大池化（重叠池化），比在 2x2 窗口上以步长 2 池化（得到同样大小的特征图）"
        "的 top-1 错误率低 0.4%，并让网络稍微更难过拟合。",
        "course_point": "重叠池化",
        "notes": "两组都用 'same' 填充，所以两组的特征图宽度都是 24、12、6 和 3 像素。",
        "arms": ["3x3 步长 2", "2x2 步长 2"],
        "statements": ["重叠池化降低验证错误率", "重叠池化更不容易过拟合"],
    },
    "augmentation": {
        "claim": "在随机裁剪（及其镜像）上训练扩大了训练集，正是它使这个大网络免于严重过拟合。",
        "course_point": "数据增强",
        "notes": "随机平移至多边长的八分之一（相当于论文从 256 中取 224）；不做镜像，因为镜像会把数字变成别的符号；"
        "灰度图像上不做 PCA 颜色扰动。",
        "arms": ["随机平移", "无数据增强"],
        "statements": ["数据增强缩小泛化差距", "数据增强降低验证错误率"],
    },
    "stacked_3x3": {
        "claim": "两个堆叠的 3x3 卷积的感受野为 5x5，三个为 7x7，而参数更少（三个 3x3 对一个 7x7 为 27C² 对 49C²），"
        "非线性更多，使决策函数更具判别力：把每对 3x3 层换成一个 5x5 层，top-1 错误率升高 7%。",
        "course_point": "堆叠的 3x3 卷积核",
        "notes": "vgg_small：一个到 32 个特征图的 3x3 起始层（stem），两个等宽的段（32 个特征图），全局平均池化。",
        "arms": ["每段两个 3x3", "每段一个 5x5", "每段三个 3x3", "每段一个 7x7"],
        "statements": [
            "三个 3x3 的参数比一个 7x7 少",
            "两个 3x3 的参数比一个 5x5 少",
            "两个 3x3 的验证错误率比一个 5x5 低",
            "三个 3x3 的验证错误率比一个 7x7 低",
        ],
    },
    "inception_reductions": {
        "claim": "朴素的 Inception 模块中，3x3 和 5x5 卷积看到全部输入通道，池化分支又把它们全部传下去，"
        "几段之内计算量就会爆炸；在昂贵的卷积之前做 1x1 降维能控制计算量，而不损失精度。",
        "course_point": "1x1 瓶颈",
        "notes": "inception_small：表 1 中 3a、3b、4a 和 4b 的行，宽度缩小为四分之一。",
        "arms": ["带 1x1 降维（图 2b）", "朴素（图 2a）"],
        "statements": ["降维减少乘加次数", "降维不损失精度"],
    },
    "aux_classifiers": {
        "claim": "接在中间层上的分类器（其损失以权重 0.3 加入）增强了到达前面各层的梯度信号，并起到正则化作用；"
        "论文发现它们对最终精度的影响很小（约 0.5%）。",
        "course_point": "辅助分类器",
        "notes": "梯度范数取自优化器所优化的损失（主损失加 0.3 x 辅助损失）在 conv1 卷积核处的梯度，对第一个 epoch 的各步取平均。"
        "只有一个辅助分类头（这个小网络有四个 Inception 模块，而不是九个）。",
        "arms": ["3b 之后接辅助分类器，权重 0.3", "只有主分类器"],
        "statements": ["辅助损失增强 conv1 处的梯度", "辅助分类器降低验证错误率"],
    },
    "degradation": {
        "claim": "更深的普通网络（plain）比更浅的训练错误率更高（在 CIFAR-10 上 56 层对 20 层的普通网络），"
        "这是优化的困难，而不是过拟合；加上残差连接后，更深的网络能训练到更低的错误率。",
        "course_point": "残差连接",
        "notes": "cifar_resnet 与为 CIFAR-10 构建的完全相同（A 型捷径），输入 16x16（手写数字为 8x8；32x32 每步耗时是四倍）。"
        "论文训练 64k 次迭代；这里训练 5 个 epoch，每个 21 步。每一组都先以 0.01 预热一个 epoch"
        "（论文对它的 110 层网络也这样做），因为不预热的话，56 层的网络在这个预算内几乎无法开始训练。",
        "arms": ["plain-20", "plain-56", "ResNet-20", "ResNet-56"],
        "statements": [
            "更深的普通网络训练到更高的错误率",
            "残差连接降低深层网络的训练错误率",
            "更深的残差网络训练到更低的错误率",
        ],
    },
    "init_bn": {
        "claim": "在深的 ReLU 网络中，Glorot 初始化让信号逐层缩小，这样初始化的 30 层网络无法训练，"
        "而 He 等人的方差 2/fan_in 保持了尺度，网络能够训练（He et al. 2015，图 3）。"
        "批归一化使训练对初始化的敏感程度大大降低（Ioffe & Szegedy 2015）。",
        "course_point": "He 初始化与批归一化",
        "notes": "plain_deep：30 个 16 个 3x3 特征图的卷积块，输入 16x16，无池化，全局平均池化。两项尺度检查比较的是数值的 log10。"
        "这是在正式记录的运行之前、一次两个种子的冒烟运行（smoke run）之后决定的：在线性尺度上，He 组种子间的离散掩盖了五个数量级的差异。",
        "arms": ["Glorot", "He", "Glorot + BN", "He + BN"],
        "statements": [
            "使用 He 初始化的 30 层网络训练得更远",
            "He 初始化保持激活值的尺度",
            "He 初始化保持到达第一层的梯度",
            "批归一化让 Glorot 初始化的网络能够训练",
        ],
    },
    "gap_vs_fc": {
        "claim": "用全局平均池化代替全连接层去掉了大部分参数，并作为一种结构上的正则化防止过拟合（NiN）；"
        "在 GoogLeNet 中它使 top-1 精度提高了约 0.6%。",
        "course_point": "全局平均池化",
        "notes": "vgg_small，每段两个 3x3 卷积；只有分类头不同。",
        "arms": ["全局平均池化", "展平 + 256 单元全连接"],
        "statements": ["全局平均池化的参数少得多", "全局平均池化更不容易过拟合", "全局平均池化不损失精度"],
    },
}

# The lab networks' descriptions (`keras_classics.lab.pages.NETWORK_DESCRIPTIONS`).
NETWORKS: Dict[str, str] = {
    "alexnet_small": "alexnet_small：AlexNet 的各行（卷积 32 5x5、卷积 64 5x5、卷积 64 3x3，每个后接最大池化）和分类器，"
    "由 `alexnet.features` 和 `alexnet.classifier` 构建",
    "vgg_small": "vgg_small：一个 3x3 起始层和两个 32 个特征图的 VGG 段（`vgg.conv_block`、`vgg.vgg_stage`）",
    "inception_small": "inception_small：表 1 中 Inception 的各行，宽度缩小为四分之一"
    "（`googlenet.inception_block`、`googlenet.auxiliary_classifier`）",
    "plain_deep": "plain_deep：30 个 16 个 3x3 特征图的 `vgg.conv_block`",
    "resnet_cifar": "resnet_cifar：第 4.2 节的 `resnet.cifar_resnet`，未作改动",
}

# The generated sentences around them (pages.py's setup, provenance and
# measure headings), after `i18n_words.localize_lab` has done its part.
SENTENCES: List[Tuple[str, str]] = [
    (
        r"^(\* 训练：)(\d+) epochs of (\d+) steps, ",
        r"\1\2 个 epoch，每个 \3 步，",
    ),
    (r"^(\* 训练：)(\d+) epochs of one pass over the training set, ", r"\1\2 个 epoch，每个遍历一次训练集，"),
    (
        r"batch (\d+), SGD with momentum ([\d.]+), learning rate ([\d.]+)",
        r"批大小 \1，SGD，动量 \2，学习率 \3",
    ),
    (r" \(the first (\d+) epoch\(s\) at a tenth of it\)", r"（前 \1 个 epoch 用其十分之一）"),
    (r"; seeds ([\d, ]+); inputs (\d+x\d+)\.$", r"；种子 \1；输入 \2。"),
    (r"\| random translations \|", "| 随机平移 |"),
    (r"\| auxiliary loss weight ([\d.]+) \|", r"| 辅助损失权重 \1 |"),
    (r"\(defaults\)", "（默认）"),
    (r"^(\* 机器：.*?), (\d+) cores, ", r"\1，\2 核，"),
    (
        r": the 2 cores were shared with other jobs, so the times are inflated\.$",
        "：2 个核与其他任务共享，所以用时偏长。",
    ),
    (
        r"^(\* 数据：)scikit-learn digits, (\d+x\d+) resized to (\d+x\d+) \(bilinear\), (\d+) training and (\d+) held-out "
        r"images \(split seed (\d+)\)\.$",
        r"\1scikit-learn 手写数字（digits），\2 缩放到 \3（双线性插值），\4 张训练图像和 \5 张留出图像（划分种子 \6）。",
    ),
    # measure headings of the results table
    (r"activation standard deviation at initialisation, per layer", "初始化时各层激活值的标准差"),
    (r"gradient standard deviation at initialisation, per layer", "初始化时各层梯度的标准差"),
    (
        r"gradient norm at the first convolution \(mean over the epoch's steps\)",
        "第一个卷积层处的梯度范数（对该 epoch 各步取平均）",
    ),
    (r"multiply-accumulates per image", "每张图像的乘加次数"),
    (r"receptive field of the last convolution \(pixels\)", "最后一个卷积的感受野（像素）"),
    (r"training steps to reach the training-error threshold", "达到训练错误率阈值所需的训练步数"),
    (r"\| parameters \|", "| 参数量 |"),
    (r" \(first epoch\)", "（第一个 epoch）"),
    (r" \(last layer\)", "（最后一层）"),
    (r" \(first layer\)", "（第一层）"),
    (r"; one seed suffices: the quantity does not depend on it\)", "；一个种子即可：该量与种子无关）"),
    (r"(\d+) min (\d+) s\b", r"\1 分 \2 秒"),
    (r"^(    - [^:\n]*): \*\*", r"\1：**"),
    (r"^(课程要点：.*)\.$", r"\1。"),
    (r"^(\* [^\n]*[\u4e00-\u9fff）])\.$", r"\1。"),
    (r"\) \| ", ") | "),
    # the index's opening paragraph: the Chinese page says it in its own words
    (r"^Small, honest re-runs of the experiments behind the course's claims.*\n\n", ""),
    # the papers' sections in the sources
    (r"Sec\. ([\d.]+)", r"第 \1 节"),
    (r"Fig\. (\w+)", r"图 \1"),
    (r"Table (\w+)", r"表 \1"),
    (r"(第 [\d.]+ 节) and (第|图)", r"\1和\2"),
]
_COMPILED = [(re.compile(p, re.MULTILINE), r) for p, r in SENTENCES]


def _declared_pairs() -> List[Tuple[str, str]]:
    """(English, Chinese) for every string the lab declares, longest first
    so that no shorter string replaces part of a longer one."""
    from keras_classics.lab.experiments import EXPERIMENTS as DECLARED
    from keras_classics.lab.pages import NETWORK_DESCRIPTIONS

    pairs = []
    for name, experiment in DECLARED.items():
        chinese = EXPERIMENTS[name]
        pairs.append((experiment.claim, chinese["claim"]))
        pairs.append((experiment.notes, chinese["notes"]))
        pairs.append((f"**{experiment.course_point}**", f"**{chinese['course_point']}**"))
        for check, statement in zip(experiment.checks, chinese["statements"], strict=True):
            pairs.append((check.statement, statement))
        # Arm labels appear as a table cell's start: "| label (`name`".
        for arm, label in zip(experiment.arms, chinese["arms"], strict=True):
            pairs.append((f"| {arm.label} (`{arm.name}`", f"| {label} (`{arm.name}`"))
    for network, description in NETWORK_DESCRIPTIONS.items():
        pairs.append((description, NETWORKS[network]))
    return sorted(set(pairs), key=lambda pair: -len(pair[0]))


def _discussion(results: str, name: str, language: str) -> str:
    suffix = "" if language == "en" else f".{language}"
    path = os.path.join(results, name, f"discussion{suffix}.md")
    if not os.path.isfile(path):
        return ""
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def localize_lab_words(markdown: str, name: str, results: str) -> str:
    """The lab page of experiment ``name`` (its English Markdown) with its
    declared words and its discussion in Chinese. Call it before
    `i18n_words.localize_lab`, which then translates the fixed words."""
    english = _discussion(results, name, "en")
    if english:
        chinese = _discussion(results, name, "zh")
        if not chinese:
            raise FileNotFoundError(f"{results}/{name}/discussion.zh.md is missing: translate discussion.md beside it")
        if english not in markdown:
            raise ValueError(
                f"lab/{name}.md does not show {results}/{name}/discussion.md: run `keras-classics lab pages`"
            )
        markdown = markdown.replace(english, chinese)
    for english_text, chinese_text in _declared_pairs():
        markdown = markdown.replace(english_text, chinese_text)
    return markdown


def localize_lab_index(markdown: str) -> str:
    """The lab's index (its English Markdown) with its check statements in Chinese."""
    for english_text, chinese_text in _declared_pairs():
        markdown = markdown.replace(english_text, chinese_text)
    return markdown


def localize_lab_sentences(markdown: str) -> str:
    """The generated sentences `i18n_words.localize_lab` leaves in English."""
    for pattern, replacement in _COMPILED:
        markdown = pattern.sub(replacement, markdown)
    return markdown
