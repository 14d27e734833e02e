// The explorer's words in the site's two languages. Numbers never come from
// here: only labels and the sentences that carry them.

const EN = {
  preset: "Start from",
  presetCustom: "(your own stack)",
  inputSize: "Input size",
  sep: ", ",
  inputChannels: "channels",
  addConv: "+ convolution",
  addPool: "+ pooling",
  layerN: "Layer {index}",
  conv: "convolution",
  pool: "pooling",
  kind: "kind",
  kernel: "kernel",
  window: "window",
  stride: "stride",
  padding: "padding",
  paddingValid: "valid (none)",
  paddingSame: "same",
  paddingPixels: "pixels, both sides",
  paddingPair: "pixels, before / after",
  pixels: "pixels",
  before: "before",
  after: "after",
  dilation: "dilation",
  filters: "filters",
  groups: "groups",
  bias: "bias",
  op: "pooling",
  max: "max",
  avg: "average",
  rounding: "rounding",
  floor: "floor",
  ceil: "ceil (Caffe)",
  up: "Move up",
  down: "Move down",
  remove: "Remove",
  showField: "Show this layer's field",
  output: "output",
  outputSize: "output size",
  applied: "padding applied",
  appliedSame: "{before} before, {after} after (TensorFlow puts the odd pixel after)",
  appliedPixels: "{before} before, {after} after",
  caffeStep: "the last window would start in the trailing padding, so Caffe drops it: −1",
  field: "receptive field",
  rfSize: "size",
  jump: "jump",
  start: "start",
  params: "parameters",
  macs: "MACs",
  poolFree: "pooling has no weights and its cost is not counted",
  modelParams:
    "In the original network this layer has {params} parameters and costs {macs} MACs: it is not a plain {kind} (its network's page says how). The numbers above count a plain one.",
  merged: "reads {channels} channels from a merge in the original network",
  blocked: "not computed: layer {index} has a problem",
  empty: "No layers yet: add a convolution or a pooling.",
  total: "Whole stack",
  finalOutput: "final output",
  totalParams: "parameters",
  totalMacs: "MACs",
  hashProblem: "The address holds layers this page cannot read ({why}); showing the first preset instead.",
  unknownPreset: 'No preset "{id}" here; showing the first one.',
  fieldTitle: "Receptive field",
  fieldInput: "input, {size}×{size}",
  fieldInputZoom: "input, {size}×{size}: the part around the field, magnified",
  fieldOutput: "output of layer {index} ({name}), {size}×{size}: click a unit",
  unit: "unit",
  row: "row",
  column: "column",
  fieldText:
    "Unit ({i}, {j}) of layer {index} sees {rf}×{rf} input pixels: rows {r0} to {r1}, columns {c0} to {c1}. Its centre is start + i·jump = {start} + {i}·{jump} = {centre}.",
  fieldNext: " The next unit's field (dashed) sits {jump} pixels further along the row.",
  fieldPadding: " {outside} of its rows and columns lie in the padding (hatched), outside the image.",
  fieldNone: "Choose a layer that has an output to see its field.",
  slideTitle: "One convolution, step by step",
  slideSize: "input size",
  first: "First",
  previous: "Previous",
  next: "Next",
  last: "Last",
  play: "Play",
  pause: "Pause",
  step: "Step {t} of {total}: output ({r}, {c}) is the dot product of the kernel with input rows {r0} to {r1} and columns {c0} to {c1}.",
  stepPadding: " Rows or columns below 0 or above {last} are padding (grey): zeros.",
  stepDilation: " With dilation {d} the kernel's taps are {d} pixels apart.",
  slidePadded: "input with its padding",
  slideOutput: "output",
};

