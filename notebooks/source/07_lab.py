# %% [markdown] en
# # The lab: rerunning a paper's experiment
#
# The lab reruns the experiments behind the papers' design choices on a
# laptop's CPU: each experiment trains two or more arms (the same network
# with one thing changed) over several seeds, then says whether what it
# measured agrees with the paper's claim, or that it cannot tell. Here one
# experiment runs from Python; `keras-classics lab run NAME` does the same
# from a terminal.
# %% [markdown] zh
# # 实验室：重做论文中的实验
#
# 实验室在笔记本电脑的 CPU 上重做支撑论文设计选择的实验：每个实验训练两个或更多的对照组（同一个网络只改变一处），每组多个随机种子，然后判断测得的结果是否与论文的结论一致，或者说明无法判断。这里从 Python 运行一个实验；在终端中 `keras-classics lab run NAME` 做的是同一件事。

# %%
import json
import os

from IPython.display import Image, Markdown

from keras_classics import lab
from keras_classics.lab.runner import run_experiment, run_folder

# KERAS_CLASSICS_QUICK=1 (the project's tests set it) runs the lab's quick
# version: one seed, 2 epochs of 3 steps on a few images, a smoke test.
QUICK = os.environ.get("KERAS_CLASSICS_QUICK") == "1"

# %% [markdown] en
# ## The experiments
# %% [markdown] zh
# ## 有哪些实验

# %%
for name, experiment in lab.EXPERIMENTS.items():
    print(f"{name:22} {experiment.title}  ({experiment.source})")

# %% [markdown] en
# ## Run one
#
# ReLU against tanh (AlexNet, Section 3.1): the paper says a network of
# rectified linear units reaches 25% training error several times sooner.
# The run prints its progress and resumes where it stopped if it is
# interrupted and started again.
# %% [markdown] zh
# ## 运行一个实验
#
# ReLU 与 tanh 的对比（AlexNet 论文第 3.1 节）：论文称，使用 ReLU 的网络达到 25% 训练误差所需的时间要少好几倍。运行时会打印进度；如果中途被打断，再次运行时会从停下的地方继续。

# %%
experiment = lab.get("relu_vs_tanh")
print(experiment.claim)
summary = run_experiment(experiment, out="lab-runs", quick=QUICK)
summary  # a notebook shows the verdict, the table and the figures

# %% [markdown] en
# ## What it measured
#
# The verdict comes with its reason. The quick version has one seed per
# arm, too few to compare the arms' spread, so it is expected to say
# "inconclusive"; the full run has several seeds.
# %% [markdown] zh
# ## 测得了什么
#
# 结论附带理由。快速版每组只有一个随机种子，无法比较各组的离散程度，因此预期结论为“无法判断”；完整运行有多个随机种子。

# %%
for check in summary["checks"]:
    print(f"{check['statement']}: {check['verdict']} ({check.get('why') or 'measured'})")
folder = run_folder("lab-runs", experiment, QUICK)
print(sorted(os.listdir(folder)))
with open(os.path.join(folder, "table.md"), encoding="utf-8") as handle:
    table = handle.read()
Markdown(table)

# %%
Image(filename=os.path.join(folder, summary["figures"][0]))

# %% [markdown] en
# The summary file keeps the settings, the seeds, the machine and the
# versions with the numbers:
# %% [markdown] zh
# 摘要文件把设置、随机种子、机器和各软件版本与数字一起保存：

# %%
with open(os.path.join(folder, "summary.json"), encoding="utf-8") as handle:
    provenance = json.load(handle)["provenance"]
print(provenance["data"])
print({key: provenance["settings"][key] for key in ("epochs", "steps_per_epoch", "batch_size", "seeds")})
