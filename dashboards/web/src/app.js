// ewom dashboards. Security rules for this file: untrusted text (posts,
// authors, URLs) only ever reaches the DOM through textContent or
// setAttribute of safe attributes; links only for http(s) URLs; chart
// tooltips render on the canvas (richText), never as HTML.
import { metaResponse } from './early.js';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart, HeatmapChart, SankeyChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, AriaComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import langFI from 'echarts/lib/i18n/langFI.js';
import langSV from 'echarts/lib/i18n/langSV.js';
import { setupCrisis, applyDefaults, alertsAround, alertWindows, markAlerts } from './crisis.js';
import { uiLang, t, label, langName, numberFormat, dateFormat } from './strings.js';
import { renderAlerts as renderAlertList, alertsPage } from './alertflow.js';
import { setupExport } from './exportopts.js';
import { setupSearch, showSearchError } from './search.js';
import { topicsPage } from './topics.js';
import { setupPeriod, showWindow, compareNote } from './period.js';
import { setupLive, livePages } from './live.js';
import * as drill from './drill.js';
import { setupDrawer, mentionLink } from './drawer.js';
import { competitorsPage } from './competitors.js';
import { loadCard, emptyNote } from './states.js';
import * as summary from './summaries.js';
import { phrase, phrases } from './explain.js';

echarts.use([BarChart, LineChart, PieChart, HeatmapChart, SankeyChart, GridComponent, TooltipComponent,
  LegendComponent, VisualMapComponent, AriaComponent, CanvasRenderer]);
// The charts' own words (dates on time axes, their descriptions for screen
// readers) in the UI's language.
echarts.registerLocale('FI', langFI);
// ECharts 6's Swedish names a single series with a placeholder it never
// fills ("med typnamn {name}"): the sentence as its other languages have it.
echarts.registerLocale('SV', { ...langSV, aria: { ...langSV.aria, series: { ...langSV.aria.series,
  single: { ...langSV.aria.series.single, withName: ' av typen {seriesType} med namnet {seriesName}.' } } } });

const FILTERS = ['brand', 'range', 'from', 'to', 'source', 'lang', 'touchpoint', 'sentiment', 'journey_stage', 'q', 'saved',
  'interval', 'smooth', 'compare', 'live'];
const SENTIMENTS = ['positive', 'neutral', 'negative'];

// ---- DOM helpers -------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// safeHref returns an absolute http(s) URL or null.
export function safeHref(raw) {
  if (typeof raw !== 'string' || raw === '') return null;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch (e) {
    return null;
  }
}

function extLink(url, text) {
  const href = safeHref(url);
  if (!href) return el('span', { text });
  return el('a', { href, rel: 'noopener noreferrer', target: '_blank', text });
}

const fmt = numberFormat({ maximumFractionDigits: 0 });
const fmt1 = numberFormat({ maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const fmtValue = numberFormat({ maximumFractionDigits: 1 });
const pctFmt = numberFormat({ style: 'percent', maximumFractionDigits: 1 });
const dateFmt = dateFormat({ dateStyle: 'medium', timeStyle: 'short' });

// optionLabel shows a filter's value (data-options names the list) in the
// UI's language; the option's value stays the API's code.
function optionLabel(list, v) {
  if (list === 'langs') return langName(v);
  const kind = { sources: 'source', touchpoints: 'touchpoint', sentiments: 'sentiment', journey_stages: 'stage' }[list];
  return kind ? label(kind, v) : v;
}

function setStatus(msg) {
  const s = document.getElementById('status');
  if (s) s.textContent = msg;
}

// ---- API -----------------------------------------------------------------

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || '';
const role = () => document.querySelector('meta[name="ewom-role"]')?.content || 'viewer';

// api fetches JSON; a 401 from the dashboard API means the session ended,
// so it goes to the sign-in page (not for other roles' endpoints: quiet).
async function api(path, opts = {}) {
  const { quiet, ...init } = opts;
  const res = await fetch(path, {
    credentials: 'same-origin',
    ...init,
    headers: { Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() } : {}) },
  }).catch(() => { throw new Error(t('networkError')); });
  return answer(res, quiet);
}

// answer reads an API response: its JSON, or an error whose message is in
// the UI's language. The API's own message (detail) is English: the
// English UI shows it; Finnish and Swedish say the problem by its code, or
// by the HTTP status.
async function answer(res, quiet) {
  if (res.status === 401 && !quiet) {
    location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new Error('signed out');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const detail = body.error || res.statusText;
    let msg = detail;
    if (uiLang() !== 'en') {
      msg = body.code ? t(body.code, body.args || {}) : t('http_' + res.status, { status: String(res.status) });
      if (msg === 'http_' + res.status) msg = t('httpOther', { status: String(res.status) });
    }
    throw Object.assign(new Error(msg), { status: res.status, detail, position: body.position, code: body.code, args: body.args });
  }
  return body;
}

