// The incident board: renders the state the server sends over Server-Sent
// Events (docs/server.md, "The incident board"). Everything shown comes from
// that state, which the server builds from its verified store as of the
// notary-signed tree head it names. Text goes in as text, never as markup;
// the one exception is the timeline chart, an SVG the server renders with
// every text escaped (and this page's policy runs no script but this file).
'use strict';
(() => {
  const base = location.pathname.replace(/\/+$/, '');
  const $ = (id) => document.getElementById(id);
  let lastSeq = -1;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }
  const shortKey = (npub) => (npub && npub.length > 20 ? npub.slice(0, 12) + '…' + npub.slice(-4) : npub || '');
  const time = (t) => (t ? t.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
  const stateClass = (s) => 's-' + String(s || 'na').replace(/[^a-z]+/g, '-');

  function setLive(state, text) {
    document.body.dataset.live = state;
    $('live').textContent = text;
  }

  function renderFacts(st) {
    const facts = $('facts');
    facts.replaceChildren();
    const add = (label, value) => {
      if (facts.childNodes.length) facts.append(' · ');
      facts.append(label + ' ', el('b', {}, value));
    };
    add('Severity', st.severity);
    add('Status', st.status);
    add('Commander', st.commander ? shortKey(st.commander) : 'none');
    add('Declared', time(st.declared));
    if (st.playbooks && st.playbooks.length) add('Playbooks', st.playbooks.join(', '));
    add('Events', st.events);
  }

  function renderAlerts(st) {
    const items = [];
    for (const f of st.frozen || []) items.push('Frozen: ' + f.operation + ' since ' + time(f.since) + ' — ' + f.reason);
    for (const sec of st.sections || []) {
      for (const i of sec.items) if (i.state === 'overdue') items.push('Overdue: ' + i.id + ' ' + i.text + (i.due ? ' (due ' + time(i.due) + ')' : ''));
    }
    for (const f of (st.communications && st.communications.findings) || []) items.push(f);
    const box = $('alerts');
    box.replaceChildren(...items.map((t) => el('p', {}, t)));
    box.hidden = items.length === 0;
  }

  function renderRunbook(st) {
    const counts = {};
    const tables = [];
    for (const sec of st.sections || []) {
      const body = el('tbody');
      for (const i of sec.items) {
        counts[i.state] = (counts[i.state] || 0) + 1;
        const done = i.done ? time(i.done) + (i.by ? ' by ' + shortKey(i.by) : '') : '';
        body.append(el('tr', { 'data-item': i.id },
          el('td', {}, el('span', { class: 'pill ' + stateClass(i.state) }, i.state)),
          el('td', {}, i.id),
          el('td', {}, i.text, i.detail ? el('br') : null, i.detail || null),
          el('td', { class: 'time' }, time(i.due)),
          el('td', { class: 'time' }, done)));
      }
      tables.push(el('table', {},
        el('caption', {}, sec.title + (sec.due ? ' — due ' + time(sec.due) : '')),
        el('colgroup', {}, el('col', { class: 'c-state' }), el('col', { class: 'c-id' }), el('col'),
          el('col', { class: 'c-due' }), el('col', { class: 'c-due' })),
        el('thead', {}, el('tr', {}, el('th', {}, 'State'), el('th', {}, 'Step'), el('th', {}, 'What'),
          el('th', {}, 'Due (UTC)'), el('th', {}, 'Done (UTC)'))),
        body));
    }
    $('runbook').replaceChildren(...tables);
    const summary = $('summary');
    summary.replaceChildren();
    for (const [state, n] of Object.entries(counts)) {
      summary.append(el('span', { class: 'pill ' + stateClass(state) }, n + ' ' + state), ' ');
    }
  }

  function renderLatest(rows) {
    const body = $('latest').tBodies[0];
    const top = rows.length ? rows[0].seq : -1;
    body.replaceChildren(...rows.map((r) => el('tr', { 'data-seq': r.seq, class: lastSeq >= 0 && r.seq > lastSeq ? 'new' : null },
      el('td', { class: 'num' }, r.seq),
      el('td', { class: 'time' }, time(r.datetime)),
      el('td', { title: r.author }, shortKey(r.author)),
      el('td', {}, r.type),
      el('td', {}, r.message))));
    lastSeq = Math.max(lastSeq, top);
  }

  function render(s) {
    const st = s.status;
    document.title = s.incident + ' — ' + (s.title || 'incident') + ' — Custody';
    $('heading').textContent = s.incident + (s.title ? ' — ' + s.title : '');
    renderFacts(st);
    const cp = s.checkpoint;
    $('checkpoint').textContent = 'As of the notary-signed tree head of ' + cp.size + ' events (root ' +
      cp.root.slice(0, 16) + '…); times judged at ' + time(s.now) + '.';
    document.body.dataset.size = String(cp.size);
    renderAlerts(st);
    renderRunbook(st);
    // The server's SVG: every text in it escaped (projections/timeline.cc).
    $('chart').innerHTML = s.chart;
    renderLatest(s.latest || []);
    $('status-text').textContent = s.status_text;
    $('note').textContent = cp.note;
  }

  function explain() {
    // Why the stream would not open: the state endpoint answers in words.
    fetch(base + '/state', { credentials: 'same-origin', cache: 'no-store' })
      .then((r) => (r.ok ? null : r.json()))
      .then((e) => { if (e) showError('failed', e.error || 'the board is not available'); })
      .catch(() => {});
  }

  function showError(state, text) {
    setLive(state, state === 'revoked' ? 'access revoked' : 'stopped');
    const box = $('alerts');
    box.replaceChildren(el('p', {}, text));
    box.hidden = false;
  }

  const events = new EventSource(base + '/events');
  events.addEventListener('state', (e) => {
    render(JSON.parse(e.data));
    setLive('live', 'live');
  });
  events.addEventListener('revoked', (e) => {
    events.close();
    showError('revoked', JSON.parse(e.data).error + ': this board no longer updates.');
  });
  events.addEventListener('failed', (e) => {
    showError('failed', JSON.parse(e.data).error);
  });
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED) {
      if (document.body.dataset.live !== 'revoked') { setLive('failed', 'stopped'); explain(); }
    } else if (document.body.dataset.live !== 'revoked') {
      setLive('reconnecting', 'reconnecting…');
    }
  };
})();
