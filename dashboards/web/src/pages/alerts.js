// The Alerts page: the firing and the past alerts of the brand filter,
// each with its explanation, state and history (alertflow.js).
import { api } from '../api.js';
import { ui } from '../ui.js';
import { track } from '../ready.js';
import { renderAlerts } from '../alertflow.js';

// alertsPage draws the firing and past alerts of the brand filter, with
// the workflow for admins; changed refreshes the banner after an action.
export async function alertsPage(meta, changed) {
  const cur = new URLSearchParams(location.search);
  const read = async (extra) => {
    const q = new URLSearchParams(extra);
    if (cur.get('brand')) q.set('brand', cur.get('brand'));
    try {
      return await api('/api/v1/alerts?' + q, { quiet: true });
    } catch (e) {
      return { alerts: [], assignees: [] };
    }
  };
  const past = { state: 'resolved', limit: '200' };
  if (cur.get('from')) past.from = cur.get('from');
  if (cur.get('to')) past.to = cur.get('to');
  const opts = { canAct: meta.role === 'admin', changed };
  track(read({ state: 'firing', limit: '500' }).then((r) => renderAlerts(ui, document.getElementById('alerts-active'), r.alerts || [],
    { ...opts, assignees: r.assignees || [] })));
  track(read(past).then((r) => renderAlerts(ui, document.getElementById('alerts-past'), r.alerts || [],
    { ...opts, assignees: r.assignees || [] })));
}