// ui is what the feature modules (crisis.js, alertflow.js, exportopts.js) use of this file.
const ui = { el, api, extLink, filterQuery, dateFmt, fmt, track };

// filterQuery is the current URL's filters as a query string (plus extra).
function filterQuery(extra = {}) {
  const cur = new URLSearchParams(location.search);
  const q = new URLSearchParams();
  for (const k of FILTERS) {
    const v = cur.get(k);
    if (v) q.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === null) q.delete(k);
    else q.set(k, v);
  }
  return q.toString();
}

// ---- filters form --------------------------------------------------------

async function setupFilters(meta) {
  const form = document.getElementById('filters');
  if (!form) return;
  const params = new URLSearchParams(location.search);
  for (const sel of form.querySelectorAll('select[data-options]')) {
    const key = sel.dataset.options;
    if (key === 'brands') continue; // rendered by the server
    for (const v of meta[key] || []) sel.append(el('option', { value: v, text: optionLabel(key, v) }));
  }
  for (const field of form.elements) {
    if (field.name && params.has(field.name)) field.value = params.get(field.name);
  }
  if (params.get('from')) form.elements.range.value = 'custom';
  // Submit only non-empty filters so shared URLs stay short.
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const field of form.elements) {
      if (!field.name || !field.value) continue;
      if (field.name === 'range' && field.value === 'custom') continue;
      if ((field.name === 'from' || field.name === 'to') && form.elements.range.value !== 'custom') continue;
      q.set(field.name, field.value);
    }
    location.assign(location.pathname + (q.toString() ? '?' + q : ''));
  });
  // A choice made with the mouse applies at once; one stepped through with
  // the keyboard (arrow keys change a closed select's value) applies on
  // Enter or when the select loses focus, not at every step.
  for (const sel of form.querySelectorAll('select')) {
    let byKey = false;
    let pending = false;
    sel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && pending) {
        ev.preventDefault();
        form.requestSubmit();
        return;
      }
      byKey = ev.key !== 'Tab';
    });
    sel.addEventListener('pointerdown', () => { byKey = false; });
    sel.addEventListener('change', () => {
      if (byKey) pending = true;
      else form.requestSubmit();
    });
    sel.addEventListener('blur', () => {
      if (pending) form.requestSubmit();
    });
  }
  // Keep the navigation's filters when moving between pages.
  for (const a of document.querySelectorAll('a[data-nav]')) {
    const q = filterQuery();
    if (q) a.href = a.getAttribute('href') + '?' + q;
  }
}

// ---- charts --------------------------------------------------------------

const charts = [];
let pending = 0;

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

