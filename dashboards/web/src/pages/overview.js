// The Overview page: the period's figures against the comparison period,
// the time charts with their alert windows, shares and breakdowns, the
// most-read negative posts, top authors and the firing alerts.
import { t, label, langName } from '../strings.js';
import { el, extLink } from '../dom.js';
import { api, filterQuery } from '../api.js';
import { fmt, fmt1 } from '../format.js';
import { ui, card } from '../ui.js';
import { track } from '../ready.js';
import { SENTIMENTS, loadCharts, draw, empty, base, axisStyle, valueAxis, sentimentDecal, sentimentName, pie, barKeys, stackedBars } from '../charts.js';
import { alertsAround, alertWindows, markAlerts } from '../crisis.js';
import { renderAlerts } from '../alertflow.js';
import { showWindow, compareNote } from '../period.js';
import * as drill from '../drill.js';
import { emptyNote } from '../states.js';
import { renderMentionList } from '../mentionview.js';
import * as summary from '../summaries.js';

function delta(cur, prev, unit = '') {
  const vs = compareNote();
  if (!prev || !vs) return '';
  const d = cur - prev;
  return (d >= 0 ? '▲ ' : '▼ ') + fmt1.format(d) + unit + ' ' + vs;
}

export async function overviewPage() {
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
    const volume = draw('chart-volume', (p) => ({
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
    const net = draw('chart-net', (p) => ({
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
    return Promise.all([volume, net]);
  }));
  // Share of voice compares every brand: drop the brand filter.
  card('chart-sov', () => api('/api/v1/breakdown?by=brand&' + filterQuery({ brand: null })).then((b) => {
    const rows = b.rows.filter((r) => r.key !== '');
    if (!rows.length) return empty('chart-sov');
    const items = rows.map((r) => ({ name: r.key, value: r.mentions }));
    return draw('chart-sov', (p) => pie(p, items), summary.shares('chart-sov', items),
      (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(b), brand: e.name })));
  }));
  for (const [by, id] of [['touchpoint', 'chart-peso'], ['source', 'chart-sources'], ['lang', 'chart-langs']]) {
    card(id, () => api('/api/v1/breakdown?by=' + by + '&by2=sentiment&' + filterQuery()).then((b) => {
      if (!b.rows.length) return empty(id);
      if (by === 'touchpoint') {
        const tot = {};
        for (const r of b.rows) tot[r.key] = (tot[r.key] || 0) + r.mentions;
        const items = Object.entries(tot).map(([name, value]) => ({ name: label('touchpoint', name), value, code: name }));
        return draw(id, (p) => pie(p, items), summary.shares(id, items),
          (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(b), touchpoint: e.data.code })));
      } else {
        const keyName = by === 'lang' ? langName : (v) => label('source', v);
        return draw(id, (p) => stackedBars(p, b.rows, SENTIMENTS, true, keyName, sentimentName), summary.stacked(id, b.rows, keyName),
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
  track(alerts({ state: 'firing' }).then((list) => renderAlerts(ui, document.getElementById('active-alerts'), list, { compact: true })));
  loadCharts(); // the calls are out
}

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
