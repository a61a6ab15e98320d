// Crisis visibility: a banner on every page and a badge on the Alerts
// navigation while an alert for a watched brand (any brand that is not a
// competitor) fires and is not snoozed; alert windows for the time charts;
// the Overview's default brand (the user's last choice, else the own brand)
// and period. The helpers of ui.js come in as ui: { el, api }.
import { t, tn, label } from './strings.js';

// How often the banner and badge are refreshed while a page is open.
const REFRESH_MS = 60_000;

// watched says whether an alert raises the banner: its brand is not a
// competitor and it is not snoozed.
export function watched(a, meta, now = Date.now()) {
  const b = (meta.brands || []).find((x) => x.name === a.brand);
  if (b && b.competitor) return false;
  const until = a.workflow && a.workflow.snoozed_until;
  return !(until && Date.parse(until) > now);
}

// plainText is an alert's explanation in the UI's language (the API gives
// fi, en and sv), else its engineer's summary.
export function plainText(a, lang) {
  const x = a.explanation || {};
  return (x.plain && (x.plain[lang] || x.plain.en)) || x.summary || '';
}

function byStrength(a, b) {
  return (b.score || 0) - (a.score || 0) || String(b.fired_at).localeCompare(String(a.fired_at));
}

function renderBanner(ui, box, list, lang) {
  if (!list.length) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const a = list[0];
  const w = a.workflow || {};
  const status = w.acknowledged_by
    ? t('bannerAcked', { user: w.acknowledged_by }) + (w.assignee ? ', ' + t('bannerAssigned', { user: w.assignee }) : '')
    : t('bannerUnacked');
  box.className = 'crisis severity-' + (a.severity || 'warning');
  box.replaceChildren(
    ui.el('p', { class: 'crisis-title' }, ui.el('strong', { text: t('bannerOne', { severity: label('severity', a.severity), brand: a.brand }) }),
      list.length > 1 ? ui.el('span', { class: 'crisis-more', text: ' · ' + tn('bannerMore', list.length - 1) }) : null),
    ui.el('p', { class: 'crisis-text', text: plainText(a, lang) }),
    ui.el('p', { class: 'crisis-status' }, ui.el('span', { text: status }), ' · ',
      ui.el('a', { href: '/alerts#alert-' + encodeURIComponent(a.id), text: t('bannerOpen') })));
  box.hidden = false;
}

function renderBadge(ui, n) {
  const link = document.querySelector('a[data-nav="alerts"]');
  if (!link) return;
  let badge = link.querySelector('.badge');
  if (!n) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = ui.el('span', { class: 'badge' });
    link.append(' ', badge);
  }
  badge.textContent = String(n);
  badge.setAttribute('aria-label', t('badge', { n }));
  badge.title = t('badge', { n });
}

// setupCrisis draws the banner and badge and keeps them current. The body's
// data-crisis says it has checked (the count of watched alerts firing).
export function setupCrisis(ui, meta, lang) {
  const box = document.getElementById('crisis');
  const refresh = async () => {
    let list = [];
    try {
      const r = await ui.api('/api/v1/alerts?state=firing&limit=500', { quiet: true });
      list = (Array.isArray(r.alerts) ? r.alerts : []).filter((a) => a.state === 'firing' && watched(a, meta)).sort(byStrength);
    } catch (e) {
      return; // alerting unreachable: keep what is shown
    }
    if (box) renderBanner(ui, box, list, lang);
    renderBadge(ui, list.length);
    document.body.dataset.crisis = String(list.length);
  };
  refresh();
  setInterval(refresh, REFRESH_MS);
  return refresh;
}

// alertSpan is the time an alert covers, in ms: from its explanation's
// window (else the start of its first spiking window) to its resolution
// (else its last update, or the explanation's end if later).
export function alertSpan(a) {
  const x = a.explanation || {};
  const time = (s) => (s && Date.parse(s) > 0 ? Date.parse(s) : NaN); // an unset time is the zero year
  const window = (Number.parseInt(a.window, 10) || 0) * ({ h: 36e5, m: 6e4, s: 1e3 }[String(a.window).replace(/^\d+/, '')[0]] || 0);
  const from = time(x.from) || time(a.started_at) - window;
  const last = Math.max(time(a.updated_at) || time(a.fired_at), time(x.to) || 0);
  const to = time(a.resolved_at) || last;
  return { from, to: Math.max(to, from + 1) };
}