function base(p) {
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
// (live updates), a chart keeps its instance.
function draw(id, build, description, wire) {
  const node = document.getElementById(id);
  if (!node) return;
  let chart = echarts.getInstanceByDom(node) || echarts.init(node, null, { renderer: 'canvas', locale: uiLang().toUpperCase() });
  node.ewomChart = chart; // for the browser tests and the console
  const render = () => chart.setOption({ ...base(palette()), ...build(palette()), aria: { enabled: true, label: { description } } }, true);
  const i = charts.findIndex((c) => c.node === node);
  if (i >= 0) charts[i] = { node, render };
  else charts.push({ node, render });
  if (wire) wire(chart);
  pending++;
  chart.on('finished', function done() {
    chart.off('finished', done);
    node.dataset.drawn = '1';
    if (--pending === 0) markReady();
  });
  render();
}

// empty puts an empty state in place of the chart #id: text, no image.
function empty(id, msg) {
  const node = document.getElementById(id);
  if (!node) return;
  node.removeAttribute('role');
  node.removeAttribute('aria-label');
  node.replaceChildren(el('p', { class: 'muted empty' }, emptyNote(ui, msg)));
}

// sentimentName shows a sentiment code in the UI's language.
const sentimentName = (v) => label('sentiment', v);

// sentimentDecal is each sentiment's pattern, so the charts tell them
// apart without colour: positive plain, neutral dotted, negative striped.
function sentimentDecal(p, s) {
  if (s === 'neutral') return { symbol: 'circle', symbolSize: 0.5, dashArrayX: [[3, 3]], dashArrayY: [3, 3], color: p.bg };
  if (s === 'negative') return { symbol: 'rect', symbolSize: 1, dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: Math.PI / 4, color: p.bg };
  return undefined;
}

// card loads one card (or the cards of ids) with its skeleton, error and
// Retry (states.js); a search error also shows at the search box.
function card(ids, load) {
  return loadCard(ui, ids, load, showSearchError);
}

let loads = 0;
let tracked = []; // the loads since the last live update started
function track(promise) {
  loads++;
  tracked.push(promise);
  return promise.catch((e) => { setStatus(t('couldNotLoad', { error: e.message })); showSearchError(e); }).finally(() => {
    if (--loads === 0 && pending === 0) markReady();
  });
}

// markReady flags a fully drawn page (tests and the benchmark wait for it,
// and read how long it took since navigation started).
function markReady() {
  if (loads === 0 && pending === 0 && !document.body.dataset.ready) {
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = '1';
  }
}

function axisStyle(p) {
  return {
    axisLine: { lineStyle: { color: p.grid } }, axisLabel: { color: p.muted }, splitLine: { lineStyle: { color: p.grid } },
  };
}

// valueAxis is axisStyle with the numbers in the UI's locale.
function valueAxis(p) {
  const a = axisStyle(p);
  return { ...a, axisLabel: { ...a.axisLabel, formatter: (v) => fmtValue.format(v) } };
}

// ---- Overview ------------------------------------------------------------

function delta(cur, prev, unit = '') {
  const vs = compareNote();
  if (!prev || !vs) return '';
  const d = cur - prev;
  return (d >= 0 ? '▲ ' : '▼ ') + fmt1.format(d) + unit + ' ' + vs;
}

async function overview(meta) {
  card('kpi-mentions', () => api('/api/v1/summary?' + filterQuery()).then((s) => {
    const c = s.current, p = s.previous;
    showWindow(ui, s.from, s.to, compareNote() ? s.previous_from : null, s.previous_to);
    document.getElementById('kpi-mentions').textContent = fmt.format(c.mentions);
    document.getElementById('kpi-mentions-delta').textContent = delta(c.mentions, p.mentions);
    document.getElementById('kpi-net').textContent = fmt1.format(c.net_sentiment);
    document.getElementById('kpi-net-delta').textContent = delta(c.net_sentiment, p.mentions ? p.net_sentiment : 0);
    document.getElementById('kpi-negative').textContent = fmt.format(c.negative);
    document.getElementById('kpi-negative-delta').textContent = delta(c.negative, p.negative);
    document.getElementById('kpi-reach').textContent = fmt.format(c.reach);
    document.getElementById('kpi-reach-delta').textContent = delta(c.reach, p.reach);
  }));
  const alertList = alertsAround(ui); // read beside the series, for its alert windows
  // The comparison period's series is drawn too, unless compare=none.
  const compare = new URLSearchParams(location.search).get('compare') || 'previous';
  card(['chart-volume', 'chart-net'], () => api('/api/v1/timeseries?' + filterQuery({ compare })).then(async (ts) => {
    if (!ts.points.some((pt) => pt.mentions)) return ['chart-volume', 'chart-net'].forEach((id) => empty(id));
    const x = ts.points.map((p) => p.t);
    // Alert windows shade both time charts.
    const step = { '5m': 3e5, '1h': 36e5, '1d': 864e5, '1w': 6048e5 }[ts.interval] || 0;
    const windows = x.length ? alertWindows(await alertList, x[0], new Date(Date.parse(x[x.length - 1]) + step).toISOString()) : [];
    for (const id of ['chart-volume', 'chart-net']) document.getElementById(id).dataset.alertWindows = String(windows.length);
    draw('chart-volume', (p) => ({
      grid: { left: 48, right: 16, top: 36, bottom: 32 },
      xAxis: { type: 'time', ...axisStyle(p) },
      yAxis: { type: 'value', name: t('axisMentions'), ...valueAxis(p) },
      tooltip: { ...base(p).tooltip, trigger: 'axis' },
      series: [...SENTIMENTS.map((s, i) => ({
        id: s, name: label('sentiment', s), type: 'bar', stack: 'volume', color: p[s], itemStyle: { decal: sentimentDecal(p, s) }, barCategoryGap: '10%',
        large: true, largeThreshold: 100, // one path a series: 2–3× cheaper to draw than a bar each
        data: ts.points.map((pt, i) => [x[i], pt[s]]), markArea: i === 0 ? markAlerts(p, windows) : undefined,
      })), ...(ts.previous ? [{ id: 'comparison', name: t('comparison'), type: 'line', showSymbol: false, color: p.muted,
        lineStyle: { type: 'dashed' }, data: ts.previous.map((pt, i) => [x[i], pt.mentions]) }] : [])],
    }), summary.volume('chart-volume', ts), (chart) => drill.onItems(ui, chart, (e) => (SENTIMENTS.includes(e.seriesId)
      ? { ...drill.bucket(ts, x[e.dataIndex], step), sentiment: e.seriesId } : null)));
    draw('chart-net', (p) => ({
      grid: { left: 48, right: 16, top: 24, bottom: 32 },
      xAxis: { type: 'time', ...axisStyle(p) },
      yAxis: { type: 'value', min: -100, max: 100, name: t('axisNet'), ...valueAxis(p) },
      tooltip: { ...base(p).tooltip, trigger: 'axis' },
      legend: { show: !!ts.smooth },
      series: [{ name: t('seriesNet'), type: 'line', showSymbol: false, color: p.series[0], connectNulls: false,
        data: ts.points.map((pt, i) => [x[i], pt.mentions ? Math.round(pt.net_sentiment * 10) / 10 : null]),
        markArea: markAlerts(p, windows), lineStyle: ts.smooth ? { opacity: 0.4 } : undefined },
      ...(ts.smooth ? [{ id: 'smoothed', name: t('smoothed'), type: 'line', showSymbol: false, color: p.series[1],
        data: ts.points.map((pt, i) => [x[i], pt.net_smoothed === undefined ? null : Math.round(pt.net_smoothed * 10) / 10]) }] : [])],
    }), summary.net('chart-net', ts), (chart) => drill.onBuckets(ui, chart, ts, x, step));
  }));
  // Share of voice compares every brand: drop the brand filter.
  card('chart-sov', () => api('/api/v1/breakdown?by=brand&' + filterQuery({ brand: null })).then((b) => {
    const rows = b.rows.filter((r) => r.key !== '');
    if (!rows.length) return empty('chart-sov');
    const items = rows.map((r) => ({ name: r.key, value: r.mentions }));
    draw('chart-sov', (p) => pie(p, items), summary.shares('chart-sov', items),
      (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(b), brand: e.name })));
  }));
  for (const [by, id] of [['touchpoint', 'chart-peso'], ['source', 'chart-sources'], ['lang', 'chart-langs']]) {
    card(id, () => api('/api/v1/breakdown?by=' + by + '&by2=sentiment&' + filterQuery()).then((b) => {
      if (!b.rows.length) return empty(id);
      if (by === 'touchpoint') {
        const tot = {};
        for (const r of b.rows) tot[r.key] = (tot[r.key] || 0) + r.mentions;
        const items = Object.entries(tot).map(([name, value]) => ({ name: label('touchpoint', name), value, code: name }));
        draw(id, (p) => pie(p, items), summary.shares(id, items),
          (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(b), touchpoint: e.data.code })));
      } else {
        const keyName = by === 'lang' ? langName : (v) => label('source', v);
        draw(id, (p) => stackedBars(p, b.rows, SENTIMENTS, true, keyName, sentimentName), summary.stacked(id, b.rows, keyName, sentimentName),
          (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(b), [by]: barKeys(b.rows)[e.dataIndex], sentiment: e.seriesId })));
      }
    }));
  }
  card('top-negative', () => api('/api/v1/mentions?' + filterQuery({ sentiment: 'negative', sort: 'reach', limit: '8' })).then((l) => {
    renderMentionList(document.getElementById('top-negative'), l.mentions);
  }));
  card('top-authors', () => api('/api/v1/authors/top?' + filterQuery({ limit: '10' })).then((a) => {
    const tbody = document.querySelector('#top-authors tbody');
    tbody.replaceChildren(...a.authors.map((x) => el('tr', {},
      el('td', { class: 'author' }, extLink(x.url, x.name || x.handle), el('span', { class: 'muted small block', text: x.handle })),
      el('td', { text: label('source', x.source) }), el('td', { class: 'num', text: fmt.format(x.reach) }),
      el('td', { class: 'num', text: fmt.format(x.mentions) }), el('td', { class: 'num', text: fmt.format(x.negative) }))));
    if (!a.authors.length) tbody.append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, emptyNote(ui))));
  }));
  track(alerts({ state: 'firing' }).then((list) => renderAlerts(document.getElementById('active-alerts'), list)));
}

