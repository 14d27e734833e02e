"""Every word the lab's tables, figures and pages show, keyed by language.

One table (`WORDS`) holds the fixed words in English ("en") and Chinese
("zh"); `keras_classics.lab.translations` holds the Chinese of what the
experiments declare (titles, claims, arms, statements). `words_for(language)`
gives the object the renderers ask, so that a table, a figure or a page is
drawn in either language from the same numbers.
"""

from __future__ import annotations

from typing import Optional

from keras_classics.lab import statistics as st

LANGUAGES = ("en", "zh")

WORDS = {
    "en": {
        "quantity": {
            "train_loss": "training loss (mean over the epoch's steps)",
            "train_error": "training error (whole training set, inference mode)",
            "val_error": "validation error (the validation split)",
            "gap": "generalisation gap on the validation split (validation error - training error)",
            "test_error": "test error (the held-out test images, on the network the run ends with)",
            "test_gap": "generalisation gap (test error - training error, on the network the run ends with)",
            "conv1_grad_norm": "gradient norm at the first convolution (mean over the epoch's steps)",
            "params": "parameters",
            "macs": "multiply-accumulates per image",
            "receptive_field": "receptive field of the last convolution (pixels)",
            "epochs_to_threshold": "epochs to reach the training-error threshold",
            "steps_to_best": "training steps to the best validation error",
            "learning_rate": "learning rate (chosen on the validation split)",
            "init_activation_std": "activation standard deviation at initialisation, per layer",
            "init_grad_std": "gradient standard deviation at initialisation, per layer",
            "epochs_trained": "epochs trained",
        },
        "short": {
            "train_loss": "training loss",
            "train_error": "training error",
            "val_error": "validation error",
            "gap": "validation gap",
            "test_error": "test error",
            "test_gap": "generalisation gap",
            "conv1_grad_norm": "conv1 gradient norm",
            "params": "parameters",
            "macs": "MACs",
            "receptive_field": "receptive field",
            "epochs_to_threshold": "epochs to threshold",
            "steps_to_best": "steps to best",
            "learning_rate": "learning rate",
            "init_activation_std": "activation SD at init",
            "init_grad_std": "gradient SD at init",
        },
        "at": {
            "epoch": {"last": " (last epoch)", "first": " (first epoch)", "best": " (best validation epoch)"},
            "layer": {"last": " (last layer)", "first": " (first layer)", "best": ""},
            "scalar": {"last": "", "first": "", "best": ""},
        },
        "verdict": {
            st.REPRODUCED: "reproduced",
            st.REVERSED: "reversed",
            st.NO_EFFECT: "no effect at this scale",
            st.INCONCLUSIVE: "inconclusive",
            st.COMPUTED: "computed",
        },
        "text": {
            "arm": "arm",
            "to": "to",
            "claim": "claim",
            "quantity": "quantity",
            "difference": "difference (arm - other; errors in points)",
            "interval": "95% interval",
            "detectable": "detectable at 80% power",
            "paper": "paper's effect",
            "images": "over the images (McNemar)",
            "verdict": "verdict",
            "computed_claim": "computed",
            "arm_value": "arm",
            "other_value": "other",
            "holds": "holds",
            "yes": "yes",
            "no": "no",
            "not_applicable": "-",
            "log10": "log10 of",
            "epoch_axis": "epoch",
            "epoch_axis_steps": "epoch ({steps} steps each)",
            "layer_axis": "layer (input side first)",
            "band": "line: mean of {n} seeds; band: their range (lowest to highest)",
            "threshold": "threshold {value}",
            "seeds": "seeds {n}",
            "reached": "reached by {k} of {n} seeds",
            "range": "{low} to {high}",
            "mcnemar": "{b} vs {c} images, p = {p}",
        },
    },
    "zh": {
        "quantity": {
            "train_loss": "训练损失（该 epoch 各步的平均）",
            "train_error": "训练错误率（整个训练集，推理模式）",
            "val_error": "验证错误率（验证集）",
            "gap": "验证集上的泛化差距（验证错误率 − 训练错误率）",
            "test_error": "测试错误率（留出的测试图像，在运行结束时的网络上测量）",
            "test_gap": "泛化差距（测试错误率 − 训练错误率，在运行结束时的网络上测量）",
            "conv1_grad_norm": "第一个卷积层处的梯度范数（该 epoch 各步的平均）",
            "params": "参数量",
            "macs": "每张图像的乘加次数",
            "receptive_field": "最后一个卷积的感受野（像素）",
            "epochs_to_threshold": "达到训练错误率阈值所需的 epoch 数",
            "steps_to_best": "到验证错误率最低时的训练步数",
            "learning_rate": "学习率（在验证集上选出）",
            "init_activation_std": "初始化时各层激活值的标准差",
            "init_grad_std": "初始化时各层梯度的标准差",
            "epochs_trained": "训练的 epoch 数",
        },
        "short": {
            "train_loss": "训练损失",
            "train_error": "训练错误率",
            "val_error": "验证错误率",
            "gap": "验证差距",
            "test_error": "测试错误率",
            "test_gap": "泛化差距",
            "conv1_grad_norm": "conv1 梯度范数",
            "params": "参数量",
            "macs": "乘加次数",
            "receptive_field": "感受野",
            "epochs_to_threshold": "达到阈值的 epoch 数",
            "steps_to_best": "到最佳的步数",
            "learning_rate": "学习率",
            "init_activation_std": "初始化时激活值标准差",
            "init_grad_std": "初始化时梯度标准差",
        },
        "at": {
            "epoch": {"last": "（最后一个 epoch）", "first": "（第一个 epoch）", "best": "（验证错误率最低的 epoch）"},
            "layer": {"last": "（最后一层）", "first": "（第一层）", "best": ""},
            "scalar": {"last": "", "first": "", "best": ""},
        },
        "verdict": {
            st.REPRODUCED: "已重现",
            st.REVERSED: "结果相反",
            st.NO_EFFECT: "此规模下无效应",
            st.INCONCLUSIVE: "无法定论",
            st.COMPUTED: "计算所得",
        },
        "text": {
            "arm": "实验组",
            "to": "至",
            "claim": "说法",
            "quantity": "量",
            "difference": "差值（本组 − 对照组；错误率以百分点计）",
            "interval": "95% 置信区间",
            "detectable": "80% 功效下可检测的效应",
            "paper": "论文中的效应",
            "images": "逐图像比较（McNemar）",
            "verdict": "判定",
            "computed_claim": "计算所得",
            "arm_value": "本组",
            "other_value": "对照组",
            "holds": "是否成立",
            "yes": "成立",
            "no": "不成立",
            "not_applicable": "-",
            "log10": "log10",
            "epoch_axis": "epoch",
            "epoch_axis_steps": "epoch（每个 {steps} 步）",
            "layer_axis": "层（从输入端数起）",
            "band": "线：{n} 个种子的均值；色带：它们的范围（最低到最高）",
            "threshold": "阈值 {value}",
            "seeds": "{n} 个种子",
            "reached": "{n} 个种子中有 {k} 个达到",
            "range": "{low} 至 {high}",
            "mcnemar": "{b} 对 {c} 张图像，p = {p}",
        },
    },
}

