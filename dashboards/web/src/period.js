// The date picker and the time series' options (issue #17, item 3):
// presets, a custom range (also one arriving in the URL, as from an alert's
// link) shown as its window, the comparison period, granularity, smoothing
// and how often the page updates itself. The controls join the filter form
// before filters.js wires it, so they live in the URL like every filter and
// apply as the other selects do. Strings come from strings.js.
import { t } from './strings.js';
import { livePages } from './live.js';

// iso writes a time as RFC 3339 in UTC without milliseconds.
export const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// localValue is a time as a datetime-local input's value (local time).
function localValue(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// calendar is a calendar preset's [from, to) in local time.
function calendar(preset, now = new Date()) {
  const [y, m, d] = [now.getFullYear(), now.getMonth(), now.getDate()];
  if (preset === 'yesterday') return [new Date(y, m, d - 1), new Date(y, m, d)];
  const monday = d - ((now.getDay() + 6) % 7);
  return [new Date(y, m, monday - 7), new Date(y, m, monday)];
}

function choice(ui, name, label, options, value) {
  const sel = ui.el('select', { name }, ...options.map(([v, text]) => ui.el('option', { value: v, text })));
  if (value && !options.some(([v]) => v === value)) sel.append(ui.el('option', { value, text: value }));
  return ui.el('label', {}, label, sel);
}

// liveOptions are the update intervals offered, in seconds ('' is the
// default, a minute; 0 is off).
function liveOptions(current) {
  const opts = [['0', t('liveOff')], ['15', t('live15')], ['', t('live60')], ['300', t('live300')]];
  if (current && !opts.some(([v]) => v === current)) opts.push([current, t('liveEvery', { n: current })]);
  return opts;
}

// setupPeriod adds the controls to the filter form. The Overview gets the
// comparison, granularity and smoothing; every page the custom range and
// live updates.
export function setupPeriod(ui, page) {
  const form = document.getElementById('filters');
  if (!form) return;
  const params = new URLSearchParams(location.search);
  const range = form.elements.range;
  const custom = range.querySelector('option[value="custom"]');
  custom.hidden = false;
  custom.textContent = t('rangeCustom');
  range.prepend(ui.el('option', { value: '1h', text: t('rangeHour') }));
  custom.before(ui.el('option', { value: 'yesterday', text: t('rangeYesterday') }),
    ui.el('option', { value: 'lastweek', text: t('rangeLastWeek') }));

  // The custom range: two local-time inputs that fill the form's from and
  // to (UTC), shown while the range is custom.
  const from = ui.el('input', { type: 'datetime-local', id: 'period-from' });
  const to = ui.el('input', { type: 'datetime-local', id: 'period-to' });
  const box = ui.el('span', { class: 'period-custom', hidden: !params.get('from') },
    ui.el('label', {}, t('rangeFrom'), from), ui.el('label', {}, t('rangeTo'), to));
  range.closest('label').after(box);
  if (params.get('from')) {
    from.value = localValue(new Date(params.get('from')));
    to.value = localValue(params.get('to') ? new Date(params.get('to')) : new Date());
  }
  const sync = () => {
    if (from.value) form.elements.from.value = iso(new Date(from.value).getTime());
    if (to.value) form.elements.to.value = iso(new Date(to.value).getTime());
  };
  from.addEventListener('change', sync);
  to.addEventListener('change', sync);
  // Runs before the select's own listener (capture on the form): a
  // calendar preset becomes a custom range and applies; choosing "custom"
  // opens the inputs and waits for Apply.
  form.addEventListener('change', (ev) => {
    if (ev.target !== range) return;
    if (range.value === 'custom') {
      ev.stopPropagation();
      box.hidden = false;
      if (!from.value) {
        from.value = localValue(new Date(Date.now() - 7 * 864e5));
        to.value = localValue(new Date());
      }
      sync();
      from.focus();
    } else if (range.value === 'yesterday' || range.value === 'lastweek') {
      const [a, b] = calendar(range.value);
      from.value = localValue(a);
      to.value = localValue(b);
      sync();
      range.value = 'custom';
    } else {
      box.hidden = true;
    }
  }, true);

  const controls = [];
  if (page === 'overview') {
    controls.push(
      choice(ui, 'compare', t('compareLabel'), [['', t('cmpPrevious')], ['year', t('cmpYear')], ['none', t('cmpNone')]]),
      choice(ui, 'interval', t('intervalLabel'), [['', t('ivAuto')], ['5m', t('iv5m')], ['1h', t('iv1h')], ['1d', t('iv1d')], ['1w', t('iv1w')]]),
      choice(ui, 'smooth', t('smoothLabel'), [['', t('smoothOff')], ...[3, 7, 24].map((n) => [String(n), t('smoothN', { n })])]));
  }
  if (livePages.includes(page)) controls.push(choice(ui, 'live', t('liveLabel'), liveOptions(params.get('live') || '')));
  form.querySelector('button[type="submit"]').before(...controls);
  form.append(ui.el('p', { id: 'period-window', class: 'period-window small muted', hidden: true }));
  if (params.get('from')) showWindow(ui, params.get('from'), params.get('to') || iso(Date.now()));
}

// showWindow writes the period shown (and the one compared with) under the
// filters: a custom range names its dates, as an alert's link gives them.
export function showWindow(ui, from, to, cmpFrom, cmpTo) {
  const p = document.getElementById('period-window');
  if (!p) return;
  const f = (x) => ui.dateFmt.format(new Date(x));
  p.textContent = t('window', { from: f(from), to: f(to) }) + (cmpFrom ? ' · ' + t('windowCompared', { from: f(cmpFrom), to: f(cmpTo) }) : '');
  p.hidden = false;
}

// compareNote is the words after a KPI's change ('' when nothing is compared).
export function compareNote() {
  const c = new URLSearchParams(location.search).get('compare');
  return c === 'none' ? '' : c === 'year' ? t('cmpVsYear') : t('cmpVsPrevious');
}
