"""Each network's training recipe, as its paper states it.

A recipe is data: optimizer, learning rate at the paper's batch size,
momentum, weight decay, schedule, epochs, auxiliary-loss weight and the
preprocessing scheme. `resolve` merges it with the command-line overrides and
scales the learning rate linearly with the batch size (Goyal et al. 2017,
"Accurate, Large Minibatch SGD"), so ``--batch-size 32`` on one CPU keeps the
paper's step per example.

Weight decay is the papers' coupled L2 term (gradient + decay * weight, fed
through momentum, as in Caffe and ``torch.optim.SGD``), not Keras's decoupled
``weight_decay``; see `keras_classics.training.optimizers`.

No TensorFlow here: the command line shows these defaults in ``--help``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Dict, Optional, Tuple

__all__ = ["Recipe", "Hyperparameters", "RECIPES", "OPTIMIZERS", "SCHEDULES", "recipe_for", "resolve"]

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("plateau", "exponential", "step", "constant")


@dataclass(frozen=True)
class Recipe:
    """A paper's training recipe; ``source`` cites where it says so."""

    network: str
    source: str
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    schedule: str
    preprocess: str
    momentum: float = 0.9
    weight_decay: float = 0.0
    # plateau: divide by 1/lr_factor when the validation loss has not
    # improved for lr_patience epochs, at most max_lr_drops times.
    lr_factor: float = 0.1
    lr_patience: int = 5
    max_lr_drops: int = 3
    # exponential: multiply by lr_factor every decay_every epochs.
    decay_every: int = 0
    # step: multiply by lr_factor at each of these epochs.
    lr_milestones: Tuple[int, ...] = ()
    # The auxiliary classifiers' loss weight, where a recipe departs from
    # the model's; None: the weight the model module states (read through
    # `aux_loss_weight`).
    aux_weight: Optional[float] = None
    notes: str = ""
    # ``source`` and ``notes`` in Chinese, for the site's Chinese pages: the
    # same facts and numbers, translated (tests/test_recipes_zh.py checks
    # that the numbers agree).
    source_zh: str = ""
    notes_zh: str = ""

    @property
    def aux_loss_weight(self) -> float:
        """The weight of each auxiliary classifier's loss: GoogLeNet's 0.3
        (Sec. 5), stated once, in `keras_classics.models.googlenet`."""
        if self.aux_weight is not None:
            return self.aux_weight
        # Imported here: the model module imports Keras, which the command
        # line's parser must not.
        from keras_classics.models.googlenet import AUX_LOSS_WEIGHT

        return AUX_LOSS_WEIGHT