CHECK_COLUMNS = ("claim", "quantity", "difference", "interval", "detectable", "paper", "images", "verdict")
COMPUTED_COLUMNS = ("computed_claim", "quantity", "arm_value", "other_value", "holds")


class Words:
    """The words of one language, and the declared words of the
    experiments in it (`keras_classics.lab.translations`)."""

    CHECK_COLUMNS = CHECK_COLUMNS
    COMPUTED_COLUMNS = COMPUTED_COLUMNS

    def __init__(self, language: str):
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
        self.language = language
        self.table = WORDS[language]

    def text(self, key: str, **values) -> str:
        return self.table["text"][key].format(**values)

    def quantity_label(self, quantity: str) -> str:
        return self.table["quantity"][quantity]

    def quantity_name(self, quantity: str, log10: bool = False) -> str:
        name = self.table["short"].get(quantity, quantity)
        return f"{self.text('log10')} {name}" if log10 else name

    def measure_heading(self, measure: dict) -> str:
        return self.quantity_label(measure["quantity"]) + self.table["at"][measure["kind"]][measure["at"]]

    def verdict(self, verdict: str) -> str:
        return self.table["verdict"][verdict]

    def seeds(self, n: int) -> str:
        return self.text("seeds", n=n)

    def reached(self, k: int, n: int) -> str:
        return self.text("reached", k=k, n=n)

    def range(self, low: str, high: str) -> str:
        return self.text("range", low=low, high=high)

    def parenthesised(self, text: str) -> str:
        return f"({text})" if self.language == "en" else f"（{text}）"

    def holds(self, holds: Optional[bool]) -> str:
        return "n/a" if holds is None else self.text("yes" if holds else "no")

    def mcnemar_cell(self, check: dict) -> str:
        paired = check.get("mcnemar")
        if not paired:
            return self.text("not_applicable")
        return self.text("mcnemar", b=paired["only_arm_right"], c=paired["only_other_right"], p=f"{paired['p']:.2g}")

    # The experiments' declared words: English as declared, Chinese from
    # the translations (a missing one is an error, found by the tests).
    def _declared(self, experiment: str) -> Optional[dict]:
        if self.language == "en":
            return None
        from keras_classics.lab.translations import DECLARED

        return DECLARED[experiment]

    def title(self, experiment: str, english: str) -> str:
        chinese = self._declared(experiment)
        return english if chinese is None else chinese["title"]

    def arm_label(self, experiment: str, arm: str, english: str) -> str:
        chinese = self._declared(experiment)
        return english if chinese is None else chinese["arms"][arm]

    def statement(self, experiment: str, english: str) -> str:
        chinese = self._declared(experiment)
        return english if chinese is None else chinese["statements"][english]