function pie(p, data) {
  return {
    legend: { show: false },
    tooltip: { ...base(p).tooltip, trigger: 'item' },
    series: [{ type: 'pie', radius: ['40%', '70%'], data, label: { color: p.text, formatter: (x) => `${x.name}: ${pctFmt.format(x.percent / 100)}` },
      itemStyle: { borderColor: p.bg, borderWidth: 2 } }],
  };
}

// barKeys are the bars of stackedBars, in their order: the bar a click's
// dataIndex names.
const barKeys = (rows) => [...new Set(rows.map((r) => r.key))];

// stackedBars draws rows {key, key2, mentions} as bars per key stacked by
// key2, the keys shown as keyName says and the stacks as stackName does.
function stackedBars(p, rows, stacks, horizontal, keyName, stackName) {
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

// ---- mentions ------------------------------------------------------------

function labelChip(kind, value, corrected) {
  return el('span', { class: 'chip ' + kind + ' ' + kind + '-' + value, title: corrected ? t('correctedTitle') : null },
    label(kind, value) + (corrected ? ' ✎' : ''));
}

// brandChip shows one brand's labels of a post: its name, sentiment and
// journey stage; brands outside the filters are drawn dashed.
function brandChip(b) {
  return el('span', { class: 'chip brand-label' + (b.match === false ? ' other' : '') },
    el('b', { text: b.brand || t('noBrand') }), labelChip('sentiment', b.sentiment, b.corrected), labelChip('stage', b.journey_stage, b.corrected));
}

// postLink opens a post in the drawer; its text says its language.
function postLink(id, text, lang, cls) {
  const a = mentionLink(el, id, text, cls);
  if (lang) a.lang = lang;
  return a;
}

function renderMentionList(list, mentions) {
  list.replaceChildren();
  if (!mentions.length) {
    list.append(el('li', { class: 'muted' }, emptyNote(ui)));
    return;
  }
  for (const m of mentions) {
    const head = m.title || m.text.slice(0, 140);
    const title = postLink(m.id, head, m.lang, 'mention-title');
    list.append(el('li', { class: 'mention' },
      el('div', { class: 'meta' }, el('span', { class: 'author', text: m.author.name || m.author.handle }), ' · ',
        el('span', { text: label('source', m.source) }), ' · ', el('time', { datetime: m.published_at, text: dateFmt.format(new Date(m.published_at)) }),
        ' · ', el('span', { text: t('followers', { n: fmt.format(m.author.followers) }) })),
      title,
      m.title ? el('p', { class: 'text', lang: m.lang || null, text: m.text.slice(0, 400) }) : null,
      el('div', { class: 'chips' }, ...(m.brand_labels || []).map(brandChip), labelChip('touchpoint', m.touchpoint, m.corrected),
        m.url ? extLink(m.url, t('original')) : null)));
  }
}

async function mentionsPage(meta) {
  const params = new URLSearchParams(location.search);
  let offset = Number(params.get('offset') || 0);
  const list = document.getElementById('mention-list');
  const extra = () => ({ q: params.get('q') || null, sort: params.get('sort') || null, term: params.get('term') || null, story: params.get('story') || null,
    node: params.get('node') || null, transition: params.get('transition') || null });
  drill.flowNote(ui);
  document.getElementById('export').href = '/api/v1/mentions/export?' + filterQuery(extra());
  setupExport(ui);
  const load = () => card('mention-list', () => api('/api/v1/mentions?' + filterQuery({ ...extra(), limit: '25', offset: String(offset) })).then((l) => {
    renderMentionList(list, l.mentions);
    document.getElementById('prev').disabled = offset === 0;
    document.getElementById('next').disabled = !l.has_more;
    setStatus(l.mentions.length ? t('mentionsRange', { from: fmt.format(offset + 1), to: fmt.format(offset + l.mentions.length) }) : t('noMatches'));
  }));
  document.getElementById('prev').addEventListener('click', () => { offset = Math.max(0, offset - 25); load(); });
  document.getElementById('next').addEventListener('click', () => { offset += 25; load(); });
  load();
  return load;
}

// showDetail fills the mention drawer's box (drawer.js) with the post, its
// labels for each brand it names with the evidence behind them, and the
// correction form for admins. The brand filter's brand comes first.
async function showDetail(box, id, meta) {
  const brand = new URLSearchParams(location.search).get('brand') || '';
  const d = await api('/api/v1/mentions/' + encodeURIComponent(id) + '?brand=' + encodeURIComponent(brand));
  const x = d.mention;
  const lang = x.lang || null;
  // Evidence of a per-brand label names its brand; the rest is the post's.
  const ev = (field, b) => d.explanation.filter((e) => e.label === field && (e.brand || '') === b);
  const evList = (field, b = '') => {
    const items = ev(field, b);
    if (!items.length) return el('p', { class: 'muted small', text: t('noEvidence') });
    return el('ul', { class: 'evidence' }, ...items.map((e) => el('li', {},
      e.text_phrase ? el('span', { text: phrase(e.text_phrase) }) : el('code', { lang, text: e.text }),
      ' ', el('span', { class: 'muted', text: label('evidence', e.kind) }),
      e.weight ? el('span', { class: 'num', text: ' ' + fmt1.format(e.weight) }) : null,
      noteOf(e))));
  };
  // A note the API could not name as a phrase is shown in English, marked.
  const noteOf = (e) => {
    if (e.note_phrases) return el('span', { class: 'muted', text: ' (' + phrases(e.note_phrases) + ')' });
    return e.note ? el('span', { class: 'muted', lang: 'en', text: ' (' + e.note + ')' }) : null;
  };
  const inEnglish = (!d.touchpoint_reason_phrase && x.touchpoint_reason) ||
    d.explanation.some((e) => e.label !== 'brand' && e.note && !e.note_phrases);
  const rows = [
    [t('author'), el('span', { class: 'author' }, extLink(x.author.url, x.author.name || x.author.handle), ' ', el('span', { class: 'muted', text: x.author.handle }))],
    [t('published'), dateFmt.format(new Date(x.published_at))],
    [t('source'), label('source', x.source)], [t('language'), langName(x.lang)],
    [t('originalLink'), x.url ? extLink(x.url, x.url) : t('noLink')],
    [t('classifier'), d.current_classifier_version && d.current_classifier_version !== x.classifier_version
      ? t('explanationFrom', { version: x.classifier_version, current: d.current_classifier_version }) : x.classifier_version],
  ];
  // One section per brand the post names: its labels and their evidence.
  const brandSection = (b) => el('section', { class: 'brand-detail', 'data-brand': b.brand },
    el('h4', {}, el('b', { text: b.brand || t('noBrand') })),
    el('dl', { class: 'facts' },
      el('dt', { text: t('sentiment') }), el('dd', {}, labelChip('sentiment', b.sentiment, b.corrected), ' ' + fmt1.format(b.sentiment_score)),
      el('dt', { text: t('touchpoint') }), el('dd', {}, labelChip('touchpoint', b.touchpoint, b.corrected)),
      el('dt', { text: t('journeyStage') }), el('dd', {}, labelChip('stage', b.journey_stage, b.corrected))),
    b.corrected ? el('p', { class: 'small corrected' }, t('correctedFor', {
      labels: [label('sentiment', b.original.sentiment), label('touchpoint', b.original.touchpoint), label('stage', b.original.journey_stage)].join(', ') })) : null,
    ev('sentiment', b.brand).length ? evList('sentiment', b.brand) : null,
    ev('journey_stage', b.brand).length ? evList('journey_stage', b.brand) : null);
  box.replaceChildren(...[
    el('h3', { class: 'drawer-post-title', lang, text: x.title || x.text.slice(0, 140) }),
    el('p', { class: 'fulltext', lang, text: x.text }),
    el('dl', { class: 'facts' }, ...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)])),
    el('h3', { text: t('perBrand') }), ...x.brand_labels.map(brandSection),
    el('h3', { text: t('wholePost') }),
    el('h4', { text: t('sentiment') }), evList('sentiment'),
    el('h4', { text: t('touchpointIs', { label: label('touchpoint', x.touchpoint) }) }),
    d.touchpoint_reason_phrase ? el('p', { class: 'small', text: phrase(d.touchpoint_reason_phrase) })
      : el('p', { class: 'small', lang: 'en', text: x.touchpoint_reason }), evList('touchpoint'),
    el('h4', { text: t('journeyStage') }), evList('journey_stage'),
    uiLang() === 'en' || !inEnglish ? null : el('p', { class: 'muted small', text: t('explainedInEnglish') }),
    role() === 'admin' ? correctionForm(x, meta, d.learning) : null,
  ].filter(Boolean));
}

