// Text summaries of the charts for screen readers (issue #17, item 9):
// each chart's container (role="img") is labelled with its title and the
// figures it draws, in the UI's language; times as dates, never epoch
// numbers; only finite numbers.
import { t, tn, numberFormat, dateFormat } from './strings.js';

const num = numberFormat({ maximumFractionDigits: 0 });
const signed = numberFormat({ maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const pct = numberFormat({ style: 'percent', maximumFractionDigits: 0 });
const day = dateFormat({ dateStyle: 'medium' });
const dayTime = dateFormat({ dateStyle: 'medium', timeStyle: 'short' });

// MAX_ITEMS is how many items a summary names before "and n more".
const MAX_ITEMS = 6;

const SENTIMENTS = ['positive', 'neutral', 'negative'];

// chartTitle is the heading of the card holding the chart id.
function chartTitle(id) {
  return document.getElementById(id)?.closest('.card')?.querySelector('h2')?.textContent.trim() || id;
}

function list(items) {
  const shown = items.slice(0, MAX_ITEMS);
  if (items.length > MAX_ITEMS) shown.push(tn('sumMore', items.length - MAX_ITEMS));
  return shown.join(', ');
}

function when(iso, interval) {
  return (interval === '1d' ? day : dayTime).format(new Date(iso));
}

// volume summarises the timeseries {interval, points: [{t, mentions, positive, neutral, negative}]}.
export function volume(id, ts) {
  const chart = chartTitle(id);
  const pts = ts.points;
  if (!pts.length) return t('sumNoData', { chart });
  const sum = (k) => pts.reduce((a, p) => a + p[k], 0);
  const peak = pts.reduce((a, p) => (p.mentions > a.mentions ? p : a), pts[0]);
  const vars = { chart, from: when(pts[0].t, ts.interval), to: when(pts[pts.length - 1].t, ts.interval),
    total: tn('mentionCount', sum('mentions')), peak: num.format(peak.mentions), peakAt: when(peak.t, ts.interval) };
  for (const s of SENTIMENTS) vars[s] = tn(s + 'Count', sum(s));
  return t('sumVolume', vars);
}

// net summarises the net sentiment of the intervals that had mentions.
export function net(id, ts) {
  const chart = chartTitle(id);
  const pts = ts.points.filter((p) => p.mentions && Number.isFinite(p.net_sentiment));
  if (!pts.length) return t('sumNoData', { chart });
  const min = pts.reduce((a, p) => (p.net_sentiment < a.net_sentiment ? p : a), pts[0]);
  const max = pts.reduce((a, p) => (p.net_sentiment > a.net_sentiment ? p : a), pts[0]);
  return t('sumNet', { chart, from: when(pts[0].t, ts.interval), to: when(pts[pts.length - 1].t, ts.interval),
    min: signed.format(min.net_sentiment), minAt: when(min.t, ts.interval), max: signed.format(max.net_sentiment),
    maxAt: when(max.t, ts.interval), last: signed.format(pts[pts.length - 1].net_sentiment) });
}

// shares summarises a pie's items {name, value}, largest first.
export function shares(id, items) {
  const chart = chartTitle(id);
  const total = items.reduce((a, x) => a + x.value, 0);
  if (!total) return t('sumNoData', { chart });
  const sorted = [...items].sort((a, b) => b.value - a.value);
  return t('sumShares', { chart, items: list(sorted.map((x) => t('sumShare', { name: x.name, share: pct.format(x.value / total), n: num.format(x.value) }))) });
}

// stacked summarises rows {key, key2, mentions}: each key's total and its
// parts, keys in order, each named as keyName and partName say (by default
// as they are); sentiment parts read as counts ("1 myönteinen").
export function stacked(id, rows, keyName = (k) => k, partName = (k) => k) {
  const chart = chartTitle(id);
  const byKey = new Map();
  for (const r of rows) {
    if (!byKey.has(r.key)) byKey.set(r.key, []);
    byKey.get(r.key).push(r);
  }
  if (!byKey.size) return t('sumNoData', { chart });
  const items = [...byKey].map(([key, parts]) => t('sumStack', { name: keyName(key), n: num.format(parts.reduce((a, r) => a + r.mentions, 0)),
    parts: parts.map((r) => (SENTIMENTS.includes(r.key2) ? tn(r.key2 + 'Count', r.mentions)
      : t('sumPart', { n: num.format(r.mentions), name: partName(r.key2) }))).join(', ') }));
  return t('sumShares', { chart, items: list(items) });
}

// lines summarises series [{name, points: [[time, value or null]]}] by
// each one's first and last value (formatted by format) in the period.
export function lines(id, series, format) {
  const chart = chartTitle(id);
  const items = series.map((s) => {
    const v = s.points.filter(([, y]) => Number.isFinite(y));
    return v.length ? t('sumLine', { name: s.name, first: format(v[0][1]), last: format(v[v.length - 1][1]) }) : null;
  }).filter(Boolean);
  const times = series[0]?.points || [];
  if (!items.length) return t('sumNoData', { chart });
  return t('sumLines', { chart, from: when(times[0][0]), to: when(times[times.length - 1][0]), items: list(items) });
}

// flow summarises the journey transitions {authors, links: [{step, from, to, count}]},
// the stages named as stageName says.
export function flow(id, tr, stageName = (s) => s) {
  const chart = chartTitle(id);
  if (!tr.links.length) return t('sumNoData', { chart });
  const steps = [...tr.links].sort((a, b) => b.count - a.count)
    .map((l) => t('sumStep', { from: `${l.step}. ${stageName(l.from)}`, to: `${l.step + 1}. ${stageName(l.to)}`, n: num.format(l.count) }));
  return t('sumFlow', { chart, authors: tn('authorCount', tr.authors), items: list(steps) });
}
