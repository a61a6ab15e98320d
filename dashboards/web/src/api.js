// The dashboard API: JSON requests with the session's CSRF token, and the
// current URL's filters as a query string.
import { uiLang, t, has } from './strings.js';

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || '';
export const role = () => document.querySelector('meta[name="ewom-role"]')?.content || 'viewer';

// api fetches JSON; a 401 from the dashboard API means the session ended,
// so it goes to the sign-in page (not for other roles' endpoints: quiet).
export async function api(path, opts = {}) {
  const { quiet, ...init } = opts;
  const res = await fetch(path, {
    credentials: 'same-origin',
    ...init,
    headers: { Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() } : {}) },
  }).catch(() => { throw new Error(t('networkError')); });
  return answer(res, quiet);
}

// answer reads an API response: its JSON, or an error whose message is in
// the UI's language, with its HTTP status and, for a query's error, its
// position. The API's own message (detail) is English: the English UI
// shows it; Finnish and Swedish say the problem by its code, or by the
// HTTP status.
export async function answer(res, quiet) {
  if (res.status === 401 && !quiet) {
    location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new Error('signed out');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const detail = body.error || res.statusText;
    let msg = detail;
    if (uiLang() !== 'en') {
      const status = 'http_' + res.status;
      msg = body.code ? t(body.code, body.args || {}) : t(has(status) ? status : 'httpOther', { status: String(res.status) });
    }
    throw Object.assign(new Error(msg), { status: res.status, detail, position: body.position, code: body.code, args: body.args });
  }
  return body;
}

const FILTERS = ['brand', 'range', 'from', 'to', 'source', 'lang', 'touchpoint', 'sentiment', 'journey_stage', 'q', 'saved',
  'interval', 'smooth', 'compare', 'live'];

// filterQuery is the current URL's filters as a query string (plus extra).
export function filterQuery(extra = {}) {
  const cur = new URLSearchParams(location.search);
  const q = new URLSearchParams();
  for (const k of FILTERS) {
    const v = cur.get(k);
    if (v) q.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === null) q.delete(k);
    else q.set(k, v);
  }
  return q.toString();
}