// learningNote says how many corrections the next `ewom learn` would use.
function learningNote(l) {
  if (!l) return '';
  const model = l.active_model === 'shipped' ? t('shippedModel') : t('learnedModel', { date: dateFmt.format(new Date(l.active_since)) });
  return t(l.new_corrections === 1 ? 'learnOne' : 'learnMany', { n: fmt.format(l.new_corrections), model,
    total: fmt.format(l.corrections), min: fmt.format(l.min_examples) });
}

function correctionForm(x, meta, learning) {
  const select = (name, title, kind, values, cur) => el('label', {}, title,
    el('select', { name }, ...values.map((v) => el('option', { value: v, selected: v === cur, text: label(kind, v) }))));
  const msg = el('p', { class: 'small', role: 'status' });
  const note = el('p', { class: 'small muted learning', text: learningNote(learning) });
  // The form corrects one brand's labels; choosing another brand shows its.
  const brand = el('label', {}, t('brand'), el('select', { name: 'brand' },
    ...x.brand_labels.map((b) => el('option', { value: b.brand, selected: b.brand === x.brand, text: b.brand || t('noBrand') }))));
  const form = el('form', { class: 'correct', 'aria-label': t('correctLabels') },
    el('h3', { text: t('correctTheLabels') }), note, x.brand_labels.length > 1 ? brand : null,
    select('sentiment', t('sentiment'), 'sentiment', meta.sentiments, x.sentiment),
    select('touchpoint', t('touchpoint'), 'touchpoint', meta.touchpoints, x.touchpoint),
    select('journey_stage', t('journeyStage'), 'stage', meta.journey_stages, x.journey_stage),
    el('label', {}, t('note'), el('input', { name: 'note', maxlength: 1000 })),
    el('button', { type: 'submit', text: t('saveCorrection') }), msg);
  brand.querySelector('select').addEventListener('change', (ev) => {
    const b = x.brand_labels.find((y) => y.brand === ev.target.value);
    for (const k of ['sentiment', 'touchpoint', 'journey_stage']) form.elements[k].value = b[k];
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { brand: x.brand_labels.length > 1 ? form.elements.brand.value : x.brand };
    for (const k of ['sentiment', 'touchpoint', 'journey_stage', 'note']) body[k] = form.elements[k].value;
    try {
      await api('/api/v1/mentions/' + encodeURIComponent(x.id) + '/labels', { method: 'POST', body: JSON.stringify(body) });
      msg.textContent = t('correctionSaved');
      api('/api/v1/mentions/' + encodeURIComponent(x.id) + '?brand=' + encodeURIComponent(x.brand || ''), { quiet: true })
        .then((d) => { note.textContent = learningNote(d.learning); }).catch(() => {});
    } catch (e) {
      msg.textContent = t('notSaved', { error: e.message });
    }
  });
  return form;
}

