// Drill-down (issue #17, item 3): every chart element opens the Mentions
// page with the filters that reproduce exactly the mentions it counts —
// brand, time bucket, sentiment, source, language, touchpoint, journey
// stage, or the journey flow's node= and transition= (the authors behind a
// Sankey node or link; internal/web/drill.go). The period is pinned to the
// one the chart was read for, as the aggregates count it: whole five-minute
// buckets from the range's start (the rollups' buckets), so a relative range
// that moved on since does not change the list.
import { iso } from './period.js';
import { t } from './strings.js';

const FIVE_MIN = 3e5;
const ceil5 = (ms) => Math.ceil(ms / FIVE_MIN) * FIVE_MIN;

// period is the chart's window {from, to} (an API answer's) as list filters.
export function period(win) {
  return { range: null, from: iso(ceil5(Date.parse(win.from))), to: iso(ceil5(Date.parse(win.to))) };
}

// bucket is a series bucket starting at time t (step ms long) within the
// window, as list filters.
export function bucket(win, time, step) {
  const p = period(win);
  const start = Date.parse(time);
  return { range: null, from: iso(Math.max(start, Date.parse(p.from))), to: iso(Math.min(start + step, Date.parse(p.to))) };
}

// go opens the mentions of the filters in force with extra ones.
export function go(ui, extra) {
  location.assign('/mentions?' + ui.filterQuery(extra));
}

// onItems makes the chart's items (bars, slices, cells, nodes, links)
// open what pick(params) names; pick returns null for items that list
// nothing (a comparison line).
export function onItems(ui, chart, pick) {
  chart.off('click');
  chart.on('click', (params) => {
    const extra = pick(params);
    if (extra) go(ui, extra);
  });
}

// onBuckets makes a click anywhere over a time chart's plot open the
// bucket of the nearest point (a line has no bars to click). A chart drawn
// again replaces its handler (the chart's own handlers stay).
const bucketClicks = new WeakMap();
export function onBuckets(ui, chart, win, times, step) {
  const zr = chart.getZr();
  if (bucketClicks.has(chart)) zr.off('click', bucketClicks.get(chart));
  const click = (ev) => {
    const at = [ev.offsetX, ev.offsetY];
    if (!times.length || !chart.containPixel({ gridIndex: 0 }, at)) return;
    const x = chart.convertFromPixel({ gridIndex: 0 }, at)[0];
    let i = 0;
    times.forEach((s, j) => { if (Math.abs(Date.parse(s) - x) < Math.abs(Date.parse(times[i]) - x)) i = j; });
    go(ui, bucket(win, times[i], step));
  };
  bucketClicks.set(chart, click);
  zr.on('click', click);
}

// flowNote says on the Mentions page which authors a journey flow
// drill-down lists.
export function flowNote(ui) {
  const q = new URLSearchParams(location.search);
  const [node, link] = [q.get('node'), q.get('transition')];
  if (!node && !link) return;
  const [step, a, b] = (node || link).split(':');
  const text = node ? t('flowNode', { step, stage: a }) : t('flowLink', { step, from: a, to: b });
  document.getElementById('mention-list')?.before(ui.el('p', { id: 'flow-drill', class: 'small muted', text }));
}
