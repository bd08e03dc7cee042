// The observer's page: a hash router over four views, each fed by one server-sent event stream.
import {el, fill, pidLink, act, bytes, duration} from './dom.js';
import {renderTrees} from './tree.js';

const main = document.getElementById('main');
const live = document.getElementById('live');
let stream = null;

function listen(params, handlers) {
  if (stream) stream.close();
  stream = new EventSource('api/events?' + new URLSearchParams(params));
  stream.onopen = () => { live.textContent = 'live'; live.className = 'live on'; };
  stream.onerror = () => { live.textContent = 'reconnecting…'; live.className = 'live off'; };
  for (const [topic, f] of Object.entries(handlers)) {
    stream.addEventListener(topic, e => f(JSON.parse(e.data)));
  }
}

function route() {
  const hash = location.hash || '#/system';
  const [, page, arg] = hash.match(/^#\/([a-z]+)\/?(.*)$/) ?? [null, 'system', ''];
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.dataset.page === page);
  }
  switch (page) {
    case 'applications': return applications();
    case 'processes': return processes();
    case 'process': return processPage(decodeURIComponent(arg));
    default: return system();
  }
}

function note(text, bad) {
  const n = document.getElementById('note');
  if (n) { n.textContent = text; n.className = bad ? 'note bad' : 'note'; }
}

async function kill(pid) {
  try {
    await act('kill', {pid});
    note(`killed ${pid}`);
  } catch (e) {
    note(`could not kill ${pid}: ${e.message}`, true);
  }
}

// ---- System ----------------------------------------------------------------------------------

function system() {
  const facts = el('dl', {class: 'facts', id: 'system-facts'});
  const events = el('tbody');
  main.replaceChildren(
    el('h2', {}, 'System'), facts,
    el('h3', {}, 'Recent crashes and restarts'),
    el('table', {class: 'grid', id: 'events'},
      el('thead', {}, el('tr', {}, ['time', 'what', 'process', 'name / child', 'reason', 'new pid'].map(h => el('th', {}, h)))),
      events));
  listen({topics: 'system'}, {system: s => {
    document.getElementById('node-name').textContent = s.node;
    const row = (k, v) => [el('dt', {}, k), el('dd', {}, v)];
    fill(facts,
      row('node', s.node), row('uptime', duration(s.uptimeMs)),
      row('processes', s.processes.toLocaleString()),
      row('running (runnable)', s.running.toLocaleString()),
      row('queued messages', s.queuedMessages.toLocaleString()),
      row('messages / s', s.messagesPerSecond.toLocaleString()),
      row('zombies', s.zombies), row('registered names', s.registered),
      row('heap', `${bytes(s.memory.heapUsed)} used of ${bytes(s.memory.heapCommitted)} (max ${bytes(s.memory.heapMax)})`),
      row('non-heap', bytes(s.memory.nonHeapUsed)),
      row('JVM', `${s.jvm.vm} ${s.jvm.version} (${s.jvm.vendor})`),
      row('OS', `${s.jvm.os}, ${s.jvm.processors} processors, ${s.jvm.threads} platform threads`),
      row('scheduler', s.scheduler.kind === 'banyan'
        ? `Banyan's, ${s.scheduler.carriers} carriers` +
          (s.scheduler.carriers > s.scheduler.parallelism ? ` (${s.scheduler.carriers - s.scheduler.parallelism} spare)` : '')
        : `the JDK's, ${s.scheduler.parallelism} carriers (${s.scheduler.whyNotBanyan})`));
    fill(events, s.events.length === 0
      ? el('tr', {}, el('td', {colspan: 6, class: 'muted'}, 'none yet'))
      : s.events.map(e => el('tr', {class: 'event-' + e.kind},
          el('td', {}, e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')), el('td', {}, e.kind.replace('_', ' ')),
          el('td', {}, pidLink(e.pid)), el('td', {}, e.name), el('td', {class: 'reason'}, e.reason),
          el('td', {}, e.newPid ? pidLink(e.newPid) : ''))));
  }});
}

// ---- Applications ----------------------------------------------------------------------------

function applications() {
  const trees = el('div', {id: 'trees'}, el('p', {class: 'muted'}, 'loading…'));
  main.replaceChildren(el('h2', {}, 'Applications'),
    el('p', {class: 'muted'}, 'Supervision trees, live. A restarted child flashes with its new pid.'),
    el('p', {id: 'note', class: 'note'}), trees);
  listen({topics: 'trees'}, {trees: data => renderTrees(trees, data, kill)});
}

// ---- Processes -------------------------------------------------------------------------------

const table = {sort: 'pid', dir: 'asc', q: '', offset: 0, limit: 50};
const columns = [
  ['pid', 'pid', true], ['name', 'name', true], ['kind', 'kind', false], ['status', 'status', true],
  ['mailbox', 'mailbox', true], ['received', 'messages', true], ['links', 'links', true],
  ['monitors', 'monitors', true], ['current', 'current function', false]];

function processes() {
  const body = el('tbody');
  const info = el('span', {class: 'muted', id: 'table-info'});
  const head = el('tr');
  const filter = el('input', {type: 'search', id: 'filter', placeholder: 'filter: name, pid or kind', value: table.q});
  let timer = null;
  filter.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { table.q = filter.value; table.offset = 0; reopen(); }, 250);
  });
  const size = el('select', {id: 'page-size'}, [50, 100, 200, 500].map(n =>
    el('option', {value: n, selected: n === table.limit ? 'selected' : null}, n)));
  size.addEventListener('change', () => { table.limit = Number(size.value); table.offset = 0; reopen(); });
  const prev = el('button', {onclick: () => { table.offset = Math.max(0, table.offset - table.limit); reopen(); }}, '‹ previous');
  const next = el('button', {onclick: () => { table.offset += table.limit; reopen(); }}, 'next ›');
  main.replaceChildren(el('h2', {}, 'Processes'),
    el('div', {class: 'controls'}, filter, ' rows ', size, ' ', prev, ' ', next, ' ', info),
    el('table', {class: 'grid', id: 'processes'}, el('thead', {}, head), body));

  function drawHead() {
    fill(head, columns.map(([key, label, sortable]) => el('th', {
        class: sortable ? 'sortable' + (table.sort === key ? ' sorted-' + table.dir : '') : null,
        'data-sort': sortable ? key : null,
        onclick: sortable ? () => {
          table.dir = table.sort === key && table.dir === 'desc' ? 'asc' : table.sort === key ? 'desc'
            : (key === 'pid' || key === 'name' ? 'asc' : 'desc');
          table.sort = key; table.offset = 0; reopen();
        } : null}, label)));
  }
  function reopen() {
    drawHead();
    listen({topics: 'processes', sort: table.sort, dir: table.dir, q: table.q, offset: table.offset, limit: table.limit},
      {processes: page => {
        info.textContent = `${page.matched.toLocaleString()} of ${page.total.toLocaleString()} processes · showing ${
          page.rows.length ? page.offset + 1 : 0}–${page.offset + page.rows.length}`;
        prev.disabled = page.offset === 0;
        next.disabled = page.offset + page.rows.length >= page.matched;
        fill(body, page.rows.map(r => el('tr', {'data-pid': r.pid},
          el('td', {}, pidLink(r.pid)), el('td', {class: 'name'}, r.name ?? ''),
          el('td', {}, r.kind === 'process' ? 'process' : `${r.kind} ${r.implementation ?? ''}`),
          el('td', {}, r.status), el('td', {class: 'num'}, r.mailbox), el('td', {class: 'num'}, r.received),
          el('td', {class: 'num'}, r.links), el('td', {class: 'num'}, r.monitors),
          el('td', {class: 'mono'}, r.current))));
      }});
  }
  reopen();
}