def words_for(language: str) -> Words:
    return Words(language)


# ------------------------------------------------------------------ pages
#
# The sentences of the lab's pages (`keras_classics.lab.pages`) and of the
# measured line that other pages show (`measured_line`), by language.

RULE = {
    "en": (
        "For each check the lab takes the difference of the two arms' means over their seeds and its 95% "
        "interval by Welch's t: each arm's seeds are a sample, their spreads may differ, and the t "
        "distribution allows for how little five seeds say about the spread (a bootstrap over five seeds "
        "would give too narrow an interval). Errors on the held-out test images are measured on the same "
        "images for every arm, so for them the interval also counts the test set's own sampling noise (the "
        "variance of the per-image differences, added by the law of total variance), and McNemar's test over "
        "the images (exact mid-p, seed k of one arm paired with seed k of the other) must agree at the 5% "
        "level. A check is **reproduced** when its interval excludes zero in the paper's direction, "
        "**reversed** when it excludes zero the other way, **no effect at this scale** when it includes zero "
        "but excludes an effect as large as the paper's in the paper's direction, and **inconclusive** "
        "otherwise (a check whose paper gives no size can never conclude 'no effect'). A claim that something "
        "is no worse is reproduced when the interval excludes a worsening as large as its declared margin. "
        "The **detectable effect** is the difference the check would have found with 80% probability at the "
        "standard error it measured (the noncentral t): a check that can only detect effects larger than the "
        "paper's could not have confirmed it. Quantities that multiply (orders of magnitude, 'six times "
        "faster') are compared as log10. A threshold not reached within the budget gives a lower bound, which "
        "supports a verdict only on the side it bounds. Parameter and MAC counts are arithmetic, shown as "
        "computed lines under the verdict; the experiment's verdict is its main behavioural claim."
    ),
    "zh": (
        "对每一项检查，实验室计算两组在各自种子上的均值之差，并用 Welch t 方法给出它的 95% 置信区间："
        "每组的种子是一个样本，两组的离散程度可以不同，t 分布考虑到了五个种子对离散程度所知有限"
        "（在五个种子上做自助法（bootstrap）得到的区间会太窄）。留出测试图像上的错误率对每一组都是在同一批图像上测的，"
        "所以对它们，区间还计入测试集本身的抽样噪声（按全方差公式加上逐图像差值的方差），"
        "并且逐图像的 McNemar 检验（精确中 p 值，一组的第 k 个种子与另一组的第 k 个种子配对）必须在 5% 水平上给出同样的结论。"
        "区间在论文的方向上排除 0，判定为**已重现**；在相反方向上排除 0，判定为**结果相反**；"
        "区间包含 0、但排除了论文方向上和论文一样大的效应，判定为**此规模下无效应**；其余情况为**无法定论**"
        "（论文没有给出效应大小的检查永远不会判为“无效应”）。对“某事不会变差”的说法，区间排除了与所声明界限一样大的变差时，"
        "判为已重现。**可检测的效应**是在测得的标准误下、检查有 80% 的概率发现的差值（非中心 t 分布）："
        "若一项检查只能发现比论文更大的效应，它本来就无法证实论文。按倍数变化的量（数量级、“快六倍”）比较其 log10。"
        "在预算内没有达到阈值，得到的是一个下界，它只在它所限定的那一侧支持判定。参数量和乘加次数是算术，"
        "作为“计算所得”列在判定之下；实验的判定是它主要的行为上的说法。"
    ),
}

