// The filters form: its options in the UI's language, the URL's values,
// and when a change applies.
import { label, langName } from './strings.js';
import { el } from './dom.js';
import { filterQuery } from './api.js';

// optionLabel shows a filter's value (data-options names the list) in the
// UI's language; the option's value stays the API's code.
function optionLabel(list, v) {
  if (list === 'langs') return langName(v);
  const kind = { sources: 'source', touchpoints: 'touchpoint', sentiments: 'sentiment', journey_stages: 'stage' }[list];
  return kind ? label(kind, v) : v;
}

export async function setupFilters(meta) {
  const form = document.getElementById('filters');
  if (!form) return;
  const params = new URLSearchParams(location.search);
  for (const sel of form.querySelectorAll('select[data-options]')) {
    const key = sel.dataset.options;
    if (key === 'brands') continue; // rendered by the server
    for (const v of meta[key] || []) sel.append(el('option', { value: v, text: optionLabel(key, v) }));
  }
  for (const field of form.elements) {
    if (field.name && params.has(field.name)) field.value = params.get(field.name);
  }
  if (params.get('from')) form.elements.range.value = 'custom';
  // Submit only non-empty filters so shared URLs stay short.
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const field of form.elements) {
      if (!field.name || !field.value) continue;
      if (field.name === 'range' && field.value === 'custom') continue;
      if ((field.name === 'from' || field.name === 'to') && form.elements.range.value !== 'custom') continue;
      q.set(field.name, field.value);
    }
    location.assign(location.pathname + (q.toString() ? '?' + q : ''));
  });
  // A choice made with the mouse applies at once; one stepped through with
  // the keyboard (arrow keys change a closed select's value) applies on
  // Enter or when the select loses focus, not at every step.
  for (const sel of form.querySelectorAll('select')) {
    let byKey = false;
    let pending = false;
    sel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && pending) {
        ev.preventDefault();
        form.requestSubmit();
        return;
      }
      byKey = ev.key !== 'Tab';
    });
    sel.addEventListener('pointerdown', () => { byKey = false; });
    sel.addEventListener('change', () => {
      if (byKey) pending = true;
      else form.requestSubmit();
    });
    sel.addEventListener('blur', () => {
      if (pending) form.requestSubmit();
    });
  }
  // Keep the navigation's filters when moving between pages.
  for (const a of document.querySelectorAll('a[data-nav]')) {
    const q = filterQuery();
    if (q) a.href = a.getAttribute('href') + '?' + q;
  }
}