// ---- One process -----------------------------------------------------------------------------

function processPage(pid) {
  const facts = el('dl', {class: 'facts', id: 'process-facts'});
  const sections = el('div', {id: 'process-sections'});
  const message = el('input', {id: 'message', placeholder: 'a message (sent as a string)'});
  const reason = el('input', {id: 'reason', placeholder: 'reason: normal, shutdown, kill or text', value: 'shutdown'});
  const doIt = (action, params) => act(action, {pid, ...params})
    .then(() => note(`${action}: done`), e => note(`${action}: ${e.message}`, true));
  main.replaceChildren(
    el('h2', {}, 'Process ', el('span', {id: 'process-pid'}, pid)),
    el('div', {class: 'controls actions'},
      message, el('button', {id: 'send', onclick: () => doIt('send', {message: message.value})}, 'send'), ' ',
      reason, el('button', {id: 'exit', onclick: () => doIt('exit', {reason: reason.value})}, 'exit'), ' ',
      el('button', {id: 'kill', class: 'danger', onclick: () => doIt('kill', {})}, 'kill')),
    el('p', {id: 'note', class: 'note'}), facts, sections);
  listen({topics: 'process', pid}, {process: p => {
    const row = (k, v) => [el('dt', {}, k), el('dd', {}, v)];
    const list = ps => ps.length === 0 ? el('span', {class: 'muted'}, 'none')
      : ps.map(x => [pidLink(x.pid), x.name ? ` (${x.name})` : '', ' ']);
    if (!p.alive) {
      fill(facts, row('status', 'dead'), row('exit reason', p.exitReason ?? 'unknown'));
    } else {
      fill(facts,
        row('name', p.name ?? el('span', {class: 'muted'}, 'none')),
        row('kind', p.kind + (p.implementation ? ' ' + p.implementation : '')),
        row('status', p.status), row('current function', p.current),
        row('mailbox', p.mailbox), row('messages received', p.received), row('traps exits', String(p.trapExit)),
        row('parent', p.parent ? list([p.parent]) : el('span', {class: 'muted'}, 'none')),
        row('links', list(p.links)), row('monitors', list(p.monitors)), row('monitored by', list(p.monitoredBy)),
        p.supervisedAs ? row('supervised as', [`child ${p.supervisedAs.id} of `, pidLink(p.supervisedAs.supervisor.pid),
          `, ${p.supervisedAs.restart}, restarted ${p.supervisedAs.restarts} times`,
          p.supervisedAs.lastExit ? `, last exit: ${p.supervisedAs.lastExit}` : '']) : null,
        p.supervisor ? row('supervisor', `${p.supervisor.strategy}, intensity ${p.supervisor.maxRestarts} in ${
          p.supervisor.maxSeconds}s, ${p.supervisor.childCount} children, ${p.supervisor.restarts} restarts`) : null);
    }
    fill(sections,
      p.state !== undefined ? [el('h3', {}, 'State'), el('pre', {id: 'state'}, p.state)] : null,
      el('h3', {}, 'Last exits'),
      p.events.length === 0 ? el('p', {class: 'muted'}, 'none recorded')
        : el('ul', {id: 'exits'}, p.events.map(e => el('li', {},
            `${e.at} ${e.kind.replace('_', ' ')} `, pidLink(e.pid), ` ${e.name}: ${e.reason}`,
            e.newPid ? [' → ', pidLink(e.newPid)] : ''))),
      p.stack ? [el('h3', {}, 'Stack'), el('pre', {id: 'stack'}, p.stack.join('\n'))] : null);
  }});
}

window.addEventListener('hashchange', route);
route();
