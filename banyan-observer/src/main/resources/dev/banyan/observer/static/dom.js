// Building DOM from node data. Every value the node reports becomes a text node or an
// attribute value: nothing here ever parses a string as HTML.

/** el('a', {href: '#x', class: 'c', onclick: f}, 'text', child) */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** A link to a process's page. */
export function pidLink(pid, label) {
  if (!pid) return el('span', {class: 'muted'}, 'none');
  return el('a', {href: '#/process/' + encodeURIComponent(pid), class: 'pid', 'data-pid': pid}, label ?? pid);
}

/** Replaces the children of e. */
export function fill(e, ...children) {
  e.replaceChildren();
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const token = document.querySelector('meta[name="banyan-token"]')?.content ?? '';

/** POSTs an action (kill, exit, send) with the page's token; resolves to the JSON answer. */
export async function act(action, params) {
  const res = await fetch('api/action/' + action, {
    method: 'POST',
    headers: {'X-Banyan-Token': token, 'Content-Type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams(params),
  });
  const body = await res.json().catch(() => ({error: res.statusText}));
  if (!res.ok) throw new Error(body.error ?? res.statusText);
  return body;
}

export function bytes(n) {
  if (n === null || n === undefined || n < 0) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

export function duration(ms) {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';
}
