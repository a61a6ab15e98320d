// DOM helpers. Security rules for the UI: untrusted text (posts, authors,
// URLs) only ever reaches the DOM through textContent or setAttribute of
// safe attributes; links only for http(s) URLs.

// el makes an element: attrs (class, text, on<event> handlers, other
// attributes; null, undefined and false left out) and children (nodes or text).
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// safeHref returns an absolute http(s) URL or null.
function safeHref(raw) {
  if (typeof raw !== 'string' || raw === '') return null;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch (e) {
    return null;
  }
}

// extLink links text to an http(s) URL in a new tab; any other URL stays text.
export function extLink(url, text) {
  const href = safeHref(url);
  if (!href) return el('span', { text });
  return el('a', { href, rel: 'noopener noreferrer', target: '_blank', text });
}

// setStatus says something in the page's status line.
export function setStatus(msg) {
  const s = document.getElementById('status');
  if (s) s.textContent = msg;
}
