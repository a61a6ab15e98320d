// Chart set-up shared by the pages: ECharts (echarts.js, loaded as a chunk
// of its own), the theme's palette, and draw, which keeps every chart drawn
// again on theme change and resize. Chart tooltips render on the canvas
// (richText), never as HTML.
import { uiLang, t, label } from './strings.js';
import { el, setStatus } from './dom.js';
import { fmtValue, pctFmt } from './format.js';
import { drawing } from './ready.js';
import { emptyNote } from './states.js';
import { ui } from './ui.js';

let engine; // ECharts (echarts.js) once asked for

// loadCharts starts loading ECharts, if not yet; a page calls it once its
// data calls are out, so that ECharts is evaluated while their answers
// are on the way (not before the calls go out), and draw waits for it.
export function loadCharts() {
  engine ??= import('./echarts.js');
  return engine;
}

// addKinds loads ECharts with the chart kinds a page draws beyond
// echarts.js's (the module kinds registers them).
export function addKinds(kinds) {
  engine = Promise.all([loadCharts(), kinds]).then(([echarts]) => echarts);
}

export const SENTIMENTS = ['positive', 'neutral', 'negative'];

// charts are the charts on the page: { node, render }.
const charts = [];

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function palette() {
  return {
    text: cssVar('--text'), muted: cssVar('--muted'), grid: cssVar('--border'), bg: cssVar('--card'),
    positive: cssVar('--positive'), neutral: cssVar('--neutral'), negative: cssVar('--negative'),
    heat: [cssVar('--heat-lo'), cssVar('--heat-hi')],
    series: [cssVar('--c1'), cssVar('--c2'), cssVar('--c3'), cssVar('--c4'), cssVar('--c5'), cssVar('--c6')],
  };
}

export function base(p) {
  return {
    backgroundColor: 'transparent',
    color: p.series,
    textStyle: { color: p.text, fontFamily: 'system-ui, sans-serif' },
    aria: { enabled: true },
    animation: false,
    tooltip: { renderMode: 'richText', backgroundColor: p.bg, borderColor: p.grid, textStyle: { color: p.text },
      valueFormatter: (v) => (typeof v === 'number' ? fmtValue.format(v) : v) },
    legend: { textStyle: { color: p.text }, top: 0, type: 'scroll' },
  };
}

// draw renders build(palette) into #id, again on theme change and resize;
// description is the chart's text summary (summaries.js), its aria-label;
// wire(chart), if given, attaches its drill-down (drill.js). Drawn again
// (live updates), a chart keeps its instance. It draws once ECharts has
// loaded; the page counts as drawing (ready.js) from the call on. The
// promise settles when the chart is set up: a card's loader returns it, so
// that a chart that fails to build shows as the card's error with Retry.
export function draw(id, build, description, wire) {
  const node = document.getElementById(id);
  if (!node) return Promise.resolve();
  const drawn = drawing();
  return loadCharts().then((echarts) => {
    const chart = echarts.getInstanceByDom(node) || echarts.init(node, null, { renderer: 'canvas', locale: uiLang().toUpperCase() });
    node.ewomChart = chart; // for the browser tests and the console
    const render = () => chart.setOption({ ...base(palette()), ...build(palette()), aria: { enabled: true, label: { description } } }, true);
    const i = charts.findIndex((c) => c.node === node);
    if (i >= 0) charts[i] = { node, render };
    else charts.push({ node, render });
    if (wire) wire(chart);
    chart.on('finished', function done() {
      chart.off('finished', done);
      node.dataset.drawn = '1';
      drawn();
    });
    render();
  }, (e) => {
    setStatus(t('couldNotLoad', { error: e.message }));
    drawn();
  }).catch((e) => {
    drawn();
    throw e;
  });
}

// empty puts an empty state in place of the chart #id: text, no image.
export function empty(id, msg) {
  const node = document.getElementById(id);
  if (!node) return;
  node.removeAttribute('role');
  node.removeAttribute('aria-label');
  node.replaceChildren(el('p', { class: 'muted empty' }, emptyNote(ui, msg)));
}

// sentimentName shows a sentiment code in the UI's language.
export const sentimentName = (v) => label('sentiment', v);

// sentimentDecal is each sentiment's pattern, so the charts tell them
// apart without colour: positive plain, neutral dotted, negative striped.
export function sentimentDecal(p, s) {
  if (s === 'neutral') return { symbol: 'circle', symbolSize: 0.5, dashArrayX: [[3, 3]], dashArrayY: [3, 3], color: p.bg };
  if (s === 'negative') return { symbol: 'rect', symbolSize: 1, dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: Math.PI / 4, color: p.bg };
  return undefined;
}

export function axisStyle(p) {
  return {
    axisLine: { lineStyle: { color: p.grid } }, axisLabel: { color: p.muted }, splitLine: { lineStyle: { color: p.grid } },
  };
}

// valueAxis is axisStyle with the numbers in the UI's locale.
export function valueAxis(p) {
  const a = axisStyle(p);
  return { ...a, axisLabel: { ...a.axisLabel, formatter: (v) => fmtValue.format(v) } };
}

export function pie(p, data) {
  return {
    legend: { show: false },
    tooltip: { ...base(p).tooltip, trigger: 'item' },
    series: [{ type: 'pie', radius: ['40%', '70%'], data, label: { color: p.text, formatter: (x) => `${x.name}: ${pctFmt.format(x.percent / 100)}` },
      itemStyle: { borderColor: p.bg, borderWidth: 2 } }],
  };
}

// barKeys are the bars of stackedBars, in their order: the bar a click's
// dataIndex names.
export const barKeys = (rows) => [...new Set(rows.map((r) => r.key))];

// stackedBars draws rows {key, key2, mentions} as bars per key stacked by
// key2, the keys shown as keyName says and the stacks as stackName does.
export function stackedBars(p, rows, stacks, horizontal, keyName, stackName) {
  const keys = barKeys(rows);
  const value = {};
  for (const r of rows) value[r.key + '\u0000' + r.key2] = r.mentions;
  // Each bar's name as shown, with its code (what the API and drill-down use).
  const cat = { type: 'category', data: keys.map((k) => ({ value: keyName(k), code: k })), ...axisStyle(p) };
  const val = { type: 'value', ...valueAxis(p) };
  const colors = { positive: p.positive, neutral: p.neutral, negative: p.negative };
  return {
    grid: { left: horizontal ? 96 : 48, right: 16, top: 36, bottom: 40, containLabel: false },
    xAxis: horizontal ? val : { ...cat, axisLabel: { ...cat.axisLabel, rotate: 30 } },
    yAxis: horizontal ? { ...cat, inverse: true } : val,
    tooltip: { ...base(p).tooltip, trigger: 'axis' },
    series: stacks.map((s, i) => ({ id: s, name: stackName(s), type: 'bar', stack: 'x', color: colors[s] || p.series[i % p.series.length],
      itemStyle: { decal: sentimentDecal(p, s) }, data: keys.map((k) => value[k + '\u0000' + s] || 0) })),
  };
}

// redrawCharts draws every chart again (in the theme's colours).
export function redrawCharts() {
  for (const c of charts) c.render();
}

// resizeCharts fits the charts to their boxes after the window is resized.
export function resizeCharts() {
  let timer;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => charts.forEach((c) => c.node.ewomChart.resize()), 100);
  });
}