// ---- journey ---------------------------------------------------------------

async function journey(meta) {
  const stages = meta.journey_stages;
  card('chart-stage-sentiment', () => api('/api/v1/breakdown?by=journey_stage&by2=sentiment&' + filterQuery()).then((b) => {
    if (!b.rows.length) return empty('chart-stage-sentiment');
    const max = Math.max(...b.rows.map((r) => r.mentions));
    draw('chart-stage-sentiment', (p) => ({
      grid: { left: 96, right: 16, top: 16, bottom: 64 },
      xAxis: { type: 'category', data: SENTIMENTS.map((s) => label('sentiment', s)), ...axisStyle(p) },
      yAxis: { type: 'category', data: stages.map((s) => label('stage', s)), inverse: true, ...axisStyle(p) },
      tooltip: { ...base(p).tooltip, trigger: 'item' },
      visualMap: { min: 0, max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, textStyle: { color: p.text },
        inRange: { color: p.heat } },
      series: [{ type: 'heatmap', name: t('axisMentions'), label: { show: true, color: p.text },
        data: b.rows.map((r) => [SENTIMENTS.indexOf(r.key2), stages.indexOf(r.key), r.mentions]) }],
    }), summary.stacked('chart-stage-sentiment', stages.flatMap((s) => b.rows.filter((r) => r.key === s)), (v) => label('stage', v), sentimentName),
    (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(b), sentiment: SENTIMENTS[e.value[0]], journey_stage: stages[e.value[1]] })));
  }));
  card('chart-touchpoint-stage', () => api('/api/v1/breakdown?by=journey_stage&by2=touchpoint&' + filterQuery()).then((b) => {
    if (!b.rows.length) return empty('chart-touchpoint-stage');
    const ordered = stages.flatMap((s) => b.rows.filter((r) => r.key === s));
    const stageName = (v) => label('stage', v), touchpointName = (v) => label('touchpoint', v);
    draw('chart-touchpoint-stage', (p) => stackedBars(p, ordered, meta.touchpoints, false, stageName, touchpointName),
      summary.stacked('chart-touchpoint-stage', ordered, stageName, touchpointName),
      (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(b), journey_stage: barKeys(ordered)[e.dataIndex], touchpoint: e.seriesId })));
  }));
  card('chart-flow', () => api('/api/v1/journey/transitions?' + filterQuery()).then((tr) => {
    document.getElementById('flow-note').textContent = t('flowNote', { n: fmt.format(tr.authors) });
    if (!tr.links.length) return empty('chart-flow', t('noFlow'));
    const nodes = new Map();
    const links = tr.links.map((l) => {
      const source = `${l.step}. ${label('stage', l.from)}`, target = `${l.step + 1}. ${label('stage', l.to)}`;
      nodes.set(source, { name: source, step: l.step, stage: l.from });
      nodes.set(target, { name: target, step: l.step + 1, stage: l.to });
      return { source, target, value: l.count, step: l.step, from: l.from, to: l.to };
    });
    draw('chart-flow', (p) => ({
      tooltip: { ...base(p).tooltip, trigger: 'item' },
      series: [{ type: 'sankey', data: [...nodes.values()], links, nodeAlign: 'left', emphasis: { focus: 'adjacency' },
        label: { color: p.text }, lineStyle: { color: 'gradient', opacity: 0.35 }, left: 8, right: 96 }],
    }), summary.flow('chart-flow', tr, (v) => label('stage', v)), (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(tr),
      ...(e.dataType === 'edge' ? { transition: `${e.data.step}:${e.data.from}:${e.data.to}` } : { node: `${e.data.step}:${e.data.stage}` }) })));
  }));
  card('journey-authors', () => api('/api/v1/journey/authors?' + filterQuery()).then((a) => {
    const tbody = document.querySelector('#journey-authors tbody');
    tbody.replaceChildren(...a.authors.map((x) => el('tr', {},
      el('td', {}, el('button', { type: 'button', class: 'linklike', onclick: () => timeline(x.id) }, t('pseudonym', { id: x.id.slice(0, 8) }))),
      el('td', { class: 'num', text: fmt.format(x.mentions) }), el('td', { class: 'num', text: fmt.format(x.negative) }),
      el('td', { text: label('stage', x.first_stage) + ' → ' + label('stage', x.last_stage) }))));
    if (!a.authors.length) tbody.append(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: t('noReturning') })));
  }));
}

