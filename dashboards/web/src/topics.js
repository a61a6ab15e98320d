// The Topics page: what the mentions in force are about (docs/topics.md).
// Same security rules as app.js: untrusted text only through textContent.
// The page's helpers come from app.js (h: el, api, filterQuery, card,
// dateFmt), so this module has no state.
import { t as tr, numberFormat } from './strings.js';
import { mentionLink } from './drawer.js';

const pct = numberFormat({ style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' });
const num = numberFormat({ maximumFractionDigits: 0 });
const net = numberFormat({ maximumFractionDigits: 2, signDisplay: 'exceptZero' });
const ratio = numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 });

// termLink links a term to the mentions that have it, with the filters in force.
function termLink(h, t) {
  return h.el('a', { href: '/mentions?' + h.filterQuery({ term: t.term }), class: 'term', text: t.form || t.term });
}

function netCell(h, v) {
  return h.el('td', { class: 'num ' + (v < -0.05 ? 'negative' : v > 0.05 ? 'positive' : ''), text: net.format(v) });
}

function fill(h, id, rows, cells) {
  const body = document.querySelector('#' + id + ' tbody');
  body.replaceChildren();
  if (!rows.length) {
    body.append(h.el('tr', {}, h.el('td', { colspan: '5', class: 'muted', text: tr('nothingHere') })));
    return;
  }
  for (const r of rows) body.append(h.el('tr', {}, ...cells(r)));
}

function topTable(h, id, rows) {
  fill(h, id, rows, (t) => [h.el('td', {}, termLink(h, t)), h.el('td', { class: 'num', text: num.format(t.mentions) }),
    h.el('td', { class: 'num', text: t.change === null ? tr('newTerm') : pct.format(t.change) }), netCell(h, t.net_sentiment)]);
}

function compareTable(h, c) {
  const table = document.getElementById('topics-compare');
  const head = h.el('tr', {}, h.el('th', { scope: 'col', text: tr('term') }),
    ...c.brands.map((b) => h.el('th', { scope: 'col', class: 'num', text: `${b.brand} (${num.format(b.mentions)})` })));
  const body = h.el('tbody');
  for (const t of c.terms) {
    body.append(h.el('tr', {}, h.el('td', {}, termLink(h, t)),
      ...t.by_brand.map((b) => h.el('td', { class: 'num', title: tr('netTitle', { value: net.format(b.net_sentiment) }),
        text: b.mentions ? `${pct.format(b.share).replace('+', '')} · ${net.format(b.net_sentiment)}` : '–' }))));
  }
  if (!c.terms.length) body.append(h.el('tr', {}, h.el('td', { class: 'muted', text: tr('nothingHere') })));
  table.replaceChildren(h.el('thead', {}, head), body);
}

function storyList(h, stories) {
  const list = document.getElementById('topics-story-list');
  list.replaceChildren();
  if (!stories.length) {
    list.append(h.el('li', { class: 'muted', text: tr('noStories') }));
    return;
  }
  for (const s of stories) {
    list.append(h.el('li', { class: 'mention' },
      h.el('div', { class: 'meta' }, h.el('span', { text: tr('storyMentions', { n: num.format(s.size) }) }), ' · ',
        h.el('span', { text: tr('storyReach', { n: num.format(s.reach) }) }), ' · ',
        h.el('span', { text: `${h.dateFmt.format(new Date(s.first))} – ${h.dateFmt.format(new Date(s.latest))}` })),
      h.el('a', { href: '/mentions?' + h.filterQuery({ story: s.id }), lang: s.lang || null, text: s.text }),
      h.el('div', { class: 'small' }, mentionLink(h.el, s.mention_id, tr('openFirstPost')))));
  }
}

export async function topicsPage(h) {
  const topics = h.card(['topics-mentions', 'topics-emerging', 'topics-phrases', 'topics-words'], () => h.api('/api/v1/topics?' + h.filterQuery()).then((x) => {
    document.getElementById('topics-mentions').textContent = num.format(x.mentions);
    document.getElementById('topics-stories').textContent = num.format(x.stories);
    fill(h, 'topics-emerging', x.emerging, (g) => [h.el('td', {}, termLink(h, g)), h.el('td', { class: 'num', text: num.format(g.mentions) }),
      h.el('td', { class: 'num', text: num.format(g.expected) }),
      h.el('td', { class: 'num', text: g.baseline ? `×${ratio.format(g.ratio)}` : tr('newTerm') }), netCell(h, g.net_sentiment)]);
    topTable(h, 'topics-phrases', x.phrases);
    topTable(h, 'topics-words', x.words);
  }));
  const compare = h.card('topics-compare', () => h.api('/api/v1/topics/compare?' + h.filterQuery({ brand: null })).then((c) => compareTable(h, c)));
  const stories = h.card('topics-story-list', () => h.api('/api/v1/stories?' + h.filterQuery()).then((s) => storyList(h, s.stories)));
  await Promise.all([topics, compare, stories]);
}
