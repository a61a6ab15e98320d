// The CSV exports' format choice, beside the export links: Excel with
// semicolons and decimal commas (what Finnish and Swedish Excel opens as
// columns and numbers; the default when the UI or the browser speaks
// Finnish or Swedish) or CSV with commas and decimal points. The choice is
// remembered in the browser. ui is ui.js's helpers ({ el }).
import { t, uiLang } from './strings.js';

const KEY = 'ewom-export-delimiter';

function defaultDelimiter() {
  const browser = ((navigator.languages && navigator.languages[0]) || navigator.language || '').slice(0, 2).toLowerCase();
  return ['fi', 'sv'].includes(uiLang()) || ['fi', 'sv'].includes(browser) ? 'semicolon' : 'comma';
}

// setupExport adds the choice and keeps the export links' delimiter in step.
export function setupExport(ui) {
  const links = [document.getElementById('export'), document.querySelector('a[href^="/api/v1/corrections?format=csv"]')].filter(Boolean);
  if (!links.length) return;
  let saved = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch (e) { /* storage blocked */ }
  const sel = ui.el('select', { name: 'delimiter' },
    ui.el('option', { value: 'semicolon', text: t('exportSemicolon') }), ui.el('option', { value: 'comma', text: t('exportComma') }));
  sel.value = saved === 'semicolon' || saved === 'comma' ? saved : defaultDelimiter();
  const apply = () => {
    for (const a of links) {
      const u = new URL(a.getAttribute('href'), location.href);
      u.searchParams.set('delimiter', sel.value);
      a.setAttribute('href', u.pathname + u.search);
    }
  };
  sel.addEventListener('change', () => {
    try {
      localStorage.setItem(KEY, sel.value);
    } catch (e) { /* storage blocked */ }
    apply();
  });
  links[0].parentElement.append(ui.el('label', { class: 'export-format' }, t('exportFormat') + ' ', sel));
  apply();
}
