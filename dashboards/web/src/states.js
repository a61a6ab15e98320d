// Card states (issue #17, item 9): while a card's request runs the card is
// busy (aria-busy; app.css draws an empty chart, list or table as a
// skeleton); when it fails, that card alone says so with a Retry button;
// when it has nothing to show, it says so with a "Clear filters" action
// when filters are in force. The helpers of ui.js come in as h:
// { el, track }.
import { t } from './strings.js';

// NARROWING are the URL parameters that narrow a view; clearing filters
// drops them and keeps the brand and the period.
const NARROWING = ['source', 'lang', 'touchpoint', 'sentiment', 'journey_stage', 'q', 'saved', 'term', 'story'];

function narrowed() {
  const cur = new URLSearchParams(location.search);
  return NARROWING.some((k) => cur.get(k));
}

// clearFiltersHref is the current page without the narrowing filters.
export function clearFiltersHref() {
  const q = new URLSearchParams(location.search);
  for (const k of [...NARROWING, 'offset', 'id']) q.delete(k);
  return location.pathname + (q.toString() ? '?' + q : '');
}

// emptyNote says a view has nothing to show, with a "Clear filters" link
// when filters narrow it.
export function emptyNote(h, msg) {
  const filtered = narrowed();
  const box = h.el('span', { class: 'empty-state' }, h.el('span', { text: msg || t(filtered ? 'emptyFiltered' : 'emptyNone') }));
  if (filtered) box.append(' ', h.el('a', { class: 'clear-filters', href: clearFiltersHref(), text: t('clearFilters') }));
  return box;
}

// loadCard runs load() for the cards holding the elements ids (one id or
// several fed by one request), marking them busy until it settles. If it
// fails, each card shows the error and a Retry button that runs it again;
// the other cards are not touched. onError gets the error too (a search
// error is also shown at the search box).
export function loadCard(h, ids, load, onError) {
  const nodes = [].concat(ids).map((id) => document.getElementById(id)).filter(Boolean);
  const cards = [...new Set(nodes.map((n) => n.closest('.card, .kpis') || n))];
  const run = () => {
    for (const c of cards) {
      c.querySelector(':scope > .card-error')?.remove();
      c.setAttribute('aria-busy', 'true');
    }
    for (const n of nodes) n.hidden = false;
    return h.track(load().catch((e) => {
      // An element left empty would stay a skeleton: it goes.
      for (const n of nodes) n.hidden = !n.hasChildNodes();
      for (const c of cards) c.append(errorNote(h, c, e, run));
      onError?.(e);
    }).finally(() => {
      for (const c of cards) c.removeAttribute('aria-busy');
    }));
  };
  return run();
}

function errorNote(h, card, e, retry) {
  const btn = h.el('button', { type: 'button', class: 'retry', text: t('retry') });
  btn.addEventListener('click', () => {
    // The note goes with the retry: focus stays in the card.
    card.tabIndex = -1;
    card.focus();
    retry();
  });
  // The API's and the network's errors say what failed in the UI's
  // language; anything else (a chart that could not be built from its
  // answer) is the page's own fault, told plainly here and in full on the
  // console.
  let why = e.message;
  if (e.constructor !== Error) {
    console.error(e);
    why = t('drawFailed');
  }
  return h.el('div', { class: 'card-error', role: 'alert' }, h.el('p', { text: t('loadFailed', { error: why }) }), btn);
}
