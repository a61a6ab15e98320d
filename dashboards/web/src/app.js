// ewom dashboards: the entry point. It sets up what every page has (theme,
// filters, period, search, crisis banner, mention drawer) and draws the
// page the server names in <body data-page>, from pages/; live pages are
// read again in place (live.js). Pages import the shared modules, never
// each other. Security rules for every module: untrusted text (posts,
// authors, URLs) only ever reaches the DOM through textContent or
// setAttribute of safe attributes; links only for http(s) URLs; chart
// tooltips render on the canvas (richText), never as HTML.
import { metaResponse } from './early.js';
import { uiLang, t } from './strings.js';
import { el, setStatus } from './dom.js';
import { api, answer, role } from './api.js';
import { ui } from './ui.js';
import { track, loading, round } from './ready.js';
import { redrawCharts, resizeCharts } from './charts.js';
import { setupCrisis, applyDefaults } from './crisis.js';
import { setupFilters } from './filters.js';
import { setupSearch } from './search.js';
import { setupPeriod } from './period.js';
import { setupLive, livePages } from './live.js';
import { setupDrawer } from './drawer.js';
import { showDetail } from './detail.js';
import { overviewPage } from './pages/overview.js';
import { mentionsPage } from './pages/mentions.js';
import { journeyPage } from './pages/journey.js';
import { alertsPage } from './pages/alerts.js';
import { topicsPage } from './pages/topics.js';
import { competitorsPage } from './pages/competitors.js';

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
    redrawCharts();
  });
}

async function main() {
  setupTheme();
  resizeCharts();
  const meta = await answer(await metaResponse);
  applyDefaults(meta);
  const page = document.body.dataset.page;
  setupPeriod(ui, page);
  setupDrawer(el, (box, id) => showDetail(box, id, meta));
  await setupFilters(meta);
  const refreshCrisis = setupCrisis(ui, meta, uiLang());
  track(setupSearch({ api, el, role }));
  // Each page draws itself from meta; it may answer its own refresh.
  const pages = { overview: overviewPage, mentions: mentionsPage, journey: journeyPage,
    alerts: (m) => alertsPage(m, refreshCrisis), topics: topicsPage, competitors: competitorsPage };
  const again = await loading(() => pages[page]?.(meta));
  // Live updates read the page again in place (the Mentions page its list).
  if (livePages.includes(page)) {
    const refresh = typeof again === 'function' ? again : () => pages[page](meta);
    setupLive(ui, () => round(refresh));
  }
}

main().catch((e) => setStatus(t('couldNotLoadPage', { error: e.message })));
