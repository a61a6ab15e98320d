// The filter bar's search box and saved queries (docs/query.md). Same rules
// as app.js: text from the API reaches the DOM only through textContent.
// app.js passes its helpers in (api, el), so this module has no state of
// its own beyond the DOM.
import { t } from './strings.js';

const FILTER_KEYS = ['brand', 'range', 'from', 'to', 'source', 'lang', 'touchpoint', 'sentiment', 'journey_stage'];

// showSearchError marks the search box when a request failed on its
// query: the message under it and the caret at the position named.
export function showSearchError(e) {
  const input = document.querySelector('#filters input[name="q"]');
  const box = document.getElementById('search-error');
  if (!input || !box || !e || !e.position || !/^q: /.test(e.detail || '')) return;
  input.setAttribute('aria-invalid', 'true');
  // The API names the problem with a code the strings say in the UI's
  // language; without one (an older server) its English is shown.
  box.textContent = e.code ? t('searchAt', { col: String(e.position), msg: t(e.code, e.args || {}) }) : e.detail.slice(3);
  // The position counts characters; the input's selection UTF-16 units.
  const units = Array.from(input.value).slice(0, e.position - 1).join('').length;
  input.focus();
  input.setSelectionRange(units, Math.min(input.value.length, units + 1));
}

// setupSearch fills the saved-query menu and wires saving and deleting.
export async function setupSearch({ api, el, role }) {
  const form = document.getElementById('filters');
  const menu = document.getElementById('saved-menu');
  if (!form || !menu) return;
  const params = new URLSearchParams(location.search);
  const { saved_queries: saved } = await api('/api/v1/saved-queries');
  for (const s of saved) {
    menu.append(el('option', { value: s.id, text: s.shared ? t('sharedQuery', { name: s.name }) : s.name, title: s.query || s.filters }));
  }
  const current = saved.find((s) => s.id === params.get('saved'));
  if (current) menu.value = current.id;
  else if (params.get('saved')) menu.append(el('option', { value: params.get('saved'), selected: true, text: t('notAvailable') }));
  // Choosing a saved query shows its view as saved: its own filters.
  menu.addEventListener('change', () => {
    location.assign(location.pathname + (menu.value ? '?saved=' + encodeURIComponent(menu.value) : ''));
  });

  const msg = document.getElementById('saved-status');
  const save = document.getElementById('save-query');
  const del = document.getElementById('delete-query');
  del.hidden = !current || (current.shared && role() !== 'admin');
  const shareBox = document.getElementById('save-shared');
  shareBox.hidden = role() !== 'admin';

  save.addEventListener('click', async () => {
    const name = document.getElementById('save-name').value.trim();
    if (!name) {
      msg.textContent = t('nameTheQuery');
      return;
    }
    const filters = new URLSearchParams();
    for (const k of FILTER_KEYS) {
      const v = params.get(k);
      if (v) filters.set(k, v);
    }
    try {
      const s = await api('/api/v1/saved-queries', {
        method: 'POST',
        body: JSON.stringify({ name, query: form.elements.q.value, filters: filters.toString(),
          shared: shareBox.querySelector('input').checked }),
      });
      location.assign(location.pathname + '?saved=' + encodeURIComponent(s.id));
    } catch (e) {
      msg.textContent = t('notSaved', { error: e.message });
    }
  });
  del.addEventListener('click', async () => {
    try {
      await api('/api/v1/saved-queries/' + encodeURIComponent(current.id), { method: 'DELETE', body: '{}' });
      params.delete('saved');
      location.assign(location.pathname + (params.toString() ? '?' + params : ''));
    } catch (e) {
      msg.textContent = t('notDeleted', { error: e.message });
    }
  });
}