async function timeline(id) {
  const list = document.getElementById('timeline');
  const tl = await api('/api/v1/journey/authors/' + encodeURIComponent(id) + '?' + filterQuery());
  list.replaceChildren(...tl.events.map((e) => el('li', { class: 'event sentiment-border-' + e.sentiment },
    el('time', { datetime: e.published_at, text: dateFmt.format(new Date(e.published_at)) }),
    el('div', { class: 'chips' }, ...e.brand_labels.map(brandChip), labelChip('touchpoint', e.touchpoint), el('span', { class: 'chip', text: label('source', e.source) })),
    e.title ? postLink(e.mention_id, e.title, e.lang) : mentionLink(el, e.mention_id, t('noText')))));
  list.focus();
}

// ---- alerts ----------------------------------------------------------------

// alerts reads GET /api/v1/alerts (served by the alert role; state defaults
// to firing there) for the current brand filter, plus extra parameters. It
// answers [] when alerting is not running in this process.
async function alerts(extra) {
  const q = new URLSearchParams(extra);
  const cur = new URLSearchParams(location.search);
  if (cur.get('brand')) q.set('brand', cur.get('brand'));
  try {
    const a = await api('/api/v1/alerts?' + q, { quiet: true });
    return Array.isArray(a) ? a : Array.isArray(a.alerts) ? a.alerts : [];
  } catch (e) {
    return [];
  }
}

