// The Journey page: sentiment and touchpoints per journey stage, how
// authors move between stages, and the returning authors' timelines.
import { t, tn, label } from '../strings.js';
import { el } from '../dom.js';
import { api, filterQuery } from '../api.js';
import { fmt, dateFmt } from '../format.js';
import { ui, card } from '../ui.js';
import { SENTIMENTS, addKinds, draw, empty, base, axisStyle, sentimentName, barKeys, stackedBars } from '../charts.js';
import * as drill from '../drill.js';
import { mentionLink } from '../drawer.js';
import { labelChip, brandChip, postLink } from '../mentionview.js';
import * as summary from '../summaries.js';

export async function journeyPage(meta) {
  const stages = meta.journey_stages;
  card('chart-stage-sentiment', () => api('/api/v1/breakdown?by=journey_stage&by2=sentiment&' + filterQuery()).then((b) => {
    if (!b.rows.length) return empty('chart-stage-sentiment');
    const max = Math.max(...b.rows.map((r) => r.mentions));
    return draw('chart-stage-sentiment', (p) => ({
      grid: { left: 96, right: 16, top: 16, bottom: 64 },
      xAxis: { type: 'category', data: SENTIMENTS.map((s) => label('sentiment', s)), ...axisStyle(p) },
      yAxis: { type: 'category', data: stages.map((s) => label('stage', s)), inverse: true, ...axisStyle(p) },
      tooltip: { ...base(p).tooltip, trigger: 'item' },
      visualMap: { min: 0, max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, textStyle: { color: p.text },
        inRange: { color: p.heat } },
      series: [{ type: 'heatmap', name: t('axisMentions'), label: { show: true, color: p.text },
        data: b.rows.map((r) => [SENTIMENTS.indexOf(r.key2), stages.indexOf(r.key), r.mentions]) }],
    }), summary.stacked('chart-stage-sentiment', stages.flatMap((s) => b.rows.filter((r) => r.key === s)), (v) => label('stage', v)),
    (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(b), sentiment: SENTIMENTS[e.value[0]], journey_stage: stages[e.value[1]] })));
  }));
  card('chart-touchpoint-stage', () => api('/api/v1/breakdown?by=journey_stage&by2=touchpoint&' + filterQuery()).then((b) => {
    if (!b.rows.length) return empty('chart-touchpoint-stage');
    const ordered = stages.flatMap((s) => b.rows.filter((r) => r.key === s));
    const stageName = (v) => label('stage', v), touchpointName = (v) => label('touchpoint', v);
    return draw('chart-touchpoint-stage', (p) => stackedBars(p, ordered, meta.touchpoints, false, stageName, touchpointName),
      summary.stacked('chart-touchpoint-stage', ordered, stageName, touchpointName),
      (chart) => drill.onItems(ui, chart, (e) => ({ ...drill.period(b), journey_stage: barKeys(ordered)[e.dataIndex], touchpoint: e.seriesId })));
  }));
  card('chart-flow', () => api('/api/v1/journey/transitions?' + filterQuery()).then((tr) => {
    document.getElementById('flow-note').textContent = tn('flowNote', tr.authors);
    if (!tr.links.length) return empty('chart-flow', t('noFlow'));
    const nodes = new Map();
    const links = tr.links.map((l) => {
      const source = `${l.step}. ${label('stage', l.from)}`, target = `${l.step + 1}. ${label('stage', l.to)}`;
      nodes.set(source, { name: source, step: l.step, stage: l.from });
      nodes.set(target, { name: target, step: l.step + 1, stage: l.to });
      return { source, target, value: l.count, step: l.step, from: l.from, to: l.to };
    });
    return draw('chart-flow', (p) => ({
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
  addKinds(import('../echarts-journey.js')); // the calls are out
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
