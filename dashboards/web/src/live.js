// Live updates (issue #17, item 3): while a page is open and its tab
// visible, its figures are read again every live= seconds (a minute by
// default; live=0 turns it off) and redrawn in place — no reload, so the
// scroll position, an open mention and anything typed stay. A hidden tab
// pauses; it catches up as soon as it is shown again. Updates never
// overlap: the next is timed from the end of the last.
import { t } from './strings.js';

const timeFmt = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

// livePages are the pages that update themselves (the Alerts page keeps
// its own refresh).
export const livePages = ['overview', 'mentions', 'journey', 'topics', 'competitors'];

// setupLive calls refresh (which returns a promise) on that schedule.
export function setupLive(ui, refresh) {
  const v = new URLSearchParams(location.search).get('live');
  const secs = v === null || v === '' ? 60 : Number(v);
  if (!(secs >= 2)) return;
  const status = ui.el('span', { id: 'live-status', class: 'small muted' });
  document.getElementById('period-window')?.after(status);
  let timer = null;
  let last = Date.now();
  let updates = 0;
  let running = false;
  const schedule = () => {
    if (timer === null && !running && !document.hidden) timer = setTimeout(tick, Math.max(0, last + secs * 1000 - Date.now()));
  };
  async function tick() {
    timer = null;
    if (document.hidden) return;
    running = true;
    try {
      await refresh();
      document.body.dataset.liveUpdates = String(++updates);
      status.textContent = t('liveUpdated', { time: timeFmt.format(new Date()) });
    } catch (e) {
      /* the page's own status shows what failed; the next round retries */
    } finally {
      running = false;
      last = Date.now();
      schedule();
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else {
      schedule();
    }
  });
  schedule();
}