PAGE = {
    "en": {
        "claim": "The claim ({source})",
        "course_point": "Course point: **{point}**. Pages that rely on it: {links}.",
        "setup": "Setup",
        "setup_header": "| arm | network and options | training |",
        "as_the_others": "as the others",
        "random_translations": "random translations",
        "aux_weight": "auxiliary loss weight {weight:g}",
        "defaults": "defaults",
        "budget_fixed": "Budget: {epochs} epochs of {steps}, the same for every arm.",
        "budget_early": (
            "Budget: at most {epochs} epochs of {steps}; an arm stops when its validation error has not improved "
            "for {patience} epochs, and the network of its best epoch is the one measured (the same rule for "
            "every arm)."
        ),
        "steps": "{steps} steps",
        "one_pass": "one pass over the training set",
        "optimiser": "SGD with momentum {momentum:g}, batch {batch}{warmup}.",
        "warmup": ", the first {epochs} epoch(s) at a tenth of the learning rate",
        "rate_fixed": "Learning rate {rate:g} for every arm.",
        "rate_grid": (
            "Learning rate: chosen for each arm from the grid {grid}, the same grid for every arm, by the lowest "
            "{by} on the validation split of runs with seed {seeds} (never a measured seed)."
        ),
        "select_val_error": "validation error",
        "select_epochs_to_threshold": "number of epochs to the threshold",
        "threshold": "Threshold: {value} training error, reached after a whole epoch (measured on the whole training set).",
        "data": "Training images: {size}; inputs {input}x{input}; seeds {seeds}.",
        "stop_at_threshold": "An arm's run ends at the epoch it reaches the threshold.",
        "train_sample": (
            "The training error of each epoch is measured on a fixed sample of {n} training images, the same "
            "for every arm and seed; the test images are measured once, at the end."
        ),
        "all_images": "all of the data set's",
        "command": "Command",
        "quick": (
            "`--quick` runs one seed for two epochs of three steps on a few images (a check of the machinery, not "
            "of the paper); `--data cifar10` or `--data FOLDER` uses other data."
        ),
        "rule": "How a verdict is reached",
        "checks_declared": "The checks, with the size of the paper's effect and where it comes from:",
        "check_line": "{statement} ({quantity}): {effect}; {source}.",
        "no_size": "no size",
        "results": "Results",
        "not_run_title": "Not run yet",
        "not_run": "No results for this experiment are kept with the site yet. The command above writes them into `lab-runs/{name}/`.",
        "old_format_title": "Recorded under the lab's first design",
        "old_format": (
            "The results kept in `{folder}` were recorded by the first version of the lab (three seeds per arm, "
            "and verdicts by a rule of two standard deviations that had too little power to find the papers' "
            "effects). This version reads only summaries of format {format}, with intervals and detectable "
            "effects; the experiment will be recorded again, and its numbers are not shown until then."
        ),
        "verdict_title": "Verdict on the main claim: {verdict}",
        "check_result": (
            "{statement}: **{verdict}** (difference {difference}, 95% interval {low} to {high}; detectable at 80% "
            "power: {detectable}; the paper's effect: {paper}{images})."
        ),
        "check_result_none": "{statement}: **{verdict}** ({why}).",
        "images_sentence": "; over the images {b} against {c}, McNemar p = {p}",
        "computed_line": "Computed: {statement}: {arm_value} against {other_value} ({holds}).",
        "holds_yes": "it holds",
        "holds_no": "it does not hold",
        "units_log10": " (log10)",
        "units_points": " points",
        "table_note": (
            "Each cell is the mean over seeds ± the standard deviation, with the range over seeds in parentheses; "
            "errors are percentages, their differences percentage points."
        ),
        "selection_title": "The learning rates chosen",
        "selection_header": "| arm | learning rate | {by} on the validation split, by rate | chosen |",
        "english_figure": "",
        "discussion": "Discussion",
        "provenance": "Provenance",
        "prov_command": "Command: `{command}`",
        "prov_run": "Run: {start} to {end}, {clock} in {sessions} session(s).",
        "prov_machine": "Machine: {cpu}, {cores} cores, {platform}.",
        "prov_load": "Load average (1 min) when it started: {loads}: the 2 cores were shared with other jobs, so the times are inflated.",
        "prov_versions": "Versions: {versions}.",
        "prov_data": "Data: {data}.",
        "prov_files": "Files: {summary}, {run}, metrics per arm and seed in `{metrics}/`.",
        "clock": "{minutes} min {seconds:02d} s",
        "index_title": "The lab",
        "index_intro": (
            "Small re-runs of the experiments behind the course's claims, on a laptop CPU, reported as they came "
            "out. Each experiment is declared as data in `keras_classics.lab.experiments` (its arms, data, budget, "
            "seeds and checks, each check with the size of the paper's effect) and run by one runner. The verdict "
            "is computed from the numbers by the rule below; a claim that does not show at this scale is reported "
            "as such, and no setting was adjusted to make a result agree with a paper."
        ),
        "index_header": "| experiment | paper | verdicts (the main claim first) | time |",
        "index_total": "Total time of the experiments run: {clock}, on a 2-core machine shared with other jobs (each page gives the load).",
        "index_old": "recorded under the first design: to be recorded again",
        "not_run_cell": "not run yet",
        "measured": "Measured in the lab ([{title}]({link}))",
        "measured_none": "The lab's [{title}]({link}) has no results under its current design yet.",
    },
    "zh": {
        "claim": "论文的说法（{source}）",
        "course_point": "课程要点：**{point}**。依据它的页面：{links}。",
        "setup": "实验设置 {{: #setup }}",
        "setup_header": "| 实验组 | 网络与选项 | 训练 |",
        "as_the_others": "同其他组",
        "random_translations": "随机平移",
        "aux_weight": "辅助损失权重 {weight:g}",
        "defaults": "默认",
        "budget_fixed": "预算：{epochs} 个 epoch，{steps}，每一组都一样。",
        "budget_early": (
            "预算：至多 {epochs} 个 epoch，{steps}；某一组的验证错误率连续 {patience} 个 epoch 没有改善时就停止，"
            "测量的是它最好的那个 epoch 的网络（每一组用同一规则）。"
        ),
        "steps": "每个 {steps} 步",
        "one_pass": "每个遍历一次训练集",
        "optimiser": "带动量 {momentum:g} 的 SGD，批大小 {batch}{warmup}。",
        "warmup": "，前 {epochs} 个 epoch 用十分之一的学习率",
        "rate_fixed": "每一组的学习率都是 {rate:g}。",
        "rate_grid": (
            "学习率：每一组从网格 {grid} 中选出（每一组用同一个网格），标准是种子 {seeds} 的运行在验证集上的{by}最低"
            "（从不用正式测量的种子）。"
        ),
        "select_val_error": "验证错误率",
        "select_epochs_to_threshold": "达到阈值的 epoch 数",
        "threshold": "阈值：训练错误率 {value}，在整个 epoch 结束时判断（在整个训练集上测量）。",
        "data": "训练图像：{size}；输入 {input}x{input}；种子 {seeds}。",
        "stop_at_threshold": "某一组达到阈值的那个 epoch 结束时，它的运行就结束。",
        "train_sample": "每个 epoch 的训练错误率在固定的 {n} 张训练图像样本上测量（每一组、每个种子都一样）；测试图像只在最后测量一次。",
        "all_images": "数据集的全部训练图像",
        "command": "命令 {{: #command }}",
        "quick": (
            "`--quick` 只用一个种子、少量图像，训练两个各三步的 epoch（检查程序本身，而不是检验论文）；"
            "`--data cifar10` 或 `--data FOLDER` 使用其他数据。"
        ),
        "rule": "判定是怎样得出的 {{: #how-a-verdict-is-reached }}",
        "checks_declared": "各项检查，以及论文中效应的大小和出处：",
        "check_line": "{statement}（{quantity}）：{effect}；{source}。",
        "no_size": "没有给出大小",
        "results": "结果 {{: #results }}",
        "not_run_title": "尚未运行",
        "not_run": "网站上还没有这个实验的结果。上面的命令会把结果写到 `lab-runs/{name}/`。",
        "old_format_title": "按实验室的第一版设计记录",
        "old_format": (
            "`{folder}` 中保存的结果由第一版实验室记录（每组三个种子，判定规则是“相差两倍标准差”，它的统计功效太低，"
            "发现不了论文中的效应）。现在这一版只读取格式 {format} 的汇总（带置信区间和可检测的效应）；"
            "这个实验将重新记录，在此之前不显示它的数字。"
        ),
        "verdict_title": "主要说法的判定：{verdict}",
        "check_result": (
            "{statement}：**{verdict}**（差值 {difference}，95% 置信区间 {low} 至 {high}；80% 功效下可检测的效应：{detectable}；"
            "论文中的效应：{paper}{images}）。"
        ),
        "check_result_none": "{statement}：**{verdict}**（{why}）。",
        "images_sentence": "；逐图像比较 {b} 对 {c}，McNemar p = {p}",
        "computed_line": "计算所得：{statement}：{arm_value} 对 {other_value}（{holds}）。",
        "holds_yes": "成立",
        "holds_no": "不成立",
        "units_log10": "（log10）",
        "units_points": " 个百分点",
        "table_note": "每格为各种子的均值 ± 标准差，括号内为各种子的取值范围；错误率以百分数表示，它们的差值以百分点表示。",
        "selection_title": "选出的学习率 {{: #the-learning-rates-chosen }}",
        "selection_header": "| 实验组 | 学习率 | 验证集上的{by}（按学习率） | 选出的 |",
        "english_figure": "（图中文字为英文：生成图片的机器上没有中文字体。）",
        "discussion": "讨论 {{: #discussion }}",
        "provenance": "来源记录 {{: #provenance }}",
        "prov_command": "命令：`{command}`",
        "prov_run": "运行：{start} 到 {end}，用时 {clock}，共 {sessions} 次会话。",
        "prov_machine": "机器：{cpu}，{cores} 核，{platform}。",
        "prov_load": "开始时的负载（1 分钟平均）：{loads}：2 个核与其他任务共享，所以用时偏长。",
        "prov_versions": "版本：{versions}。",
        "prov_data": "数据：{data}。",
        "prov_files": "文件：{summary}、{run}，各组各种子的指标在 `{metrics}/` 中。",
        "clock": "{minutes} 分 {seconds:02d} 秒",
        "index_title": "实验室",
        "index_intro": (
            "这里在笔记本电脑的 CPU 上，小规模地重跑课程中各个说法背后的实验，结果如实报告。每个实验以数据的形式声明在 "
            "`keras_classics.lab.experiments` 中（实验组、数据、预算、种子和各项检查，每项检查都附有论文中效应的大小），"
            "由同一个运行器执行。判定按下面的规则由数字算出；在这个规模下看不出来的说法就如实报告，"
            "任何设置都没有为了让结果与论文一致而调整过。"
        ),
        "index_header": "| 实验 | 论文 | 判定（主要说法在前） | 用时 |",
        "index_total": "全部实验运行总时间：{clock}，在一台与其他任务共享的 2 核机器上（每页给出负载）。",
        "index_old": "按第一版设计记录：将重新记录",
        "not_run_cell": "尚未运行",
        "measured": "实验室的测量（[{title}]({link})）",
        "measured_none": "实验室的[{title}]({link})在现在的设计下还没有结果。",
    },
}


