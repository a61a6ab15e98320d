// The mention drawer's content (drawer.js opens it): the post, its labels
// for each brand it names with the evidence behind them, and the
// correction form for admins.
import { t, tn, uiLang, label, langName } from './strings.js';
import { el, extLink } from './dom.js';
import { api, role } from './api.js';
import { dateFmt, fmt, fmt1 } from './format.js';
import { labelChip } from './mentionview.js';
import { phrase, phrases } from './explain.js';

// showDetail fills the mention drawer's box (drawer.js) with the post, its
// labels for each brand it names with the evidence behind them, and the
// correction form for admins. The brand filter's brand comes first.
export async function showDetail(box, id, meta) {
  const brand = new URLSearchParams(location.search).get('brand') || '';
  const d = await api('/api/v1/mentions/' + encodeURIComponent(id) + '?brand=' + encodeURIComponent(brand));
  const x = d.mention;
  const lang = x.lang || null;
  // Evidence of a per-brand label names its brand; the rest is the post's.
  const ev = (field, b) => d.explanation.filter((e) => e.label === field && (e.brand || '') === b);
  const evList = (field, b = '') => {
    const items = ev(field, b);
    if (!items.length) return el('p', { class: 'muted small', text: t('noEvidence') });
    return el('ul', { class: 'evidence' }, ...items.map((e) => el('li', {},
      e.text_phrase ? el('span', { text: phrase(e.text_phrase) }) : el('code', { lang, text: e.text }),
      ' ', el('span', { class: 'muted', text: label('evidence', e.kind) }),
      e.weight ? el('span', { class: 'num', text: ' ' + fmt1.format(e.weight) }) : null,
      noteOf(e))));
  };
  // A note the API could not name as a phrase is shown in English, marked.
  const noteOf = (e) => {
    if (e.note_phrases) return el('span', { class: 'muted', text: ' (' + phrases(e.note_phrases) + ')' });
    return e.note ? el('span', { class: 'muted', lang: 'en', text: ' (' + e.note + ')' }) : null;
  };
  const inEnglish = (!d.touchpoint_reason_phrase && x.touchpoint_reason) ||
    d.explanation.some((e) => e.label !== 'brand' && e.note && !e.note_phrases);
  const rows = [
    [t('author'), el('span', { class: 'author' }, extLink(x.author.url, x.author.name || x.author.handle), ' ', el('span', { class: 'muted', text: x.author.handle }))],
    [t('published'), dateFmt.format(new Date(x.published_at))],
    [t('source'), label('source', x.source)], [t('language'), langName(x.lang)],
    [t('originalLink'), x.url ? extLink(x.url, x.url) : t('noLink')],
    [t('classifier'), d.current_classifier_version && d.current_classifier_version !== x.classifier_version
      ? t('explanationFrom', { version: x.classifier_version, current: d.current_classifier_version }) : x.classifier_version],
  ];
  // One section per brand the post names: its labels and their evidence.
  const brandSection = (b) => el('section', { class: 'brand-detail', 'data-brand': b.brand },
    el('h4', {}, el('b', { text: b.brand || t('noBrand') })),
    el('dl', { class: 'facts' },
      el('dt', { text: t('sentiment') }), el('dd', {}, labelChip('sentiment', b.sentiment, b.corrected), ' ' + fmt1.format(b.sentiment_score)),
      el('dt', { text: t('touchpoint') }), el('dd', {}, labelChip('touchpoint', b.touchpoint, b.corrected)),
      el('dt', { text: t('journeyStage') }), el('dd', {}, labelChip('stage', b.journey_stage, b.corrected))),
    b.corrected ? el('p', { class: 'small corrected' }, t('correctedFor', {
      labels: [label('sentiment', b.original.sentiment), label('touchpoint', b.original.touchpoint), label('stage', b.original.journey_stage)].join(', ') })) : null,
    ev('sentiment', b.brand).length ? evList('sentiment', b.brand) : null,
    ev('journey_stage', b.brand).length ? evList('journey_stage', b.brand) : null);
  box.replaceChildren(...[
    el('h3', { class: 'drawer-post-title', lang, text: x.title || x.text.slice(0, 140) }),
    el('p', { class: 'fulltext', lang, text: x.text }),
    el('dl', { class: 'facts' }, ...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)])),
    el('h3', { text: t('perBrand') }), ...x.brand_labels.map(brandSection),
    el('h3', { text: t('wholePost') }),
    el('h4', { text: t('sentiment') }), evList('sentiment'),
    el('h4', { text: t('touchpointIs', { label: label('touchpoint', x.touchpoint) }) }),
    d.touchpoint_reason_phrase ? el('p', { class: 'small', text: phrase(d.touchpoint_reason_phrase) })
      : el('p', { class: 'small', lang: 'en', text: x.touchpoint_reason }), evList('touchpoint'),
    el('h4', { text: t('journeyStage') }), evList('journey_stage'),
    uiLang() === 'en' || !inEnglish ? null : el('p', { class: 'muted small', text: t('explainedInEnglish') }),
    role() === 'admin' ? correctionForm(x, meta, d.learning) : null,
  ].filter(Boolean));
}

