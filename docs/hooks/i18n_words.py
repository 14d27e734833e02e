"""The words of the generated content in the site's second language.

The macros of `site_macros` compute every number once and write their
tables and sentences in English. On a Chinese page (``page.zh.md``) the
same output is passed through this module: table headers and short cell
words are looked up in `WORDS`, and the sentences of the worked arithmetic,
the totals under the layer tables, the captions, the recipes and the
exercises are rewritten by the patterns of `SENTENCES`, which only move the
numbers the macros produced, never compute one. So the two languages can
not disagree on a number.

The terms follow the Chinese course notes (感受野, 步长, 填充, 参数量,
特征图, 局部响应归一化, ...); the glossary page (docs/glossary.zh.md) lists
them with their English.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Tuple

DEFAULT = "en"
LANGUAGES = ("en", "zh")
_current = [DEFAULT]


def set_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"the site is written in {LANGUAGES}, not {language!r}")
    _current[0] = language


def language() -> str:
    return _current[0]


def page_language(page, config) -> str:
    """``zh`` for ``page.zh.md`` (mkdocs-static-i18n's suffix layout), else English.

    The i18n plugin marks each file with its ``locale``; a page that falls
    back to English text in the Chinese build stays English."""
    locale = getattr(page.file, "locale", None)
    if locale in LANGUAGES:
        return locale
    return "zh" if page.file.src_uri.endswith(".zh.md") else DEFAULT


# --------------------------------------------------------------------------
# Words: table headers and short cells
# --------------------------------------------------------------------------

WORDS: Dict[str, str] = {
    # spec_table
    "layer": "层",
    "type": "类型",
    "from": "来自",
    "kernel / stride, padding": "卷积核 / 步长，填充",
    "maps": "特征图数",
    "output": "输出",
    "params": "参数量",
    "MACs": "乘加次数",
    "RF / jump": "感受野 / 跳距",
    # networks_table, variants_table
    "network": "网络",
    "model": "模型",
    "year (ILSVRC / paper)": "年份（ILSVRC / 论文）",
    "input": "输入",
    "depth": "深度",
    "parameters": "参数量",
    "builder": "构建函数",
    "what it is": "说明",
    # deviations
    "layers": "层",
    "field": "字段",
    "paper": "论文",
    "ours": "本包",
    "why": "原因",
    "value": "取值",
    # recipe
    "setting": "设置",
    "source": "出处",
    "optimizer": "优化器",
    "learning rate": "学习率",
    "weight decay": "权重衰减",
    "schedule": "学习率调度",
    "epochs": "训练轮数（epoch）",
    "preprocessing": "预处理",
    "augmentation": "数据增强",
    "auxiliary loss weight": "辅助损失权重",
    # results_table
    "entry": "条目",
    "kind": "类别",
    "top-1 val": "top-1 验证集",
    "top-5 val": "top-5 验证集",
    "top-5 test": "top-5 测试集",
    # layer types (the "type" column)
    "conv": "卷积",
    "sparse conv": "稀疏卷积",
    "max pool": "最大池化",
    "avg pool": "平均池化",
    "global avg pool": "全局平均池化",
    "global max pool": "全局最大池化",
    "batch norm": "批归一化",
    "zero pad": "零填充",
    "zero-pad shortcut": "零填充捷径",
    "dense": "全连接",
    "lrn": "LRN",
    "dropout": "Dropout",
    "flatten": "展平",
    "concat": "拼接",
    "add": "相加",
    "subsampling": "下采样",
    "rbf": "RBF",
    "negative": "取负",
}


def word(text: str) -> str:
    """A header or a short cell in the current language ("conv, relu" too)."""
    if language() == DEFAULT:
        return text
    if text in WORDS:
        return WORDS[text]
    if ", " in text:
        return "，".join(WORDS.get(part, part) for part in text.split(", "))
    return text


# --------------------------------------------------------------------------
# Sentences of the generated content
# --------------------------------------------------------------------------

_N = r"([\d.,]+)"
_S = r"(\d+(?:×\d+)*)"  # a shape, 55×55×96 or 10

# Ordered: longer patterns first where one contains another.
SENTENCES: List[Tuple[str, str]] = [
    # walk(): whole sentences first, then the parts of a layer's head
    (r": zero padding, (\d+) pixels? before and (\d+) after\.", r"：零填充，前 \1 像素、后 \2 像素。"),
    (r": fully connected, " + _N + r" inputs to " + _N + r" units\.", r"：全连接，\1 个输入到 \2 个单元。"),
    (r": Euclidean RBF units, (\d+) inputs to (\d+) outputs\.", r"：欧氏径向基（RBF）单元，\1 个输入到 \2 个输出。"),
    (
        r"    - fixed prototypes: (.*?) numbers, " + _N + r" of them not trained",
        r"    - 固定原型：\1 个数，其中 \2 个不参与训练",
    ),
    (r": the " + _S + r" maps become one vector, (.*?) numbers\.", r"：\1 的特征图展平为一个向量，共 \2 个数。"),
    (
        r": the average of each of the (\d+) maps over all (.*?) positions: (\d+) numbers, no parameters\.",
        r"：对 \1 个特征图各自在全部 \2 个位置上取平均：\3 个数，无参数。",
    ),
    (
        r": the maximum of each of the (\d+) maps over all (.*?) positions: (\d+) numbers, no parameters\.",
        r"：对 \1 个特征图各自在全部 \2 个位置上取最大值：\3 个数，无参数。",
    ),
    (r": stacks (\d+) branches along the channels, (.*?), so " + _S + r"\.", r"：把 \1 个分支沿通道拼接，\2，即 \3。"),
    (
        r": adds (`[^`]+`) and (`[^`]+`), both " + _S + r"; no parameters\.",
        r"：把 \1 与 \2 相加，二者都是 \3；无参数。",
    ),
    (
        r": batch norm over (\d+) channels, (.*?) numbers: (.*?) and (.*?) are trained, the moving mean and variance are not\.",
        r"：对 \1 个通道做批归一化，\2 个数：\3 和 \4 参与训练，滑动均值和方差不参与。",
    ),
    (
        r": takes every (second|third|fourth|\d+th) pixel \((.*?)\) and pads the (\d+) channels with zeros to (\d+); no parameters\.",
        r"：每隔一个像素取一个（\2），并把 \3 个通道用零填充到 \4 个；无参数。",
    ),
    (
        r": local response normalisation across (\d+) neighbouring maps \((.*?)\); keeps " + _S + r", no parameters\.",
        r"：在相邻的 \1 个特征图之间做局部响应归一化（\2）；尺寸保持 \3，无参数。",
    ),
    (
        r": while training, zeroes each of its "
        + _N
        + r" inputs with probability ([\d.]+) \(and scales the rest by (.*?)\); does nothing at inference\.",
        r"：训练时以概率 \2 把 \1 个输入中的每一个置零（其余乘以 \3）；推理时不起作用。",
    ),
    (r": applies (`[^`]+`) to " + _S + r"; no parameters\.", r"：对 \2 施加 \1；无参数。"),
    (r"convolution over a connection table, (\d+) maps", r"按连接表卷积，\1 个特征图"),
    (r"convolution, (\d+) filters", r"卷积，\1 个卷积核"),
    (r"(\d+×\d+) max pooling", r"\1 最大池化"),
    (r"(\d+×\d+) average pooling", r"\1 平均池化"),
    (r"trainable subsampling", "可训练的下采样"),
    (r", stride (\d+), ", r"，步长 \1，"),
    (r"`same` padding, which pads nothing here", "`same` 填充（此处不填充）"),
    (r"`same` padding: ", "`same` 填充："),
    (r"no padding", "不填充"),
    (r"(\d+) pixels? on each side", r"每侧 \1 像素"),
    (r"(\d+) pixels? before and (\d+) after", r"前 \1 像素、后 \2 像素"),
    (r", on " + _S + r"\.", r"，输入 \1。"),
    (r"    - output size: ", "    - 输出尺寸："),
    (r"\$, so " + _S, r"$，即 \1"),
    (
        r"with `same`, TensorFlow aims at (.*?) and pads whatever that needs, the odd pixel after",
        r"使用 `same` 时，TensorFlow 以 \1 为目标，缺多少补多少，多出的一个像素补在后面",
    ),
    (r"    - parameters: none", "    - 参数量：无"),
    (r"    - parameters: ", "    - 参数量："),
    (
        r"\(each filter sees (\d+) of the (\d+) input maps: (\d+) groups\)",
        r"（每个卷积核只看 \2 个输入特征图中的 \1 个：分 \3 组）",
    ),
    (r"\(no bias\)", "（无偏置）"),
    (r"\((\d+) input-output map pairs, one bias per map\)", r"（\1 对输入—输出特征图，每个特征图一个偏置）"),
    (r"\(a coefficient and a bias per map\)", "（每个特征图一个系数和一个偏置）"),
    (r"    - MACs: ", "    - 乘加次数："),
    (r"    - receptive field: ", "    - 感受野："),
    (r"\$ pixels, jump \$", "$ 像素，跳距 $"),
    # spec_table: the totals and the note
    (
        r": input "
        + _S
        + r", (\d+) layers, depth (\d+), "
        + _N
        + r" parameters \("
        + _N
        + r" trainable\), ([\d.]+[KMG]?) MACs per image\. ",
        r"：输入 \1，\2 层，深度 \3，参数量 \4（可训练 \5），每张图像 \6 次乘加。",
    ),
    (
        r": input " + _S + r", (\d+) layers, depth (\d+), " + _N + r" parameters, ([\d.]+[KMG]?) MACs per image\. ",
        r"：输入 \1，\2 层，深度 \3，参数量 \4，每张图像 \5 次乘加。",
    ),
    (
        r"Generated from (`[^`]+`) \(hover over a layer's name for its line there\); source: ",
        r"由 \1 生成（鼠标悬停在层名上可看到它在该文件中的行号）；出处：",
    ),
    (
        r"\*MACs: multiply-accumulates for one image \(convolutions and fully connected layers\)\. RF: receptive field "
        r"along the height in input pixels, and the jump between neighbouring units\.\*",
        "乘加次数（MACs）：一张图像在卷积层和全连接层中的乘加运算次数。感受野（RF）：沿高度方向、以输入像素计的感受野，"
        "以及相邻单元在输入上的间距（跳距）。",
    ),
    (r" † marks a layer listed under `deviations` \(see below\)\.", " † 表示该层列在 `deviations` 中（见下文）。"),
    # deviations()
    (r"Deviations of (`[^`]+`) from the paper \((`[^`]+`)\):", r"\1 与论文的差异（\2）："),
    (r"What the paper leaves open, as decided in (`[^`]+`):", r"论文没有交代、由 \1 确定的细节："),
    (r"(`[^`]+`) lists no deviation from the paper\.", r"\1 没有列出与论文的差异。"),
    # recipe()
    (
        r"divide by ([\d.]+) when the validation loss stalls for (\d+) epochs, at most (\d+) times",
        r"验证损失连续 \2 个 epoch 不下降时除以 \1，最多 \3 次",
    ),
    (r"multiply by ([\d.]+) every (\d+) epochs", r"每 \2 个 epoch 乘以 \1"),
    (r"multiply by ([\d.]+) at epochs ([\d, ]+)", r"在第 \2 个 epoch 乘以 \1"),
    (r"\| constant \|", "| 恒定 |"),
    (r"\| sgd, momentum ([\d.]+) \|", r"| SGD，动量 \1 |"),
    (r" at batch (\d+) \(scaled linearly with the batch\)", r"，批大小 \1（随批大小线性缩放）"),
    (r" \(L2, coupled\)", "（L2，与梯度耦合）"),
    (r"\| none \|", "| 无 |"),
    (r"none \(resized to the input\)", "无（缩放到输入尺寸）"),
    (
        r"shorter side (\d+) to (\d+), random (\d+) crop \(scaled to the input\)",
        r"短边 \1 到 \2，随机裁剪 \3（再缩放到输入尺寸）",
    ),
    (r"shorter side (\d+), random (\d+) crop \(scaled to the input\)", r"短边 \1，随机裁剪 \2（再缩放到输入尺寸）"),
    (r", horizontal flips", "，水平翻转"),
    (r", PCA colour noise \(std ([\d.]+)\)", r"，PCA 颜色扰动（标准差 \1）"),
    (r": mean image \|", ": 均值图像 |"),
    (r": channel mean std \|", ": 逐通道均值与标准差 |"),
    (r": channel mean \|", ": 逐通道均值 |"),
    # diagrams and figures
    (
        r"(`[^`]+`) as built by the package: "
        + _N
        + r" parameters, ([\d.]+[KMG]?) MACs\. Blue: convolutions; green: pooling; "
        r"orange: fully connected; purple: normalisation; red: merges\. Drawn with (`[^`]+`); click it to open it at full size\.",
        r"本包构建的 \1：参数量 \2，乘加次数 \3。蓝色：卷积；绿色：池化；橙色：全连接；紫色：归一化；红色：合并。"
        r"由 \4 绘制；点击可查看原尺寸。",
    ),
    (
        r"(`[^`]+`) as built by the package, one box per residual block: " + _N + r" parameters, ([\d.]+[KMG]?) MACs\. "
        r"Each shortcut is drawn beside the block it skips and enters the addition \(\+\) below it: dashed for identity "
        r"shortcuts, solid red for 1×1 projections, dotted for zero-padding ones\. (`[^`]+`) draws every layer\.",
        r"本包构建的 \1，每个残差块一个方框：参数量 \2，乘加次数 \3。每条捷径（shortcut）画在它跳过的残差块旁边，"
        r"从下方进入相加（+）：虚线为恒等捷径，红色实线为 1×1 投影，点线为零填充捷径。\4 会画出每一层。",
    ),
    (r"\[!\[Diagram of ([^\]]+)\]", r"[![\1 的结构图]"),
    (r"\[!\[Block diagram of ([^\]]+)\]", r"[![\1 的残差块结构图]"),
    (r"\[!\[Teaching figure: ([^\]]+)\]", r"[![教学图：\1]"),
    # results_table's cells
    (r"\| single model \|", "| 单模型 |"),
    (r"\| ensemble \|", "| 集成 |"),
    (r"\| ([\w-]+) paper, Tables? ([\w ,]+?) \|", r"| \1 论文，表 \2 |"),
    (r"表 (\d+) and (\d+) \|", r"表 \1 和 \2 |"),
    # spec_table's cells
    (r"\| rate ([\d.]+) \|", r"| 丢弃率 \1 |"),
    (r" \((\d+) groups\) \|", r"（\1 组） |"),
    # exercises()
    (r"^## Exercises \{: #exercises \}", "## 练习 {: #exercises }"),
    (r'\?\?\? success "Answer"', '??? success "答案"'),
]
_COMPILED = [(re.compile(pattern, re.MULTILINE), replacement) for pattern, replacement in SENTENCES]


def localize(text: str) -> str:
    """``text`` (a macro's Markdown) in the current language."""
    if language() == DEFAULT:
        return text
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return text


def localized(function: Callable[..., str]) -> Callable[..., str]:
    """``function`` with its Markdown output passed through `localize`."""

    def wrapper(*args, **kwargs):
        return localize(function(*args, **kwargs))

    wrapper.__name__ = getattr(function, "__name__", "macro")
    wrapper.__doc__ = function.__doc__
    return wrapper


# --------------------------------------------------------------------------
# The registry's one-line summaries (variants_table's "what it is")
# --------------------------------------------------------------------------

_SUMMARY: List[Tuple[str, str]] = [
    (
        r"^LeNet-5 as in the paper: scaled tanh, trainable subsampling, Table I's C3, fixed RBF output$",
        "论文原版 LeNet-5：缩放的 tanh、可训练的下采样、表 I 的 C3 连接表、固定的 RBF 输出层",
    ),
    (
        r"^LeNet-5 in its modern form: ReLU, max pooling, dense C3, softmax output$",
        "现代形式的 LeNet-5：ReLU、最大池化、全连接的 C3、softmax 输出",
    ),
    (r"^AlexNet \((\d+)\) at (\d+)x(\d+), one tower, with LRN$", r"AlexNet（\1），输入 \2x\3，单塔，带 LRN"),
    (
        r"^AlexNet \((\d+)\) with the paper's two-GPU split of conv2, conv4, conv5$",
        r"AlexNet（\1），保留论文中 conv2、conv4、conv5 的双 GPU 分组",
    ),
    (
        r"^torchvision's AlexNet \(one-GPU widths of Krizhevsky (\d+)\) at (\d+)x(\d+)$",
        r"torchvision 的 AlexNet（Krizhevsky \1 的单 GPU 宽度），输入 \2x\3",
    ),
    (
        r"^ZFNet \((\d+)\): AlexNet with a (\d+)x(\d+)/(\d+) conv1 and a stride-(\d+) conv2, at (\d+)x(\d+)$",
        r"ZFNet（\1）：conv1 改为 \2x\3/\4、conv2 步长 \5 的 AlexNet，输入 \6x\7",
    ),
    (
        r"^VGG-(\d+) with LRN after conv1 \(Table (\d+), A-LRN\), (\d+)M parameters$",
        r"conv1 后加 LRN 的 VGG-\1（表 \2，A-LRN），参数量 \3M",
    ),
    (r" closing stages (\d+)-(\d+)", r"（收尾第 \1-\2 段）"),
    (r"^VGG-(\d+) \(Table (\d+), ([A-E])\): ", r"VGG-\1（表 \2，\3）："),
    (r", (\d+)M parameters", r"，参数量 \1M"),
    (r"; batch norm after every conv, as torchvision$", "；每个卷积后加批归一化，同 torchvision"),
    (
        r"^GoogLeNet \(Inception v1\), Table (\d+): nine inception modules, (\d+)x(\d+) branches, LRN, one output\.$",
        r"GoogLeNet（Inception v1），表 \1：九个 Inception 模块、\2x\3 分支、LRN、一个输出。",
    ),
    (
        r"^GoogLeNet with Section (\d+)'s auxiliary classifiers after 4a and 4d: outputs (\[.*\]), aux losses weighted ([\d.]+)\.$",
        r"带第 \1 节辅助分类器（接在 4a 和 4d 之后）的 GoogLeNet：输出 \2，辅助损失权重 \3。",
    ),
    (
        r"^ResNet-(\d+), Table (\d+): (basic|bottleneck) blocks (\[[\d, ]+\]), option B shortcuts, stride on a bottleneck's "
        r"first 1x1 \(the authors' Caffe models\)$",
        r"ResNet-\1，表 \2：\3 \4，B 型捷径，下采样步长放在瓶颈结构的第一个 1x1 上（作者的 Caffe 模型）",
    ),
    (
        r"^ResNet-(\d+) v1\.5 \(torchvision\): the downsampling stride on the bottleneck's 3x3$",
        r"ResNet-\1 v1.5（torchvision）：下采样步长放在瓶颈结构的 3x3 上",
    ),
    (
        r"^CIFAR-10 ResNet, (\d+) layers \(Sec\. ([\d.]+), n=(\d+)\), option A shortcuts$",
        r"CIFAR-10 上的 ResNet，\1 层（第 \2 节，n=\3），A 型捷径",
    ),
    (
        r"^CIFAR-10 plain network, (\d+) layers \(Sec\. ([\d.]+), n=(\d+)\), no shortcuts$",
        r"CIFAR-10 上的普通网络（plain），\1 层（第 \2 节，n=\3），无捷径",
    ),
]
_SUMMARY_COMPILED = [(re.compile(p), r) for p, r in _SUMMARY]
_BLOCK_WORDS = {"basic": "基本残差块", "bottleneck": "瓶颈残差块"}


def summary(text: str) -> str:
    """A registry summary in the current language (English where no pattern fits)."""
    if language() == DEFAULT:
        return text
    for pattern, replacement in _SUMMARY_COMPILED:
        text = pattern.sub(replacement, text)
    for english, chinese in _BLOCK_WORDS.items():
        text = text.replace(f"：{english} [", f"：{chinese} [")
    return text


# --------------------------------------------------------------------------
# The page head
# --------------------------------------------------------------------------

_HEAD_ALTERNATE = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')


def drop_head_alternates(html: str) -> str:
    """``html`` without the ``<link rel="alternate" hreflang>`` of its head.

    mkdocs-static-i18n points them at this page in each language; Material's
    script reads every such link as a site root and fetches ``sitemap.xml``
    below it, a request that fails (404) on every page but the home page.
    The switcher's own links, in the header, are untouched."""
    head_end = html.find("</head>")
    if head_end < 0:
        return html
    return _HEAD_ALTERNATE.sub("", html[:head_end]) + html[head_end:]


_ROOT_LINK = re.compile(r'(<a\s[^>]*?href=")/(?!/)([^"]*)"')


def relative_links(html: str, page_url: str) -> str:
    """``html`` with links to the site's root (``href="/"``, ``"/zh/"``, which
    mkdocs-static-i18n gives the home pages' language switcher) made
    relative to the page at ``page_url`` (``""``, ``"zh/"``,
    ``"networks/alexnet/"``), so that the site works under any sub-path."""
    depth = page_url.count("/")
    up = "../" * depth

    def relative(match: re.Match) -> str:
        target = up + match.group(2)
        return f'{match.group(1)}{target or "./"}"'

    return _ROOT_LINK.sub(relative, html)