RECIPES: Dict[str, Recipe] = {
    "lenet": Recipe(
        network="LeNet-5",
        source="LeCun et al. 1998, Sec. II.A, III.C and Appendix A; our optimizer",
        optimizer="adam",
        learning_rate=0.001,
        batch_size=16,
        epochs=50,
        schedule="plateau",
        preprocess="lenet",
        momentum=0.0,
        weight_decay=0.0,
        lr_patience=6,
        notes=(
            "The paper trains with stochastic diagonal Levenberg-Marquardt: per-parameter steps "
            "scaled by a running estimate of the diagonal Hessian, a global rate falling from 5e-4 "
            "to 1e-5 over 20 passes, one example at a time (Sec. III.C, Appendix C). Keras has no "
            "such optimizer and per-example steps are far too slow through model.fit, so we use "
            "Adam, also a per-parameter step size, at 1e-3 on batches of 16, dividing by 10 when "
            "the validation loss stalls for 6 epochs, 50 epochs, with the paper's random affine "
            "distortions (Sec. III.C). Measured on the digits (test accuracy of the best "
            "validation epoch, splits of seeds 1337, 1 and 2): this recipe 97.4%, 98.5%, 98.5%; "
            "at batch 32 and 2e-3 about half a point lower; without the distortions 95-98%; SGD "
            "with momentum 0.9 stalls on the RBF output's large penalties above a rate of 0.005 "
            "and reached 94-95% below it. Input scaling: background -0.1, ink 1.175 (Sec. II.A)."
        ),
        source_zh="LeCun 等 1998，第 II.A、III.C 节和附录 A；优化器是本包选的",
        notes_zh=(
            "论文用随机对角 Levenberg-Marquardt 法训练："
            "每个参数的步长按对角 Hessian 的滑动估计缩放，"
            "全局学习率在 20 遍中从 5e-4 降到 1e-5，"
            "每次一个样本（第 III.C 节、附录 C）。Keras 没有这种优化器，"
            "而通过 model.fit 逐个样本更新又太慢，"
            "所以本包用 Adam（它也是每个参数有自己的步长），学习率 1e-3，批大小 16，"
            "验证损失 6 个 epoch 不下降时除以 10，训练 50 个 epoch，"
            "并使用论文的随机仿射扭曲（第 III.C 节）。"
            "在手写数字上的实测（取验证集最好的 epoch 的测试准确率，"
            "数据划分的种子为 1337、1 和 2）：这个配方 97.4%、98.5%、98.5%；"
            "批大小 32、学习率 2e-3 时约低半个百分点；不加扭曲时 95-98%；"
            "动量 0.9 的 SGD 在学习率高于 0.005 时会被 RBF 输出层的大惩罚值卡住，"
            "低于它时只达到 94-95%。输入缩放：背景 -0.1，"
            "笔画 1.175（第 II.A 节）。"
        ),
    ),
    "alexnet": Recipe(
        network="AlexNet",
        source="Krizhevsky et al. 2012, Sec. 4.1, 4.2 and 5",
        optimizer="sgd",
        learning_rate=0.01,
        batch_size=128,
        epochs=90,
        schedule="plateau",
        preprocess="alexnet",
        momentum=0.9,
        weight_decay=5e-4,
        notes=(
            "Sec. 5: batch 128, momentum 0.9, weight decay 0.0005, learning rate 0.01 divided by "
            "10 when the validation error stopped improving (three times), about 90 epochs. "
            "Dropout 0.5 in fc6 and fc7 is part of the model. Sec. 2/4.1: mean-image "
            "subtraction, random 224 crops of 256x256 images and horizontal flips; Sec. 4.1: PCA "
            "colour noise with standard deviation 0.1."
        ),
        source_zh="Krizhevsky 等 2012，第 4.1、4.2 和 5 节",
        notes_zh=(
            "第 5 节：批大小 128，动量 0.9，权重衰减 0.0005，学习率 0.01，"
            "验证错误率不再下降时除以 10（共三次），约 90 个 epoch。"
            "fc6 和 fc7 中 0.5 的 Dropout 属于模型本身。第 2、4.1 节："
            "减去均值图像，从 256x256 的图像中随机裁剪 224，并水平翻转；第 4.1 节："
            "标准差 0.1 的 PCA 颜色扰动。"
        ),
    ),
    "zfnet": Recipe(
        network="ZFNet",
        source="Zeiler and Fergus 2014, Sec. 3",
        optimizer="sgd",
        learning_rate=0.01,
        batch_size=128,
        epochs=70,
        schedule="plateau",
        preprocess="alexnet",
        momentum=0.9,
        weight_decay=5e-4,
        notes=(
            "Sec. 3: batch 128, learning rate 0.01, momentum 0.9, annealed by hand when the "
            "validation error plateaus, 70 epochs, dropout 0.5 in fc6/fc7, 224 crops and flips. "
            "The paper states no weight decay: AlexNet's 0.0005 is used. Its renormalisation of "
            "conv filters whose RMS exceeds 0.1 is not applied."
        ),
        source_zh="Zeiler 和 Fergus 2014，第 3 节",
        notes_zh=(
            "第 3 节：批大小 128，学习率 0.01，动量 0.9，验证错误率停滞时手动降低学习率，"
            "70 个 epoch，fc6 和 fc7 中 0.5 的 Dropout，"
            "224 的裁剪和翻转。论文没有给出权重衰减：这里用 AlexNet 的 0.0005。"
            "论文把均方根超过 0.1 的卷积核重新归一化，这里没有这样做。"
        ),
    ),
    "vgg": Recipe(
        network="VGG",
        source="Simonyan and Zisserman 2015, Sec. 3.1",
        optimizer="sgd",
        learning_rate=0.01,
        batch_size=256,
        epochs=74,
        schedule="plateau",
        preprocess="vgg",
        momentum=0.9,
        weight_decay=5e-4,
        notes=(
            "Sec. 3.1: batch 256, momentum 0.9, L2 weight decay 5e-4, dropout 0.5 on the first two "
            "FC layers, learning rate 0.01 divided by 10 when the validation accuracy stopped "
            "improving (three times), 74 epochs. Sec. 2.1/3.1: per-channel RGB mean subtraction; "
            "training scale S jittered in [256, 512], random 224 crops, flips and AlexNet's RGB "
            "colour shift."
        ),
        source_zh="Simonyan 和 Zisserman 2015，第 3.1 节",
        notes_zh=(
            "第 3.1 节：批大小 256，动量 0.9，L2 权重衰减 5e-4，"
            "前两个全连接层 0.5 的 Dropout，学习率 0.01，"
            "验证准确率不再提高时除以 10（共三次），74 个 epoch。第 2.1、3.1 节："
            "逐通道减去 RGB 均值；训练尺度 S 在 [256, 512] 内随机抖动，"
            "随机裁剪 224，翻转，以及 AlexNet 的 RGB 颜色偏移。"
        ),
    ),
    "googlenet": Recipe(
        network="GoogLeNet",
        source="Szegedy et al. 2015, Sec. 5 and 6",
        optimizer="sgd",
        learning_rate=0.01,
        batch_size=128,
        epochs=60,
        schedule="exponential",
        preprocess="alexnet",
        momentum=0.9,
        weight_decay=2e-4,
        lr_factor=0.96,
        decay_every=8,
        notes=(
            "Sec. 6: asynchronous SGD with momentum 0.9, learning rate decreased by 4% every 8 "
            "epochs, Polyak averaging for the final model; Sec. 5: auxiliary losses weighted 0.3, "
            "dropout 0.7 in the auxiliary heads and 0.4 before the classifier (in the model). The "
            "paper states no initial rate, batch or weight decay: 0.01, 128 and 2e-4 follow the "
            "reference Caffe solver. Synchronous SGD replaces DistBelief's asynchronous updates; "
            "no Polyak averaging. Its photometric distortions and area/aspect-ratio crops are "
            "approximated by AlexNet's crops, flips and PCA colour noise."
        ),
        source_zh="Szegedy 等 2015，第 5 和 6 节",
        notes_zh=(
            "第 6 节：动量 0.9 的异步 SGD，学习率每 8 个 epoch 降低 4%，"
            "最终模型用 Polyak 平均；第 5 节：辅助损失权重 0.3，"
            "辅助分类器中 0.7 的 Dropout，"
            "分类器前 0.4 的 Dropout（属于模型本身）。"
            "论文没有给出初始学习率、批大小和权重衰减："
            "0.01、128 和 2e-4 取自参考的 Caffe 求解器配置。"
            "用同步 SGD 代替 DistBelief 的异步更新；不做 Polyak 平均。"
            "论文的光度扭曲和按面积、长宽比的裁剪，"
            "用 AlexNet 的裁剪、翻转和 PCA 颜色扰动近似。"
        ),
    ),
    "resnet": Recipe(
        network="ResNet",
        source="He et al. 2016, Sec. 3.4",
        optimizer="sgd",
        learning_rate=0.1,
        batch_size=256,
        epochs=120,
        schedule="plateau",
        preprocess="resnet",
        momentum=0.9,
        weight_decay=1e-4,
        notes=(
            "Sec. 3.4: batch 256, SGD momentum 0.9, weight decay 1e-4, learning rate 0.1 divided "
            "by 10 when the error plateaus, up to 60e4 iterations (about 120 epochs at 256), no "
            "dropout; scale augmentation with the shorter side in [256, 480], random 224 crops, "
            "flips and the standard colour augmentation. Per-channel mean/std normalisation "
            "stands in for the per-pixel mean (the common reimplementation). '--schedule step "
            "--lr-milestones 30,60,80' gives the widely used fixed schedule."
        ),
        source_zh="He 等 2016，第 3.4 节",
        notes_zh=(
            "第 3.4 节：批大小 256，动量 0.9 的 SGD，权重衰减 1e-4，"
            "学习率 0.1，错误率停滞时除以 10，"
            "最多 60e4 次迭代（批大小 256 时约 120 个 epoch），"
            "不用 Dropout；尺度增强，短边在 [256, 480] 内取值，随机裁剪 224，"
            "翻转，以及标准的颜色增强。"
            "用逐通道的均值和标准差归一化代替逐像素的均值（常见的重新实现都这样做）。"
            "'--schedule step --lr-milestones 30,60,80' 给出广泛使用的固定调度。"
        ),
    ),
    "resnet_cifar": Recipe(
        network="ResNet (CIFAR-10)",
        source="He et al. 2016, Sec. 4.2",
        optimizer="sgd",
        learning_rate=0.1,
        batch_size=128,
        epochs=182,
        schedule="step",
        preprocess="resnet_cifar",
        momentum=0.9,
        weight_decay=1e-4,
        lr_milestones=(91, 136),
        notes=(
            "Sec. 4.2: batch 128, weight decay 1e-4, momentum 0.9, learning rate 0.1 divided by 10 "
            "at 32k and 48k iterations, stopping at 64k, on a 45k/5k train/val split: at 352 "
            "iterations per epoch that is epochs 91 and 136 of 182, the milestones here. "
            "Per-pixel mean subtraction; 4-pixel padding, random 32x32 crops and flips. Not "
            "applied: ResNet-110's warm-up at 0.01 until the training error falls below 80%."
        ),
        source_zh="He 等 2016，第 4.2 节",
        notes_zh=(
            "第 4.2 节：批大小 128，权重衰减 1e-4，动量 0.9，学习率 0.1，"
            "在第 32k 和 48k 次迭代时除以 10，第 64k 次停止，"
            "训练集和验证集按 45k/5k 划分：每个 epoch 352 次迭代，"
            "也就是 182 个 epoch 中的第 91 和 136 个，即这里的两个里程碑。"
            "减去逐像素均值；每侧填充 4 像素后随机裁剪 32x32，并翻转。没有采用："
            "ResNet-110 先用 0.01 预热、直到训练错误率降到 80% 以下的做法。"
        ),
    ),
}

