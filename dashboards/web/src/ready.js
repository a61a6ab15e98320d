// When a page is drawn: every request a page makes goes through track,
// every chart through drawing; when none is left the body gets data-ready
// (the tests and the benchmark wait for it, and read how long it took).
import { t } from './strings.js';
import { setStatus } from './dom.js';
import { showSearchError } from './search.js';

let loads = 0; // requests running
let pending = 0; // charts drawing
let tracked = []; // the requests since the last live update started

// track counts a request until it settles; a failure shows in the status
// line (a search error at the search box too).
export function track(promise) {
  loads++;
  tracked.push(promise);
  return promise.catch((e) => { setStatus(t('couldNotLoad', { error: e.message })); showSearchError(e); }).finally(() => {
    if (--loads === 0 && pending === 0) markReady();
  });
}

// drawing counts a chart being drawn; call what it returns when it is.
// Calls after the first do nothing: a chart whose options failed to build
// is counted drawn at the failure, and ECharts may still report the empty
// chart finished afterwards.
export function drawing() {
  pending++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--pending === 0) markReady();
  };
}

// loading counts the page's set-up, load(), as one request.
export async function loading(load) {
  loads++;
  try {
    return await load();
  } finally {
    loads--;
    markReady();
  }
}

// round runs refresh (a live update) and waits for the requests it made.
export async function round(refresh) {
  tracked = [];
  await refresh();
  await Promise.all(tracked);
}

// markReady flags a fully drawn page.
function markReady() {
  if (loads === 0 && pending === 0 && !document.body.dataset.ready) {
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = '1';
  }
}
