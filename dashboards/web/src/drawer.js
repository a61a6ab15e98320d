// The mention drawer (issue #17, item 4): one post's detail in a modal
// <dialog>, in view at every width, on every page. Any link with
// data-mention="<id>" opens it (mentionLink makes them); the URL carries
// ?mention=<id>, so a view can be shared or reloaded, and Back closes it.
// Escape, the close button or a click outside close it too; focus moves
// into it, stays there while it is open (the page behind is inert) and
// returns to the link that opened it. Untrusted text only through
// textContent (the detail is rendered by detail.js's showDetail).
import { t } from './strings.js';

// mentionHref is the current page's URL with the drawer open on id.
export function mentionHref(id) {
  const q = new URLSearchParams(location.search);
  q.delete('id');
  q.set('mention', id);
  return location.pathname + '?' + q;
}

// mentionLink is a link that opens the drawer on the mention id.
export function mentionLink(el, id, text, cls) {
  return el('a', { href: mentionHref(id), 'data-mention': id, class: cls, text });
}

const opened = () => new URLSearchParams(location.search).get('mention') || '';

// setupDrawer adds the drawer to the page; render(box, id) fills it with
// the mention's detail (and throws when it cannot be read).
export function setupDrawer(el, render) {
  const title = el('h2', { id: 'drawer-title', text: t('mentionTitle') });
  const closeBtn = el('button', { type: 'button', class: 'drawer-close', 'aria-label': t('close'), text: '✕' });
  const box = el('div', { id: 'detail', class: 'drawer-body' });
  const dialog = el('dialog', { id: 'mention-drawer', class: 'drawer', 'aria-labelledby': 'drawer-title' },
    el('div', { class: 'drawer-head' }, title, closeBtn), box);
  document.body.append(dialog);
  let opener = null; // the link that opened it
  let shown = '';

  const show = async (id) => {
    if (!dialog.open) {
      dialog.showModal();
      closeBtn.focus();
    }
    if (shown === id) return;
    shown = id;
    dialog.dataset.mention = id;
    delete dialog.dataset.ready;
    box.replaceChildren(el('p', { class: 'muted', text: t('loading') }));
    // Rendered aside and shown only if still wanted: Back and Forward may
    // ask for another mention before this one has been read.
    const next = el('div');
    try {
      await render(next, id);
    } catch (e) {
      next.replaceChildren(el('p', { class: 'error', role: 'alert', text: t('mentionNotLoaded', { error: e.message }) }));
    }
    if (shown !== id) return;
    box.replaceChildren(...next.childNodes);
    dialog.dataset.ready = '1';
  };
  const hide = () => {
    if (!dialog.open) return;
    const id = shown;
    dialog.close();
    shown = '';
    delete dialog.dataset.mention;
    // Back to the link that opened it, else (opened by the URL) to that
    // mention's link on the page, else to the page's content.
    const back = (opener && opener.isConnected && opener) ||
      document.querySelector('main a[data-mention="' + CSS.escape(id) + '"]') || document.getElementById('main');
    opener = null;
    back?.focus();
  };
  // Closing undoes the drawer's history entry when it made one (Back does
  // the same); opened by the URL, it takes the mention out of the URL.
  const close = () => {
    if (history.state && history.state.mention === shown) {
      history.back();
      return;
    }
    const q = new URLSearchParams(location.search);
    q.delete('mention');
    history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : '') + location.hash);
    hide();
  };
  const sync = () => {
    const id = opened();
    if (id) show(id);
    else hide();
  };

  closeBtn.addEventListener('click', close);
  dialog.addEventListener('cancel', (ev) => { // Escape
    ev.preventDefault();
    close();
  });
  dialog.addEventListener('click', (ev) => {
    if (ev.target === dialog) close(); // the backdrop
  });
  // Tab and Shift+Tab go round the drawer's own controls.
  dialog.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Tab') return;
    const items = [...dialog.querySelectorAll('a[href], button:not([disabled]), select:not([disabled]), input:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])')]
      .filter((e) => e.getClientRects().length);
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1];
    if (ev.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault();
      first.focus();
    }
  });
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[data-mention]');
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    opener = a;
    const id = a.dataset.mention;
    if (opened() !== id) history.pushState({ mention: id }, '', mentionHref(id));
    show(id);
  });
  window.addEventListener('popstate', sync);
  // Older links name the mention as ?id= on the Mentions page.
  const q = new URLSearchParams(location.search);
  if (q.get('id') && !q.get('mention') && document.body.dataset.page === 'mentions') {
    history.replaceState(null, '', mentionHref(q.get('id')));
  }
  sync();
}
