// The Competitors page (issue #17, item 5): each brand's volume, net
// sentiment, share of voice and negative share over time side by side, and
// the period's figures against a comparison period (GET
// /api/v1/competitors). The own brand (own: true) is drawn first and
// stronger. Untrusted text (brand names come from the configuration) only
// through textContent.
import { t, numberFormat } from '../strings.js';
import { el } from '../dom.js';
import { api, filterQuery } from '../api.js';
import { dateFmt } from '../format.js';
import { track } from '../ready.js';
import { loadCharts, draw, base, axisStyle } from '../charts.js';
import { lines } from '../summaries.js';

const num = numberFormat({ maximumFractionDigits: 0 });
const signed = numberFormat({ maximumFractionDigits: 0, signDisplay: 'exceptZero' });
const one = numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 });
const oneSigned = numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' });

// The figures compared: the API's field, how a value reads, how a change
// reads, and whether the figure is only defined where the brand has
// mentions (else its point is left out of the chart).
const METRICS = [
  { key: 'mentions', label: 'volume', value: (v) => num.format(v), change: (c) => signed.format(c.mentions) +
    (c.mentions_percent === null ? ' (' + t('newMentions') + ')' : ' (' + oneSigned.format(c.mentions_percent) + ' %)') },
  { key: 'net_sentiment', label: 'netSentiment', value: (v) => oneSigned.format(v), own: true },
  { key: 'share_of_voice', label: 'shareOfVoice', value: (v) => one.format(v) + ' %', all: true },
  { key: 'negative_share', label: 'negativeShare', value: (v) => one.format(v) + ' %', own: true },
];

function pointsDelta(m, c) {
  if (m.change) return m.change(c);
  return t('points', { delta: oneSigned.format(c[m.key]) });
}

function arrow(v) {
  return v > 0 ? '▲ ' : v < 0 ? '▼ ' : '';
}

function card(b) {
  const tag = b.own ? t('ownBrand') : b.competitor ? t('competitor') : '';
  return el('article', { class: 'benchmark' + (b.own ? ' own' : ''), 'data-brand': b.brand },
    el('h2', {}, el('span', { text: b.brand }), tag ? el('span', { class: 'tag', text: tag }) : null),
    el('dl', {}, ...METRICS.flatMap((m) => [
      el('dt', { text: t(m.label) }),
      el('dd', { 'data-metric': m.key },
        el('span', { class: 'value', text: m.value(b.current[m.key]) }),
        el('span', { class: 'delta' }, arrow(b.change[m.key]) + pointsDelta(m, b.change) + ' · ' +
          t('wasValue', { value: m.value(b.comparison[m.key]) }))),
    ])));
}

function chart(data, m) {
  const times = data.brands.length ? data.brands[0].points.map((p) => p.t) : [];
  const totals = times.map((_, i) => data.brands.reduce((s, b) => s + b.points[i].mentions, 0));
  const values = (b) => b.points.map((pt, j) => [pt.t, (m.own && !pt.mentions) || (m.all && !totals[j]) ? null : Math.round(pt[m.key] * 10) / 10]);
  const id = 'chart-comp-' + m.key;
  return draw(id, (p) => ({
    grid: { left: 48, right: 16, top: 36, bottom: 32 },
    xAxis: { type: 'time', ...axisStyle(p), axisLabel: { ...axisStyle(p).axisLabel, hideOverlap: true } },
    yAxis: { type: 'value', ...axisStyle(p) },
    tooltip: { ...base(p).tooltip, trigger: 'axis' },
    series: data.brands.map((b, i) => ({
      name: b.own ? `${b.brand} (${t('ownBrand')})` : b.brand, type: 'line', showSymbol: false, connectNulls: false,
      color: p.series[i % p.series.length], z: b.own ? 3 : 2, lineStyle: { width: b.own ? 4 : 1.5 },
      data: values(b),
    })),
  }), lines(id, data.brands.map((b) => ({ name: b.brand, points: values(b) })), m.value));
}

// competitorsPage builds the page and draws it; it answers its refresh.
export async function competitorsPage() {
  const root = document.getElementById('competitors');
  const params = new URLSearchParams(location.search);
  const compare = params.get('compare') === 'year' ? 'year' : 'previous';
  const select = el('select', { id: 'compare', name: 'compare' },
    el('option', { value: 'previous', text: t('comparePrevious'), selected: compare === 'previous' }),
    el('option', { value: 'year', text: t('compareYear'), selected: compare === 'year' }));
  select.addEventListener('change', () => {
    params.set('compare', select.value);
    location.assign(location.pathname + '?' + params);
  });
  const period = el('p', { class: 'muted small', id: 'compare-period' });
  const cards = el('div', { class: 'benchmarks', id: 'benchmarks' });
  const charts = el('div', { class: 'grid' }, ...METRICS.map((m) => el('section', { class: 'card' },
    el('h2', { text: t('overTime', { metric: t(m.label) }) }),
    el('div', { class: 'chart', id: 'chart-comp-' + m.key, role: 'img', 'aria-label': t('overTime', { metric: t(m.label) }) }))));
  root.replaceChildren(el('div', { class: 'toolbar' }, el('label', { class: 'compare' }, t('compareWith'), select), period), cards, charts);
  // Every configured brand is compared: the brand filter does not apply.
  // Read again (live updates), the cards are replaced and the charts drawn
  // again in place.
  const load = () => track(api('/api/v1/competitors?' + filterQuery({ brand: null, compare })).then((data) => {
    period.textContent = t('comparedPeriod', { from: dateFmt.format(new Date(data.compare_from)), to: dateFmt.format(new Date(data.compare_to)) });
    if (!data.brands.length) {
      cards.replaceChildren(el('p', { class: 'muted', text: t('noBrands') }));
      return;
    }
    // The own brand first.
    data.brands.sort((a, b) => Number(b.own) - Number(a.own));
    cards.replaceChildren(...data.brands.map((b) => card(b)));
    return Promise.all(METRICS.map((m) => chart(data, m)));
  }));
  const loaded = load();
  loadCharts(); // the call is out
  await loaded;
  return load;
}