def page_text(language: str, key: str, **values) -> str:
    return PAGE[language][key].format(**values)


# `keras_classics.lab.statistics.verdict`'s reasons, in Chinese.
REASONS_ZH = {
    "fewer than two seeds in an arm: no spread to compare the difference with": "某一组不到两个种子：没有离散程度可与差值比较",
    "seeds of both arms never reached the threshold: the difference is unknown": "两组都有种子没有达到阈值：差值未知",
    "some seeds never reached the threshold, and their bounds leave the outcome open": "有的种子没有达到阈值，它们的下界使结论无法确定",
    "the interval excludes a worsening as large as the margin": "区间排除了与界限一样大的变差",
    "the interval excludes zero against the paper's direction": "区间在与论文相反的方向上排除了 0",
    "the interval excludes zero but McNemar's test over the images does not (p >= 0.05)": "区间排除了 0，但逐图像的 McNemar 检验没有（p ≥ 0.05）",
    "the interval excludes zero in the paper's direction": "区间在论文的方向上排除了 0",
    "the interval excludes zero on the worse side": "区间在变差的一侧排除了 0",
    "the interval includes a worsening as large as the margin": "区间包含与界限一样大的变差",
    "the interval includes zero and an effect as large as the paper's": "区间既包含 0，也包含与论文一样大的效应",
    "the interval includes zero and excludes an effect as large as the paper's": "区间包含 0，并排除了与论文一样大的效应",
}