const ZH = {
  preset: "从这里开始",
  presetCustom: "（你自己的层序列）",
  inputSize: "输入尺寸",
  sep: "，",
  inputChannels: "通道数",
  addConv: "+ 卷积层",
  addPool: "+ 池化层",
  layerN: "第 {index} 层",
  conv: "卷积",
  pool: "池化",
  kind: "类型",
  kernel: "卷积核",
  window: "窗口",
  stride: "步长",
  padding: "填充",
  paddingValid: "valid（不填充）",
  paddingSame: "same",
  paddingPixels: "像素，两侧相同",
  paddingPair: "像素，前 / 后分别给出",
  pixels: "像素",
  before: "前",
  after: "后",
  dilation: "膨胀率",
  filters: "卷积核个数",
  groups: "分组数",
  bias: "偏置",
  op: "池化方式",
  max: "最大",
  avg: "平均",
  rounding: "取整",
  floor: "向下取整",
  ceil: "向上取整（Caffe）",
  up: "上移",
  down: "下移",
  remove: "删除",
  showField: "查看这一层的感受野",
  output: "输出",
  outputSize: "输出尺寸",
  applied: "实际填充",
  appliedSame: "前 {before}、后 {after}（TensorFlow 把多出的一个像素放在后面）",
  appliedPixels: "前 {before}、后 {after}",
  caffeStep: "最后一个窗口会完全落在后填充里，Caffe 把它去掉：−1",
  field: "感受野",
  rfSize: "大小",
  jump: "跳距",
  start: "起点",
  params: "参数量",
  macs: "乘加次数",
  poolFree: "池化没有权重，它的计算量不计入乘加次数",
  modelParams: "在原网络中，这一层有 {params} 个参数、{macs} 次乘加：它不是普通的{kind}层（该网络的页面有说明）。上面的数字按普通的{kind}层计算。",
  merged: "在原网络中它读入的是一次合并（拼接）得到的 {channels} 个通道",
  blocked: "未计算：第 {index} 层有问题",
  empty: "还没有层：添加一个卷积层或池化层吧。",
  total: "整个层序列",
  finalOutput: "最终输出",
  totalParams: "参数量",
  totalMacs: "乘加次数",
  hashProblem: "地址里的层无法读取（{why}），先显示第一个预设。",
  unknownPreset: "这里没有名为“{id}”的预设，先显示第一个。",
  fieldTitle: "感受野",
  fieldInput: "输入，{size}×{size}",
  fieldInputZoom: "输入，{size}×{size}：感受野周围的部分，已放大",
  fieldOutput: "第 {index} 层（{name}）的输出，{size}×{size}：点选一个单元",
  unit: "单元",
  row: "行",
  column: "列",
  fieldText:
    "第 {index} 层的单元 ({i}, {j}) 看到输入上 {rf}×{rf} 个像素：第 {r0} 到 {r1} 行、第 {c0} 到 {c1} 列。它的中心在 起点 + i·跳距 = {start} + {i}·{jump} = {centre}。",
  fieldNext: "同一行的下一个单元的感受野（虚线）往右移 {jump} 个像素。",
  fieldPadding: "其中有 {outside} 行和列落在图像之外的填充里（斜线部分）。",
  fieldNone: "选一个有输出的层，才能看到它的感受野。",
  slideTitle: "一次卷积，一步一步看",
  slideSize: "输入尺寸",
  first: "第一步",
  previous: "上一步",
  next: "下一步",
  last: "最后一步",
  play: "播放",
  pause: "暂停",
  step: "第 {t} 步，共 {total} 步：输出 ({r}, {c}) 是卷积核与输入第 {r0} 到 {r1} 行、第 {c0} 到 {c1} 列的点积。",
  stepPadding: "小于 0 或大于 {last} 的行、列是填充（灰色），值为 0。",
  stepDilation: "膨胀率为 {d} 时，卷积核的各个抽头相隔 {d} 个像素。",
  slidePadded: "带填充的输入",
  slideOutput: "输出",
};

// Names of the arithmetic's arguments, as its errors name them.
const ARGUMENTS = {
  en: {},
  zh: {
    size: "输入尺寸",
    kernel: "卷积核",
    pool: "池化窗口",
    stride: "步长",
    dilation: "膨胀率",
    padding: "填充",
    padding_before: "前填充",
    filters: "卷积核个数",
    in_channels: "输入通道数",
    groups: "分组数",
    output_size: "输出尺寸",
  },
};

// An arithmetic error in the page's language. In English it is the Python
// message itself; in Chinese the same facts in a teacher's words.
const ZH_ERRORS = {
  not_integer: (a, n) => `${n(a.name)}必须是不小于 ${a.minimum} 的整数，现在是 ${show(a.value)}。`,
  too_small: (a, n) => `${n(a.name)}必须不小于 ${a.minimum}，现在是 ${a.value}。`,
  not_pair: (a, n) => `${n(a.name)}必须是一个整数或一对（高，宽），现在是 ${show(a.value)}。`,
  padding_word: (a) => `填充只能是 valid、same、一个整数或一对（前，后），现在是 ${show(a.value)}。`,
  padding_pair: (a) => `填充写成序列时必须是一对（前，后），现在是 ${show(a.value)}。`,
  rounding_word: (a) => `取整只能是 floor 或 ceil，现在是 ${show(a.value)}。`,
  ceil_padding: (a) =>
    `填充 ${a.before}+${a.after} 超过了池化窗口 ${a.kernel} 的一半：向上取整时填充最多为 ${Math.floor(a.kernel / 2)}，否则最后一个窗口可能完全落在填充里。`,
  too_large: (a, n) =>
    `${n(a.what)} ${a.kernel}${a.dilation > 1 ? `（膨胀后跨度 ${a.extent}）` : " "}比填充后的输入 ${a.padded}（尺寸 ${a.size} + 填充 ${a.before}+${a.after}）还大：输入至少要 ${a.need}。`,
  groups: (a) => `分组数 ${a.groups} 必须同时整除输入通道数 ${a.inChannels} 和卷积核个数 ${a.filters}。`,
  layer_shape: (a) => `第 ${a.index} 层必须写成（卷积核，步长[，前填充[，膨胀率]]），现在是 ${show(a.layer)}。`,
  kind: (a) => `层的类型只能是 conv 或 pool，现在是 ${show(a.value)}。`,
};

function show(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "空";
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return String(value);
}

export function translator(lang) {
  const words = lang === "zh" ? ZH : EN;
  const t = (key, args = {}) =>
    (words[key] ?? EN[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => (name in args ? String(args[name]) : `{${name}}`));
  t.lang = lang === "zh" ? "zh" : "en";
  t.error = (error) => {
    if (t.lang !== "zh" || !ZH_ERRORS[error.code]) {
      if (error.code === "not_integer" && Number.isNaN(error.args.value)) {
        return `${error.args.name} must be an integer >= ${error.args.minimum}; its field is empty`;
      }
      return error.message;
    }
    const name = (argument) => ARGUMENTS.zh[argument] ?? argument;
    return ZH_ERRORS[error.code](error.args, name);
  };
  return t;
}

// 34944 -> "34,944" in both languages, as the site's tables print it.
export function num(value) {
  return Number(value).toLocaleString("en-US", { maximumFractionDigits: 2 });
}
