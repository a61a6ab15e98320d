// The alert workflow in the UI: each alert with its plain explanation (in
// the UI's language), example posts, sources, stages and the phrases that
// grew; its state (acknowledged, assigned, snoozed, resolved) and history;
// and, for admins, the actions (POST /api/v1/alerts/{id}/actions). The
// helpers of ui.js come in as ui: { el, api, extLink, filterQuery, dateFmt, fmt }.
import { t, uiLang, label, langName, dateFormat } from './strings.js';
import { plainText, alertSpan } from './crisis.js';
import { mentionLink } from './drawer.js';

const SNOOZES = [['1h', 'h1'], ['4h', 'h4'], ['24h', 'h24'], ['168h', 'd7']];

function when(ui, iso) {
  return ui.el('time', { datetime: iso, text: ui.dateFmt.format(new Date(iso)) });
}

// mentionsLink opens the negative mentions of the alert's brand, segment
// and window.
function mentionsLink(ui, a) {
  const { from, to } = alertSpan(a);
  const q = { brand: a.brand || null, sentiment: 'negative', range: null };
  if (from) q.from = new Date(from).toISOString().replace('.000Z', 'Z');
  if (to) q.to = new Date(to).toISOString().replace('.000Z', 'Z');
  if (a.segment_kind && a.segment_kind !== 'all') q[a.segment_kind] = a.segment_value;
  return ui.el('a', { class: 'mentions-link', href: '/mentions?' + ui.filterQuery(q), text: t('showMentions') });
}

// counts lists names with their counts, each name shown as kind's label.
function counts(ui, cls, title, kind, items) {
  if (!items || !items.length) return null;
  return ui.el('p', { class: 'small ' + cls }, ui.el('b', { text: title + ': ' }),
    items.map((c) => label(kind, c.name) + ' (' + ui.fmt.format(c.count) + ')').join(', '));
}

// segmentText is an alert's segment (journey_stage delivery, source
// reddit, …) in the UI's language, or '' for all mentions.
function segmentText(a) {
  if (!a.segment_kind || a.segment_kind === 'all') return '';
  const kind = { journey_stage: 'stage', touchpoint: 'touchpoint', source: 'source' }[a.segment_kind];
  const value = a.segment_kind === 'lang' ? langName(a.segment_value) : kind ? label(kind, a.segment_value) : a.segment_value;
  return ' (' + t('segment', { kind: label('segkind', a.segment_kind), value }) + ')';
}

function stateText(a) {
  const w = a.workflow || {};
  const parts = [a.state === 'resolved' ? t('resolved') : w.acknowledged_by ? t('acknowledged') : t('firing')];
  if (w.assignee) parts.push(t('assignedTo', { user: w.assignee }));
  if (a.state !== 'resolved' && w.snoozed_until && Date.parse(w.snoozed_until) > Date.now()) {
    parts.push(t('snoozedUntil', { time: dateFormat({ dateStyle: 'medium', timeStyle: 'short' }).format(new Date(w.snoozed_until)) }));
  }
  if (w.resolved_by) parts.push(t('resolvedBy', { user: w.resolved_by }));
  return parts.join(' · ');
}

function historyItem(ui, h) {
  const key = h.action === 'assign' && !h.assignee ? 'act_unassign' : 'act_' + h.action;
  const until = h.until ? ui.dateFmt.format(new Date(h.until)) : '';
  return ui.el('li', { class: 'history-' + h.action }, when(ui, h.at), ' ',
    ui.el('span', { text: t(key, { actor: h.actor, assignee: h.assignee || '', until }) }),
    h.comment ? ui.el('q', { class: 'comment', text: h.comment }) : null);
}

// actionsForm is the admin's controls for one alert; done gets the alert
// as the API answers after an action.
function actionsForm(ui, a, assignees, done) {
  const w = a.workflow || {};
  const open = a.state !== 'resolved';
  const msg = ui.el('p', { class: 'small', role: 'status' });
  const comment = ui.el('textarea', { name: 'comment', rows: 2, maxlength: 2000 });
  const assignee = ui.el('select', { name: 'assignee' }, ui.el('option', { value: '', text: t('nobody') }),
    ...assignees.map((u) => ui.el('option', { value: u, text: u, selected: u === w.assignee })));
  const snooze = ui.el('select', { name: 'for' }, ...SNOOZES.map(([v, k]) => ui.el('option', { value: v, text: t(k) })));
  const send = async (body, button) => {
    const note = comment.value.trim();
    if (note && body.action !== 'comment') body.comment = note;
    button.disabled = true;
    try {
      const r = await ui.api('/api/v1/alerts/' + encodeURIComponent(a.id) + '/actions', { method: 'POST', body: JSON.stringify(body) });
      done(r.alert, t('saved'));
    } catch (e) {
      msg.textContent = t('notSaved', { error: e.message });
      button.disabled = false;
    }
  };
  const button = (label, cls, body) => {
    const b = ui.el('button', { type: 'button', class: cls, text: label });
    b.addEventListener('click', () => send(body(), b));
    return b;
  };
  return ui.el('div', { class: 'alert-actions', role: 'group', 'aria-label': t('history') },
    ui.el('label', { class: 'comment-field' }, t('comment'), comment),
    ui.el('div', { class: 'buttons' },
      open && !w.acknowledged_by ? button(t('acknowledge'), 'act-acknowledge', () => ({ action: 'acknowledge' })) : null,
      open ? ui.el('label', {}, t('assignee'), assignee) : null,
      open ? button(t('assign'), 'act-assign', () => ({ action: 'assign', assignee: assignee.value })) : null,
      open ? ui.el('label', {}, t('snoozeFor'), snooze) : null,
      open ? button(t('snooze'), 'act-snooze', () => ({ action: 'snooze', for: snooze.value })) : null,
      open ? button(t('resolve'), 'act-resolve', () => ({ action: 'resolve' })) : null,
      ui.el('button', { type: 'button', class: 'act-comment', text: t('addComment'),
        onclick: (ev) => { if (comment.value.trim()) send({ action: 'comment', comment: comment.value.trim() }, ev.currentTarget); } })),
    msg);
}

