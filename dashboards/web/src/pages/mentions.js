// The Mentions page: the mentions in force, 25 at a time, with the
// CSV/XLSX export of them all.
import { t } from '../strings.js';
import { setStatus } from '../dom.js';
import { api, filterQuery } from '../api.js';
import { fmt } from '../format.js';
import { ui, card } from '../ui.js';
import { setupExport } from '../exportopts.js';
import * as drill from '../drill.js';
import { renderMentionList } from '../mentionview.js';

export async function mentionsPage() {
  const params = new URLSearchParams(location.search);
  let offset = Number(params.get('offset') || 0);
  const list = document.getElementById('mention-list');
  const extra = () => ({ q: params.get('q') || null, sort: params.get('sort') || null, term: params.get('term') || null, story: params.get('story') || null,
    node: params.get('node') || null, transition: params.get('transition') || null });
  drill.flowNote(ui);
  document.getElementById('export').href = '/api/v1/mentions/export?' + filterQuery(extra());
  setupExport(ui);
  const load = () => card('mention-list', () => api('/api/v1/mentions?' + filterQuery({ ...extra(), limit: '25', offset: String(offset) })).then((l) => {
    renderMentionList(list, l.mentions);
    document.getElementById('prev').disabled = offset === 0;
    document.getElementById('next').disabled = !l.has_more;
    setStatus(l.mentions.length ? t('mentionsRange', { from: fmt.format(offset + 1), to: fmt.format(offset + l.mentions.length) }) : t('noMatches'));
  }));
  document.getElementById('prev').addEventListener('click', () => { offset = Math.max(0, offset - 25); load(); });
  document.getElementById('next').addEventListener('click', () => { offset += 25; load(); });
  load();
  return load;
}