// learningNote says how many corrections the next `ewom learn` would use.
function learningNote(l) {
  if (!l) return '';
  const model = l.active_model === 'shipped' ? t('shippedModel') : t('learnedModel', { date: dateFmt.format(new Date(l.active_since)) });
  return tn('learn', l.new_corrections, { model,
    total: fmt.format(l.corrections), min: fmt.format(l.min_examples) });
}

function correctionForm(x, meta, learning) {
  const select = (name, title, kind, values, cur) => el('label', {}, title,
    el('select', { name }, ...values.map((v) => el('option', { value: v, selected: v === cur, text: label(kind, v) }))));
  const msg = el('p', { class: 'small', role: 'status' });
  const note = el('p', { class: 'small muted learning', text: learningNote(learning) });
  // The form corrects one brand's labels; choosing another brand shows its.
  const brand = el('label', {}, t('brand'), el('select', { name: 'brand' },
    ...x.brand_labels.map((b) => el('option', { value: b.brand, selected: b.brand === x.brand, text: b.brand || t('noBrand') }))));
  const form = el('form', { class: 'correct', 'aria-label': t('correctLabels') },
    el('h3', { text: t('correctTheLabels') }), note, x.brand_labels.length > 1 ? brand : null,
    select('sentiment', t('sentiment'), 'sentiment', meta.sentiments, x.sentiment),
    select('touchpoint', t('touchpoint'), 'touchpoint', meta.touchpoints, x.touchpoint),
    select('journey_stage', t('journeyStage'), 'stage', meta.journey_stages, x.journey_stage),
    el('label', {}, t('note'), el('input', { name: 'note', maxlength: 1000 })),
    el('button', { type: 'submit', text: t('saveCorrection') }), msg);
  brand.querySelector('select').addEventListener('change', (ev) => {
    const b = x.brand_labels.find((y) => y.brand === ev.target.value);
    for (const k of ['sentiment', 'touchpoint', 'journey_stage']) form.elements[k].value = b[k];
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { brand: x.brand_labels.length > 1 ? form.elements.brand.value : x.brand };
    for (const k of ['sentiment', 'touchpoint', 'journey_stage', 'note']) body[k] = form.elements[k].value;
    try {
      await api('/api/v1/mentions/' + encodeURIComponent(x.id) + '/labels', { method: 'POST', body: JSON.stringify(body) });
      msg.textContent = t('correctionSaved');
      api('/api/v1/mentions/' + encodeURIComponent(x.id) + '?brand=' + encodeURIComponent(x.brand || ''), { quiet: true })
        .then((d) => { note.textContent = learningNote(d.learning); }).catch(() => {});
    } catch (e) {
      msg.textContent = t('notSaved', { error: e.message });
    }
  });
  return form;
}