// Relative ranges of the filters, in ms.
const RANGES = { '1h': 36e5, '6h': 216e5, '24h': 864e5, '7d': 7 * 864e5, '30d': 30 * 864e5, '90d': 90 * 864e5, '365d': 365 * 864e5 };

// alertsAround starts reading the alerts of the current brand filter that
// may reach into the filters' period — fired from a week before it to a
// day after it (the server's clock may differ from the browser's) — while
// the charts' data loads; alertWindows cuts them to the charts' extent.
export function alertsAround(ui) {
  const cur = new URLSearchParams(location.search);
  const to = cur.get('to') ? Date.parse(cur.get('to')) : Date.now();
  const from = cur.get('from') ? Date.parse(cur.get('from')) : to - (RANGES[cur.get('range')] || RANGES['7d']);
  const q = new URLSearchParams({ state: 'all', limit: '500' });
  if (from > 0) q.set('from', new Date(from - 7 * 864e5).toISOString());
  if (to > 0) q.set('to', new Date(to + 864e5).toISOString());
  if (cur.get('brand')) q.set('brand', cur.get('brand'));
  return ui.api('/api/v1/alerts?' + q, { quiet: true }).then((r) => (Array.isArray(r.alerts) ? r.alerts : []), () => []);
}

// alertWindows are the alerts' spans that overlap [from, to) (ISO times,
// a time chart's extent), cut to it, each as { from, to, label }.
export function alertWindows(alerts, from, to) {
  const lo = Date.parse(from), hi = Date.parse(to);
  const out = [];
  for (const a of alerts) {
    const { from: start, to: end } = alertSpan(a);
    if (!(start < hi && end > lo)) continue;
    out.push({ from: Math.max(start, lo), to: Math.min(end, hi), label: t('alertWindow', { brand: a.brand }) });
  }
  return out;
}

// markAlerts is an ECharts markArea that shades the alert windows of a
// time chart (p is the theme palette).
export function markAlerts(p, windows) {
  if (!windows.length) return undefined;
  return {
    silent: true,
    itemStyle: { color: p.negative, opacity: 0.14 },
    label: { show: true, position: 'insideTopLeft', color: p.text, fontSize: 11 },
    data: windows.map((w) => [{ name: w.label, xAxis: w.from }, { xAxis: w.to }]),
  };
}

// Overview defaults: the latest day, against the day before.
const OVERVIEW_RANGE = '24h';

function brandKey(meta) {
  return 'ewom-brand:' + (meta.user || '');
}

// applyDefaults remembers each user's brand choice (the filter form's
// brand when submitted; "" is all brands) and, on the Overview opened
// without a brand or period in its URL, fills them in: the remembered
// brand, else the first own brand; the last 24 hours. It rewrites the URL
// in place (no reload), before anything is read.
export function applyDefaults(meta) {
  const form = document.getElementById('filters');
  form?.addEventListener('submit', () => {
    try {
      localStorage.setItem(brandKey(meta), form.elements.brand.value);
    } catch (e) { /* storage blocked: nothing remembered */ }
  });
  if (document.body.dataset.page !== 'overview') return;
  const params = new URLSearchParams(location.search);
  // A saved view brings its own brand and period.
  if (params.has('saved')) return;
  let changed = false;
  if (!params.has('brand')) {
    let b = null;
    try {
      b = localStorage.getItem(brandKey(meta));
    } catch (e) { /* storage blocked */ }
    if (b === null) b = (meta.brands || []).find((x) => x.own)?.name || '';
    if (b && (meta.brands || []).some((x) => x.name === b)) {
      params.set('brand', b);
      changed = true;
    }
  }
  if (!params.has('range') && !params.has('from') && !params.has('to')) {
    params.set('range', OVERVIEW_RANGE);
    changed = true;
  }
  if (changed) history.replaceState(null, '', location.pathname + '?' + params + location.hash);
}