# The CIFAR-10 networks of ResNet's Sec. 4.2 train on small images with
# their own recipe.
_CIFAR_SIDE = 64


def recipe_for(
    model_name: str,
    family: Optional[str] = None,
    input_side: Optional[int] = None,
    recipe_name: Optional[str] = None,
) -> Recipe:
    """The recipe of a network: the one its registry entry names
    (``recipe_name``), else found by family or name for a caller's model.

    Without a registered name, ResNets with an input side of at most 64
    (CIFAR-sized) take the CIFAR-10 recipe.
    """
    if recipe_name:
        if recipe_name not in RECIPES:
            raise ValueError(f"{model_name}: unknown recipe {recipe_name!r}; known recipes: {', '.join(RECIPES)}")
        return RECIPES[recipe_name]
    if family == "resnet" and input_side is not None and input_side <= _CIFAR_SIDE:
        return RECIPES["resnet_cifar"]
    for key in (family, model_name):
        if key and key in RECIPES:
            return RECIPES[key]
    for key in RECIPES:
        if model_name.startswith(key):
            return RECIPES[key]
    # A network without a paper recipe (a user's own) trains with AlexNet's
    # plain SGD recipe, which is the common ancestor of the others.
    return replace(
        RECIPES["alexnet"], network=model_name, source="none: AlexNet's recipe", source_zh="无：用 AlexNet 的配方"
    )