function renderAlerts(list, items) {
  renderAlertList(ui, list, items, { compact: true });
}

// ---- start -------------------------------------------------------------------

function setupTheme() {
  const btn = document.getElementById('theme');
  if (!btn) return;
  // A toggle keeps its name ("Dark theme"); aria-pressed says whether it is on.
  const label = () => {
    btn.textContent = t('themeDark');
    btn.setAttribute('aria-pressed', String(document.documentElement.dataset.theme === 'dark'));
  };
  label();
  btn.addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    try { localStorage.setItem('ewom-theme', next); } catch (e) { /* storage blocked */ }
    label();
    for (const c of charts) c.render();
  });
}

async function main() {
  setupTheme();
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => charts.forEach((c) => echarts.getInstanceByDom(c.node)?.resize()), 100);
  });
  const meta = await answer(await metaResponse);
  applyDefaults(meta);
  const page = document.body.dataset.page;
  setupPeriod(ui, page);
  setupDrawer(el, (box, id) => showDetail(box, id, meta));
  await setupFilters(meta);
  const refreshCrisis = setupCrisis(ui, meta, uiLang());
  track(setupSearch({ api, el, role }));
  const pages = { overview, mentions: mentionsPage, journey, alerts: (m) => alertsPage(ui, m, track, refreshCrisis),
    topics: () => topicsPage({ el, api, filterQuery, card, dateFmt }),
    competitors: () => competitorsPage({ el, api, filterQuery, track, draw, base, axisStyle, dateFmt }) };
  loads++;
  let again;
  try {
    again = await pages[page]?.(meta);
  } finally {
    loads--;
    markReady();
  }
  // Live updates read the page again in place (the Mentions page its list).
  if (livePages.includes(page)) {
    const refresh = typeof again === 'function' ? again : () => pages[page](meta);
    setupLive(ui, async () => {
      tracked = [];
      await refresh();
      await Promise.all(tracked);
    });
  }
}

main().catch((e) => setStatus(t('couldNotLoadPage', { error: e.message })));
