// The helpers the feature modules (crisis.js, alertflow.js, exportopts.js,
// states.js, period.js, drill.js) take as ui, and card: one card's load
// with its skeleton, error and Retry.
import { el, extLink } from './dom.js';
import { api, filterQuery } from './api.js';
import { dateFmt, fmt } from './format.js';
import { track } from './ready.js';
import { loadCard } from './states.js';
import { showSearchError } from './search.js';

export const ui = { el, api, extLink, filterQuery, dateFmt, fmt, track };

// card loads one card (or the cards of ids) with its skeleton, error and
// Retry (states.js); a search error also shows at the search box.
export function card(ids, load) {
  return loadCard(ui, ids, load, showSearchError);
}
