// The Alerts page: the firing and the past alerts of the brand filter,
// each with its explanation, state and history (alertflow.js). Each list
// is a card of its own (states.js): busy while read, and if reading fails,
// that card says so with a Retry button.
import { api } from '../api.js';
import { ui, card } from '../ui.js';
import { renderAlerts } from '../alertflow.js';

// alertsPage draws the firing and past alerts of the brand filter, with
// the workflow for admins; changed refreshes the banner after an action.
export async function alertsPage(meta, changed) {
  const cur = new URLSearchParams(location.search);
  // read answers no alerts when alerting does not run in this process (the
  // API has no alerts endpoint: 404); any other failure is the card's.
  const read = (extra) => {
    const q = new URLSearchParams(extra);
    if (cur.get('brand')) q.set('brand', cur.get('brand'));
    return api('/api/v1/alerts?' + q, { quiet: true }).catch((e) => {
      if (e.status === 404) return { alerts: [], assignees: [] };
      throw e;
    });
  };
  const past = { state: 'resolved', limit: '200' };
  if (cur.get('from')) past.from = cur.get('from');
  if (cur.get('to')) past.to = cur.get('to');
  const opts = { canAct: meta.role === 'admin', changed };
  const list = (id, extra) => card(id, () => read(extra).then((r) => renderAlerts(ui, document.getElementById(id), r.alerts || [],
    { ...opts, assignees: r.assignees || [] })));
  await Promise.all([list('alerts-active', { state: 'firing', limit: '500' }), list('alerts-past', past)]);
}