@dataclass(frozen=True)
class Hyperparameters:
    """The values a run actually uses, after overrides and batch scaling."""

    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    momentum: float
    weight_decay: float
    schedule: str
    lr_factor: float
    lr_patience: int
    max_lr_drops: int
    decay_every: int
    lr_milestones: Tuple[int, ...]
    dropout: Optional[float]
    aux_loss_weight: float
    preprocess: str
    recipe: str
    lr_scaled_from: Optional[str]

    def to_dict(self):
        out = asdict(self)
        out["lr_milestones"] = list(self.lr_milestones)
        return out


def resolve(recipe: Recipe, config) -> Hyperparameters:
    """Merge ``config``'s explicit settings (non-None) over ``recipe``."""

    def pick(name, default):
        value = getattr(config, name)
        return default if value is None else value

    optimizer = pick("optimizer", recipe.optimizer)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {optimizer!r}")
    schedule = pick("schedule", recipe.schedule)
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; got {schedule!r}")
    batch_size = pick("batch_size", recipe.batch_size)
    scaled_from = None
    if config.learning_rate is not None:
        learning_rate = float(config.learning_rate)
    else:
        learning_rate = recipe.learning_rate * batch_size / recipe.batch_size
        if batch_size != recipe.batch_size:
            scaled_from = f"{recipe.learning_rate:g} at batch {recipe.batch_size}"
    milestones = tuple(pick("lr_milestones", recipe.lr_milestones))
    if schedule == "step" and not milestones:
        raise ValueError("the step schedule needs --lr-milestones, e.g. 30,60,80")
    if list(milestones) != sorted(set(milestones)):
        raise ValueError(f"lr_milestones must increase strictly, got {list(milestones)}")
    # A recipe's factor belongs to its own schedule (GoogLeNet's 0.96 every 8
    # epochs); another schedule starts from the usual division by 10.
    default_factor = recipe.lr_factor if schedule == recipe.schedule else 0.1
    lr_factor = pick("lr_factor", default_factor)
    return Hyperparameters(
        optimizer=optimizer,
        learning_rate=learning_rate,
        batch_size=batch_size,
        epochs=pick("epochs", recipe.epochs),
        momentum=pick("momentum", recipe.momentum),
        weight_decay=pick("weight_decay", recipe.weight_decay),
        schedule=schedule,
        lr_factor=lr_factor,
        lr_patience=pick("lr_patience", recipe.lr_patience),
        max_lr_drops=recipe.max_lr_drops,
        decay_every=recipe.decay_every or 1,
        lr_milestones=milestones,
        dropout=config.dropout,
        aux_loss_weight=pick("aux_loss_weight", recipe.aux_loss_weight),
        preprocess=pick("preprocess", recipe.preprocess),
        recipe=recipe.network,
        lr_scaled_from=scaled_from,
    )


def scheduled_rate(hp: Hyperparameters, epoch: int) -> Optional[float]:
    """The rate at ``epoch`` for the epoch-indexed schedules; None for plateau."""
    if hp.schedule == "constant":
        return hp.learning_rate
    if hp.schedule == "exponential":
        every = hp.decay_every or 1
        return hp.learning_rate * hp.lr_factor ** (epoch // every)
    if hp.schedule == "step":
        passed = sum(1 for m in hp.lr_milestones if epoch >= m)
        return hp.learning_rate * hp.lr_factor**passed
    return None