// withLang marks a post's text with its language, when known.
function withLang(e, lang) {
  if (lang) e.lang = lang;
  return e;
}

// alertItem draws one alert; opts: { assignees, canAct, compact, changed }.
function alertItem(ui, a, opts) {
  const lang = uiLang();
  const seg = segmentText(a);
  const li = ui.el('li', { class: 'alert severity-' + (a.severity || 'warning') + (a.state === 'resolved' ? ' resolved' : ''), id: 'alert-' + a.id });
  const draw = (cur, saved) => {
    const y = cur.explanation || {};
    const hist = (cur.workflow || {}).history || [];
    li.className = 'alert severity-' + (cur.severity || 'warning') + (cur.state === 'resolved' ? ' resolved' : '');
    li.replaceChildren(...[
      ui.el('div', { class: 'meta' }, ui.el('b', { text: (cur.severity ? label('severity', cur.severity) : t('alertNoSeverity')) + ' · ' + stateText(cur) }), ' · ',
        ui.el('span', { text: label('kind', cur.kind) + ' ' + (cur.brand || '') + seg }), ' · ', cur.fired_at ? when(ui, cur.fired_at) : null),
      ui.el('p', { class: 'plain', lang, text: plainText(cur, lang) }),
      mentionsLink(ui, cur),
      opts.compact ? null : ui.el('div', { class: 'why' },
        y.phrases && y.phrases.length ? ui.el('p', { class: 'small phrases' }, ui.el('b', { text: t('phrases') + ': ' }),
          y.phrases.map((p) => p.name).join(', ')) : null,
        y.top_terms && y.top_terms.length ? ui.el('p', { class: 'small terms' }, ui.el('b', { text: t('terms') + ': ' }),
          y.top_terms.map((p) => p.name).join(', ')) : null,
        counts(ui, 'sources', t('sources'), 'source', y.top_sources),
        counts(ui, 'stages', t('stages'), 'stage', y.journey_stages),
        y.mentions && y.mentions.length ? ui.el('div', { class: 'examples' }, ui.el('h3', { text: t('examples') }),
          ui.el('ul', {}, ...y.mentions.map((m) => ui.el('li', {},
            ui.el('span', { class: 'muted small block' }, label('source', m.source) + ' · ', when(ui, m.published_at)),
            m.id ? withLang(mentionLink(ui.el, m.id, m.text, 'text'), m.lang) : ui.el('span', { class: 'text', lang: m.lang || null, text: m.text }), ' ',
            m.url ? ui.extLink(m.url, '↗') : null)))) : null),
      opts.compact ? null : ui.el('details', { class: 'history' }, ui.el('summary', { text: t('history') + ' (' + hist.length + ')' }),
        hist.length ? ui.el('ol', {}, ...hist.map((h) => historyItem(ui, h))) : ui.el('p', { class: 'muted small', text: t('noHistory') })),
      opts.compact ? null : opts.canAct ? actionsForm(ui, cur, opts.assignees, (next, note) => {
        draw(next, note);
        opts.changed?.();
      }) : ui.el('p', { class: 'muted small', text: t('actionsNeedAdmin') }),
      saved ? ui.el('p', { class: 'small saved', role: 'status', text: saved }) : null].filter(Boolean));
    li.dataset.state = cur.state === 'resolved' ? 'resolved' : (cur.workflow || {}).acknowledged_by ? 'acknowledged' : 'firing';
  };
  draw(a, '');
  return li;
}

// renderAlerts fills a list with alerts; opts as alertItem's.
export function renderAlerts(ui, list, items, opts = {}) {
  list.replaceChildren();
  if (!items.length) {
    list.append(ui.el('li', { class: 'muted', text: t('noAlerts') }));
    return;
  }
  for (const a of items) list.append(alertItem(ui, a, { assignees: [], ...opts }));
  // The banner links to #alert-<id>: bring it into view once drawn.
  const target = location.hash.startsWith('#alert-') && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && list.contains(target)) target.scrollIntoView({ block: 'start' });
}
