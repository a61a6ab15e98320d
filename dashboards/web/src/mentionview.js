// How mentions are shown in lists: each post's labels per brand as chips,
// its title opening the mention drawer (drawer.js).
import { t, tn, label } from './strings.js';
import { el, extLink } from './dom.js';
import { dateFmt } from './format.js';
import { mentionLink } from './drawer.js';
import { emptyNote } from './states.js';
import { ui } from './ui.js';

export function labelChip(kind, value, corrected) {
  return el('span', { class: 'chip ' + kind + ' ' + kind + '-' + value, title: corrected ? t('correctedTitle') : null },
    label(kind, value) + (corrected ? ' ✎' : ''));
}

// brandChip shows one brand's labels of a post: its name, sentiment and
// journey stage; brands outside the filters are drawn dashed.
export function brandChip(b) {
  return el('span', { class: 'chip brand-label' + (b.match === false ? ' other' : '') },
    el('b', { text: b.brand || t('noBrand') }), labelChip('sentiment', b.sentiment, b.corrected), labelChip('stage', b.journey_stage, b.corrected));
}

// postLink opens a post in the drawer; its text says its language.
export function postLink(id, text, lang, cls) {
  const a = mentionLink(el, id, text, cls);
  if (lang) a.lang = lang;
  return a;
}

export function renderMentionList(list, mentions) {
  list.replaceChildren();
  if (!mentions.length) {
    list.append(el('li', { class: 'muted' }, emptyNote(ui)));
    return;
  }
  for (const m of mentions) {
    const head = m.title || m.text.slice(0, 140);
    const title = postLink(m.id, head, m.lang, 'mention-title');
    list.append(el('li', { class: 'mention' },
      el('div', { class: 'meta' }, el('span', { class: 'author', text: m.author.name || m.author.handle }), ' · ',
        el('span', { text: label('source', m.source) }), ' · ', el('time', { datetime: m.published_at, text: dateFmt.format(new Date(m.published_at)) }),
        ' · ', el('span', { text: tn('followers', m.author.followers) })),
      title,
      m.title ? el('p', { class: 'text', lang: m.lang || null, text: m.text.slice(0, 400) }) : null,
      el('div', { class: 'chips' }, ...(m.brand_labels || []).map(brandChip), labelChip('touchpoint', m.touchpoint, m.corrected),
        m.url ? extLink(m.url, t('original')) : null)));
  }
}