def reason(language: str, english: str) -> str:
    return english if language == "en" else REASONS_ZH.get(english, english)


# The data, from `keras_classics.lab.data.LabData.facts`.
DATA = {
    "en": {
        "digits": "scikit-learn digits, 8x8 resized to {size}x{size} (bilinear), {train} training, {val} validation "
        "and {test} test images (split seed {seed})",
        "cifar10": "CIFAR-10 (keras.datasets) at {size}x{size}: the first {train} training images, the next {val} "
        "as the validation split, and the first {test} test images",
        "cifar100": "CIFAR-100 (keras.datasets) at {size}x{size}: the first {train} training images, the next {val} "
        "as the validation split, and the first {test} test images",
        "mnist": "MNIST (keras.datasets) at {size}x{size}: the first {train} training images, the next {val} "
        "as the validation split, and the first {test} test images",
        "fashion_mnist": "Fashion-MNIST (keras.datasets) at {size}x{size}: the first {train} training images, the "
        "next {val} as the validation split, and the first {test} test images",
        "shapes": "the bundled shapes ({name}, version {version}, seed {seed}), drawn at {drawn}x{drawn} and used at "
        "{size}x{size}: {train} training images, the next {val} of its training stream as the validation split, and "
        "{test} test images",
        "folder": "image folder {path} ({layout}), resized to {size}x{size}, {train} training, {val} validation and "
        "{test} test images (split seed {seed})",
        "train_size": "; {train_size} of its training images, each class in proportion (seed {seed})",
        "quick": " (quick: the first {0} training, {1} validation and {2} test images)",
    },
    "zh": {
        "digits": "scikit-learn 的手写数字（digits），8x8 缩放到 {size}x{size}（双线性插值），{train} 张训练图像、"
        "{val} 张验证图像和 {test} 张测试图像（划分种子 {seed}）",
        "cifar10": "CIFAR-10（keras.datasets），{size}x{size}：前 {train} 张训练图像，接下来的 {val} 张作验证集，"
        "以及前 {test} 张测试图像",
        "cifar100": "CIFAR-100（keras.datasets），{size}x{size}：前 {train} 张训练图像，接下来的 {val} 张作验证集，"
        "以及前 {test} 张测试图像",
        "mnist": "MNIST（keras.datasets），{size}x{size}：前 {train} 张训练图像，接下来的 {val} 张作验证集，"
        "以及前 {test} 张测试图像",
        "fashion_mnist": "Fashion-MNIST（keras.datasets），{size}x{size}：前 {train} 张训练图像，接下来的 {val} 张"
        "作验证集，以及前 {test} 张测试图像",
        "shapes": "随包附带的形状图像集（{name}，版本 {version}，种子 {seed}），以 {drawn}x{drawn} 绘制、以 "
        "{size}x{size} 使用：{train} 张训练图像，训练流中接下来的 {val} 张作验证集，以及 {test} 张测试图像",
        "folder": "图像文件夹 {path}（{layout}），缩放到 {size}x{size}，{train} 张训练图像、{val} 张验证图像和 "
        "{test} 张测试图像（划分种子 {seed}）",
        "train_size": "；从中取 {train_size} 张训练图像，各类比例不变（种子 {seed}）",
        "quick": "（quick：前 {0} 张训练、{1} 张验证和 {2} 张测试图像）",
    },
}


def data_description(facts: dict, language: str = "en") -> str:
    """The data in words, from its facts (as the run recorded them)."""
    table = DATA[language]
    text = table[facts["data"]].format(**{"seed": "", **facts})
    if facts.get("train_size") is not None:
        text += table["train_size"].format(train_size=facts["train_size"], seed=facts.get("seed", ""))
    if facts.get("quick"):
        text += table["quick"].format(*facts["quick"])
    return text
