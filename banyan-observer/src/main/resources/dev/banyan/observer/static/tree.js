// Supervision trees, drawn as nested lists with CSS connectors. A child whose pid the page has
// not shown before (a restart, a new child) flashes; a child that is gone is simply not drawn.
import {el, pidLink} from './dom.js';

const seen = new Set(); // every pid drawn so far
let firstDraw = true;

/** Draws data.trees into container; onKill(pid) is called by a node's kill button. */
export function renderTrees(container, data, onKill) {
  const drawn = new Set();
  const sections = data.trees.map(t =>
    el('section', {class: 'tree-box', 'data-root': t.pid, 'data-application': t.application?.name},
      t.application
        ? el('h3', {}, t.application.name, ' ', el('span', {class: 'muted'},
            [t.application.version, t.application.type, t.application.description].filter(x => x).join(' · ')))
        : el('h3', {}, t.name ?? t.implementation ?? t.pid, ' ', el('span', {class: 'muted'}, t.pid)),
      el('ul', {class: 'tree'}, item(t, onKill, drawn, t.application?.name))));
  if (data.treesTotal > data.trees.length) {
    sections.push(el('p', {class: 'muted'}, `${data.treesTotal - data.trees.length} more trees not shown`));
  }
  if ((data.libraries ?? []).length > 0) {
    sections.push(el('p', {class: 'muted', id: 'libraries'}, 'Library applications (no processes): ',
      data.libraries.map(l => l.name + (l.version ? ' ' + l.version : '')).join(', ')));
  }
  if (sections.length === 0) sections.push(el('p', {class: 'muted'}, 'No supervisor is running.'));
  container.replaceChildren(...sections);
  for (const p of drawn) seen.add(p);
  firstDraw = false;
}

// rootTitle: for an application's top supervisor (which has no child id), the application's name.
function item(n, onKill, drawn, rootTitle) {
  const fresh = n.pid && !firstDraw && !seen.has(n.pid);
  if (n.pid) drawn.add(n.pid);
  const sup = n.kind === 'supervisor' || n.kind === 'dynamic_supervisor';
  const title = n.id ?? rootTitle ?? n.name ?? n.implementation ?? n.pid;
  const box = el('div', {
      class: 'node ' + (sup ? 'sup' : 'worker') + (n.pid ? '' : ' down') + (fresh ? ' flash' : ''),
      'data-pid': n.pid, 'data-id': n.id, 'data-kind': n.kind},
    el('div', {class: 'title'}, title),
    n.name && n.name !== title ? el('div', {class: 'name'}, n.name) : null,
    el('div', {class: 'line'},
      n.pid ? pidLink(n.pid) : el('span', {class: 'muted'}, n.busy ?? 'not running'),
      ' ', el('span', {class: 'kind'}, n.implementation && n.kind !== 'process' ? n.implementation : n.kind)),
    el('div', {class: 'badges'},
      n.restart ? el('span', {class: 'badge restart-' + n.restart, title: 'restart type'}, n.restart) : null,
      n.childRestarts ? el('span', {class: 'badge restarts', title: 'times this child was restarted'}, '↻ ' + n.childRestarts) : null,
      sup && n.strategy ? el('span', {class: 'badge strategy', title: 'strategy and intensity'},
        `${n.strategy} ${n.maxRestarts}/${n.maxSeconds}s`) : null,
      sup && n.restarts ? el('span', {class: 'badge restarts', title: 'restarts made by this supervisor'}, 'restarts ' + n.restarts) : null),
    n.pid ? el('button', {class: 'kill', title: 'kill ' + n.pid, onclick: () => onKill(n.pid)}, 'kill') : null,
    n.lastExit ? el('div', {class: 'last-exit', title: 'why it last ended'}, 'last exit: ' + n.lastExit) : null);
  const kids = (n.children ?? []).map(c => item(c, onKill, drawn));
  if (n.childrenNotShown > 0) {
    kids.push(el('li', {}, el('div', {class: 'node more'}, `… ${n.childrenNotShown} more children`)));
  }
  return el('li', {}, box, kids.length ? el('ul', {}, kids) : null);
}
