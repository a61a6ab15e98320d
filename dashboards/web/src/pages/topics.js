// The Topics page: what the mentions in force are about (docs/topics.md).
// Untrusted text (terms, posts) only through textContent.
import { t as tr, tn, numberFormat } from '../strings.js';
import { el } from '../dom.js';
import { api, filterQuery } from '../api.js';
import { dateFmt } from '../format.js';
import { ui, card } from '../ui.js';
import { emptyNote } from '../states.js';
import { mentionLink } from '../drawer.js';

const pct = numberFormat({ style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' });
const num = numberFormat({ maximumFractionDigits: 0 });
const net = numberFormat({ maximumFractionDigits: 2, signDisplay: 'exceptZero' });
const ratio = numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 });

// termLink links a term to the mentions that have it, with the filters in force.
function termLink(t) {
  return el('a', { href: '/mentions?' + filterQuery({ term: t.term }), class: 'term', text: t.form || t.term });
}

function netCell(v) {
  return el('td', { class: 'num ' + (v < -0.05 ? 'negative' : v > 0.05 ? 'positive' : ''), text: net.format(v) });
}

function fill(id, rows, cells) {
  const body = document.querySelector('#' + id + ' tbody');
  body.replaceChildren();
  if (!rows.length) {
    body.append(el('tr', {}, el('td', { colspan: '5', class: 'muted' }, emptyNote(ui, tr('nothingHere')))));
    return;
  }
  for (const r of rows) body.append(el('tr', {}, ...cells(r)));
}

function topTable(id, rows) {
  fill(id, rows, (t) => [el('td', {}, termLink(t)), el('td', { class: 'num', text: num.format(t.mentions) }),
    el('td', { class: 'num', text: t.change === null ? tr('newTerm') : pct.format(t.change) }), netCell(t.net_sentiment)]);
}

function compareTable(c) {
  const table = document.getElementById('topics-compare');
  const head = el('tr', {}, el('th', { scope: 'col', text: tr('term') }),
    ...c.brands.map((b) => el('th', { scope: 'col', class: 'num', text: `${b.brand} (${num.format(b.mentions)})` })));
  const body = el('tbody');
  for (const t of c.terms) {
    body.append(el('tr', {}, el('td', {}, termLink(t)),
      ...t.by_brand.map((b) => el('td', { class: 'num', title: tr('netTitle', { value: net.format(b.net_sentiment) }),
        text: b.mentions ? `${pct.format(b.share).replace('+', '')} · ${net.format(b.net_sentiment)}` : '–' }))));
  }
  if (!c.terms.length) body.append(el('tr', {}, el('td', { colspan: String(c.brands.length + 1), class: 'muted' }, emptyNote(ui, tr('nothingHere')))));
  table.replaceChildren(el('thead', {}, head), body);
}

function storyList(stories) {
  const list = document.getElementById('topics-story-list');
  list.replaceChildren();
  if (!stories.length) {
    list.append(el('li', { class: 'muted' }, emptyNote(ui, tr('noStories'))));
    return;
  }
  for (const s of stories) {
    list.append(el('li', { class: 'mention' },
      el('div', { class: 'meta' }, el('span', { text: tn('mentionCount', s.size) }), ' · ',
        el('span', { text: tr('storyReach', { n: num.format(s.reach) }) }), ' · ',
        el('span', { text: `${dateFmt.format(new Date(s.first))} – ${dateFmt.format(new Date(s.latest))}` })),
      el('a', { href: '/mentions?' + filterQuery({ story: s.id }), lang: s.lang || null, text: s.text }),
      el('div', { class: 'small' }, mentionLink(el, s.mention_id, tr('openFirstPost')))));
  }
}

export async function topicsPage() {
  const topics = card(['topics-mentions', 'topics-emerging', 'topics-phrases', 'topics-words'], () => api('/api/v1/topics?' + filterQuery()).then((x) => {
    document.getElementById('topics-mentions').textContent = num.format(x.mentions);
    document.getElementById('topics-stories').textContent = num.format(x.stories);
    fill('topics-emerging', x.emerging, (g) => [el('td', {}, termLink(g)), el('td', { class: 'num', text: num.format(g.mentions) }),
      el('td', { class: 'num', text: num.format(g.expected) }),
      el('td', { class: 'num', text: g.baseline ? `×${ratio.format(g.ratio)}` : tr('newTerm') }), netCell(g.net_sentiment)]);
    topTable('topics-phrases', x.phrases);
    topTable('topics-words', x.words);
  }));
  const compare = card('topics-compare', () => api('/api/v1/topics/compare?' + filterQuery({ brand: null })).then((c) => compareTable(c)));
  const stories = card('topics-story-list', () => api('/api/v1/stories?' + filterQuery()).then((s) => storyList(s.stories)));
  await Promise.all([topics, compare, stories]);
}
