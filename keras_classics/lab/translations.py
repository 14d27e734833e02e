"""The experiments' declared words in Chinese, string for string.

`keras_classics.lab.experiments` declares each experiment in English; this
module gives the Chinese of every text a page, a table or a figure shows
from it: the title, the source, the claim, the course point, the notes,
each arm's label (by arm name), each check's statement and the source of
its effect size (by the English text). The tests fail when a declared text
has no Chinese here, so a change to a declaration comes with its
translation.
"""

from __future__ import annotations

from typing import Dict

# The papers' sections and figures, as a Chinese page cites them.
_KRIZHEVSKY = "Krizhevsky 等（2012，AlexNet）"
_SZEGEDY = "Szegedy 等（2015，GoogLeNet）"

DECLARED: Dict[str, dict] = {
    "relu_vs_tanh": {
        "title": "ReLU 对比 tanh",
        "source": f"{_KRIZHEVSKY}第 3.1 节和图 1",
        "claim": "使用修正线性单元（ReLU）的网络达到给定训练错误率的速度比使用 tanh 单元的同一网络快好几倍："
        "论文中一个四层卷积网络在 CIFAR-10 上达到 25% 训练错误率的速度快六倍。",
        "course_point": "ReLU",
        "notes": "每 5 步（实验室的一个“epoch”）在整个训练集上测量一次训练错误率。论文为每个网络单独选择最快的学习率；"
        "这里两组都用 0.01。网络是不带 LRN 和 Dropout 的 alexnet_small（与论文图 1 的网络一样）。",
        "arms": {"relu": "ReLU", "tanh": "tanh"},
        "statements": {"ReLU reaches 25% training error in fewer epochs": "ReLU 用更少的 epoch 达到 25% 训练错误率"},
        "effect_sources": {
            "Krizhevsky et al. 2012, Fig. 1: six times fewer epochs to 25% training error "
            "(compared as log10 of the epochs)": "Krizhevsky 等 2012 年图 1：达到 25% 训练错误率所需的 epoch 数少到六分之一"
            "（比较的是 epoch 数的 log10）",
        },
    },
    "dropout": {
        "title": "分类器中的 Dropout",
        "source": f"{_KRIZHEVSKY}第 4.2 节",
        "claim": "没有 Dropout（随机失活）时网络严重过拟合；在前两个全连接层中使用 Dropout 可以防止过拟合，"
        "代价是收敛所需的迭代次数大约翻倍。",
        "course_point": "Dropout",
        "notes": "alexnet_small，两个 256 单元的全连接层，不带 LRN。",
        "arms": {"dropout": "fc6、fc7 之后 Dropout 0.5", "none": "无 Dropout"},
        "statements": {
            "dropout narrows the gap between training and test error": "Dropout 缩小训练错误率与测试错误率之差",
            "dropout does not cost test accuracy": "Dropout 不损失测试精度",
        },
        "effect_sources": {
            "Krizhevsky et al. 2012, Sec. 4.2, say the network overfits substantially without dropout and give "
            "no size": "Krizhevsky 等 2012 年第 4.2 节只说没有 Dropout 时网络严重过拟合，没有给出大小",
            "the paper reports no cost; our margin: half a point of test error, the size that Szegedy et al. 2015 "
            "(Sec. 5) call a minor effect": "论文没有报告代价；我们取的界限是测试错误率半个百分点，"
            "即 Szegedy 等 2015 年（第 5 节）称为“影响很小”的大小",
        },
    },
    "lrn": {
        "title": "打开与关闭局部响应归一化",
        "source": f"{_KRIZHEVSKY}第 3.3 节",
        "claim": "在前两个卷积层之后做局部响应归一化（LRN）可以降低错误率：在 ImageNet 上 top-1 降低 1.4%，"
        "一个四层网络在 CIFAR-10 上的测试错误率从 13% 降到 11%。",
        "course_point": "局部响应归一化",
        "notes": "LRN 使用论文的常数（k=2, n=5, alpha=1e-4, beta=0.75），输入经过标准化。",
        "arms": {"lrn": "conv1 和 conv2 之后做 LRN", "none": "无 LRN"},
        "statements": {"LRN lowers the test error": "LRN 降低测试错误率"},
        "effect_sources": {
            "Krizhevsky et al. 2012, Sec. 3.3: 1.4 points of top-1 error on ImageNet (2 points on CIFAR-10; the "
            "smaller is declared)": "Krizhevsky 等 2012 年第 3.3 节：ImageNet 上 top-1 错误率降低 1.4 个百分点"
            "（CIFAR-10 上 2 个百分点；取较小的一个）",
        },
    },
    "overlapping_pooling": {
        "title": "重叠池化对比无重叠池化",
        "source": f"{_KRIZHEVSKY}第 3.4 节",
        "claim": "在 3x3 窗口上以步长 2 做最大池化（重叠池化），比在 2x2 窗口上以步长 2 池化（得到同样大小的特征图）"
        "的 top-1 错误率低 0.4%，并让网络稍微更难过拟合。",
        "course_point": "重叠池化",
        "notes": "两组都用 'same' 填充，所以两组的特征图宽度都是 24、12、6 和 3 像素。",
        "arms": {"overlap": "3x3 步长 2", "plain": "2x2 步长 2"},
        "statements": {
            "overlapping pooling lowers the test error": "重叠池化降低测试错误率",
            "overlapping pooling overfits less": "重叠池化更不容易过拟合",
        },
        "effect_sources": {
            "Krizhevsky et al. 2012, Sec. 3.4: 0.4 points of top-1 error on ImageNet": "Krizhevsky 等 2012 年第 3.4 节："
            "ImageNet 上 top-1 错误率降低 0.4 个百分点",
            "Krizhevsky et al. 2012, Sec. 3.4: 'slightly more difficult to overfit', no size": "Krizhevsky 等 2012 年"
            "第 3.4 节只说“稍微更难过拟合”，没有给出大小",
        },
    },
    "augmentation": {
        "title": "打开与关闭数据增强",
        "source": f"{_KRIZHEVSKY}第 4.1 节",
        "claim": "在随机裁剪（及其镜像）上训练扩大了训练集，正是它使这个大网络免于严重过拟合。",
        "course_point": "数据增强",
        "notes": "随机平移至多边长的八分之一（相当于论文从 256 中取 224）；不做镜像，因为镜像会把数字变成别的符号；"
        "灰度图像上不做 PCA 颜色扰动。",
        "arms": {"augmented": "随机平移", "none": "无数据增强"},
        "statements": {
            "augmentation narrows the generalisation gap": "数据增强缩小泛化差距",
            "augmentation lowers the test error": "数据增强降低测试错误率",
        },
        "effect_sources": {
            "Krizhevsky et al. 2012, Sec. 4.1: without it the network overfits substantially; no size for the "
            "crops": "Krizhevsky 等 2012 年第 4.1 节：没有它网络严重过拟合；裁剪的效果没有给出大小",
            "Krizhevsky et al. 2012, Sec. 4.1, give a size (over 1 point of top-1) only for the colour noise, which "
            "this experiment does not use": "Krizhevsky 等 2012 年第 4.1 节只给出了颜色扰动的大小（top-1 超过 1 个百分点），"
            "而本实验不用颜色扰动",
        },
    },
    "stacked_3x3": {
        "title": "3x3 卷积串联对比一个更大的卷积核",
        "source": "Simonyan 与 Zisserman（2015，VGG）第 2.3 节和第 4.1 节",
        "claim": "两个串联的 3x3 卷积的感受野为 5x5，三个为 7x7，而参数更少（三个 3x3 对一个 7x7 为 27C² 对 49C²），"
        "非线性更多，使决策函数更具判别力：把每对 3x3 层换成一个 5x5 层，top-1 错误率升高 7%。",
        "course_point": "小卷积核串联（3x3）",
        "notes": "vgg_small：一个到 32 个特征图的 3x3 起始层（stem），两个等宽的段（32 个特征图），全局平均池化。",
        "arms": {
            "two_3x3": "每段两个 3x3",
            "one_5x5": "每段一个 5x5",
            "three_3x3": "每段三个 3x3",
            "one_7x7": "每段一个 7x7",
        },
        "statements": {
            "three 3x3 have fewer parameters than one 7x7": "三个 3x3 的参数比一个 7x7 少",
            "two 3x3 have fewer parameters than one 5x5": "两个 3x3 的参数比一个 5x5 少",
            "two 3x3 give a lower test error than one 5x5": "两个 3x3 的测试错误率比一个 5x5 低",
            "three 3x3 give a lower test error than one 7x7": "三个 3x3 的测试错误率比一个 7x7 低",
        },
        "effect_sources": {
            "Simonyan & Zisserman 2015, Sec. 4.1: top-1 error '7% higher' with 5x5 than net B's 28.7%; read as "
            "relative that is 2.0 points, as points 7: the smaller is declared": "Simonyan 与 Zisserman 2015 年第 4.1 节："
            "用 5x5 时 top-1 错误率比网络 B 的 28.7%“高 7%”；按相对值是 2.0 个百分点，按百分点是 7 个：取较小的一个",
            "Simonyan & Zisserman 2015 compare three 3x3 with one 7x7 in parameters only (Sec. 2.3)": "Simonyan 与 "
            "Zisserman 2015 年只比较了三个 3x3 与一个 7x7 的参数量（第 2.3 节）",
        },
    },
    "inception_reductions": {
        "title": "带与不带 1x1 降维的 Inception 模块",
        "source": f"{_SZEGEDY}第 4 节和图 2",
        "claim": "朴素的 Inception 模块中，3x3 和 5x5 卷积看到全部输入通道，池化分支又把它们全部传下去，"
        "几段之内计算量就会爆炸；在昂贵的卷积之前做 1x1 降维能控制计算量，而不损失精度。",
        "course_point": "1x1 瓶颈",
        "notes": "inception_small：表 1 中 3a、3b、4a 和 4b 的行，宽度缩小为四分之一。",
        "arms": {"reduced": "带 1x1 降维（图 2b）", "naive": "朴素（图 2a）"},
        "statements": {
            "the reductions cut the multiply-accumulates": "降维减少乘加次数",
            "the reductions do not cost accuracy": "降维不损失精度",
        },
        "effect_sources": {
            "Szegedy et al. 2015 never train the naive module; our margin: half a point of test error, the size "
            "they call a minor effect (Sec. 5)": "Szegedy 等 2015 年从未训练朴素模块；我们取的界限是测试错误率半个百分点，"
            "即他们称为“影响很小”的大小（第 5 节）",
        },
    },
    "aux_classifiers": {
        "title": "辅助分类器",
        "source": f"{_SZEGEDY}第 5 节",
        "claim": "接在中间层上的分类器（其损失以权重 0.3 加入）增强了到达前面各层的梯度信号，并起到正则化作用；"
        "论文发现它们对最终精度的影响很小（约 0.5%）。",
        "course_point": "辅助分类器",
        "notes": "梯度范数取自优化器所优化的损失（主损失加 0.3 x 辅助损失）在 conv1 卷积核处的梯度，对第一个 epoch 的各步取平均。"
        "只有一个辅助分类头（这个小网络有四个 Inception 模块，而不是九个）。",
        "arms": {"aux": "3b 之后接辅助分类器，权重 0.3", "none": "只有主分类器"},
        "statements": {
            "the auxiliary loss strengthens the gradient at conv1": "辅助损失增强 conv1 处的梯度",
            "the auxiliary classifier lowers the test error": "辅助分类器降低测试错误率",
        },
        "effect_sources": {
            "Szegedy et al. 2015, Sec. 5, give the reason (a stronger gradient) and no size": "Szegedy 等 2015 年第 5 节"
            "给出了理由（梯度更强），没有给出大小",
            "Szegedy et al. 2015, Sec. 5: 'relatively minor (around 0.5%)'": "Szegedy 等 2015 年第 5 节："
            "“影响相对很小（约 0.5%）”",
        },
    },
    "degradation": {
        "title": "退化问题：两种深度的普通网络与残差网络",
        "source": "He 等（2016，ResNet）第 4.2 节和图 6",
        "claim": "更深的普通网络（plain）比更浅的训练错误率更高（在 CIFAR-10 上 56 层对 20 层的普通网络），"
        "这是优化的困难，而不是过拟合；加上残差连接后，更深的网络能训练到更低的错误率。",
        "course_point": "残差连接",
        "notes": "cifar_resnet 与为 CIFAR-10 构建的完全相同（A 型捷径），输入 16x16（手写数字为 8x8；32x32 每步耗时是四倍）。"
        "论文训练 64k 次迭代；这里训练 5 个 epoch，每个 21 步。每一组都先以 0.01 预热一个 epoch"
        "（论文对它的 110 层网络也这样做），因为不预热的话，56 层的网络在这个预算内几乎无法开始训练。",
        "arms": {"plain20": "plain-20", "plain56": "plain-56", "resnet20": "ResNet-20", "resnet56": "ResNet-56"},
        "statements": {
            "the deeper plain network trains to a higher error": "更深的普通网络训练到更高的错误率",
            "residual connections lower the deep network's training error": "残差连接降低深层网络的训练错误率",
            "the deeper residual network trains to a lower error": "更深的残差网络训练到更低的错误率",
        },
        "effect_sources": {
            "He et al. 2016 show it in Fig. 6 (CIFAR-10) without a number for the training error": "He 等 2016 年在图 6"
            "（CIFAR-10）中画出了它，没有给出训练错误率的数字",
        },
    },
    "init_bn": {
        "title": "深层普通网络中的初始化与批归一化",
        "source": "He 等（2015，PReLU）第 2.2 节和图 3；Ioffe 与 Szegedy（2015）第 3.3 节",
        "claim": "在深的 ReLU 网络中，Glorot 初始化让信号逐层缩小，这样初始化的 30 层网络无法训练，"
        "而 He 等人的方差 2/fan_in 保持了尺度，网络能够训练（He et al. 2015，图 3）。"
        "批归一化使训练对初始化的敏感程度大大降低（Ioffe & Szegedy 2015）。",
        "course_point": "He 初始化与批归一化",
        "notes": "plain_deep：30 个 16 个 3x3 特征图的卷积块，输入 16x16，无池化，全局平均池化。两项尺度检查比较的是数值的 log10。"
        "这是在正式记录的运行之前、一次两个种子的冒烟运行（smoke run）之后决定的：在线性尺度上，He 组种子间的离散掩盖了五个数量级的差异。",
        "arms": {"glorot": "Glorot", "he": "He", "glorot_bn": "Glorot + BN", "he_bn": "He + BN"},
        "statements": {
            "with He's initialisation the 30-layer network trains further": "使用 He 初始化的 30 层网络训练得更远",
            "He's initialisation keeps the activations' scale": "He 初始化保持激活值的尺度",
            "He's initialisation keeps the gradient reaching the first layer": "He 初始化保持到达第一层的梯度",
            "batch norm lets the Glorot-initialised network train": "批归一化让 Glorot 初始化的网络能够训练",
        },
        "effect_sources": {
            "He et al. 2015, Fig. 3: the Glorot-initialised 30-layer network does not train at all; no size short "
            "of that": "He 等 2015 年图 3：Glorot 初始化的 30 层网络完全不训练；除此之外没有给出大小",
            "He et al. 2015, Sec. 2.2, derive it without a measured size": "He 等 2015 年第 2.2 节从推导得出，没有测量的大小",
            "Ioffe & Szegedy 2015, Sec. 3.3, give no size for this comparison": "Ioffe 与 Szegedy 2015 年第 3.3 节"
            "没有给出这一比较的大小",
        },
    },
    "gap_vs_fc": {
        "title": "全局平均池化对比展平加全连接",
        "source": "Lin 等（2014，NiN）第 3.2 节；Szegedy 等（2015，GoogLeNet）第 5 节",
        "claim": "用全局平均池化代替全连接层去掉了大部分参数，并作为一种结构上的正则化防止过拟合（NiN）；"
        "在 GoogLeNet 中它使 top-1 精度提高了约 0.6%。",
        "course_point": "全局平均池化",
        "notes": "vgg_small，每段两个 3x3 卷积；只有分类头不同。",
        "arms": {"gap": "全局平均池化", "fc": "展平 + 256 单元全连接"},
        "statements": {
            "global average pooling has far fewer parameters": "全局平均池化的参数少得多",
            "global average pooling lowers the test error": "全局平均池化降低测试错误率",
            "global average pooling overfits less": "全局平均池化更不容易过拟合",
        },
        "effect_sources": {
            "Szegedy et al. 2015, Sec. 5: top-1 accuracy about 0.6 points better": "Szegedy 等 2015 年第 5 节："
            "top-1 精度提高约 0.6 个百分点",
            "Lin et al. 2014, Sec. 3.2, call it a structural regulariser without a size": "Lin 等 2014 年第 3.2 节"
            "称之为结构上的正则化，没有给出大小",
        },
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


def missing() -> list:
    """Every declared text without its Chinese here (the tests want none)."""
    from keras_classics.lab.experiments import EXPERIMENTS
    from keras_classics.lab.pages import NETWORK_DESCRIPTIONS

    gaps = []
    for name, experiment in EXPERIMENTS.items():
        chinese = DECLARED.get(name)
        if chinese is None:
            gaps.append(f"{name}: no translation")
            continue
        for key in ("title", "source", "claim", "course_point", "notes"):
            if not chinese.get(key):
                gaps.append(f"{name}: {key}")
        gaps += [f"{name}: arm {a.name}" for a in experiment.arms if a.name not in chinese["arms"]]
        gaps += [
            f"{name}: statement {c.statement!r}" for c in experiment.checks if c.statement not in chinese["statements"]
        ]
        gaps += [
            f"{name}: effect source {c.effect_source!r}"
            for c in experiment.checks
            if c.effect_source and c.effect_source not in chinese["effect_sources"]
        ]
    gaps += [f"network {n}" for n in NETWORK_DESCRIPTIONS if n not in NETWORKS]
    return gaps
