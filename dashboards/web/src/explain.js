// Explanations in the UI's language. The classifier writes its evidence
// notes, rule names and touchpoint reasons in English; the API also names
// each as a phrase, a key of STRINGS (ev_…, tp_…) with its arguments
// (classify.NoteKey), which is what the drawer shows.
import { t, label, langName, numberFormat } from './strings.js';

const num = numberFormat({ maximumFractionDigits: 3 });

// arg shows one argument as its name says (see classify.Phrase).
function arg(name, value) {
  switch (name) {
    case 'x': case 'score': case 'before': case 'after': case 'n':
      return num.format(Number(value));
    case 'sentiment': case 'stage': case 'touchpoint':
      return label(name, value);
    case 'lang':
      return langName(value);
    case 'what':
      return t('tpw_' + value.replace(/[^a-z]+/g, '_'));
    case 'source':
      return label('source', value);
    default:
      return value;
  }
}

// phrase says one phrase in the UI's language.
export function phrase(p) {
  const vars = {};
  for (const [k, v] of Object.entries(p.args || {})) vars[k] = arg(k, v);
  return t(p.key, vars);
}

// phrases says a note's phrases, comma-separated.
export function phrases(list) {
  return list.map(phrase).join(', ');
}
