// The request every page starts with, sent before the rest of the bundle
// is evaluated (ECharts is most of it), so its answer is on its way while
// that runs: the page's own calls wait for it. app.js imports this first.
export const metaResponse = fetch('/api/v1/meta', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
