// SecuMail dashboard: plain JavaScript, no build step, no external resources.
// Every text from the server goes into the page through textContent, never as HTML.
'use strict';

const state = { csrf: null, refresh: null };
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

async function api(path, form) {
  const opts = { credentials: 'same-origin', headers: {} };
  if (form) {
    opts.method = 'POST';
    opts.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    if (state.csrf) opts.headers['X-CSRF-Token'] = state.csrf;
    opts.body = new URLSearchParams(form).toString();
  }
  const r = await fetch('/api/' + path, opts);
  let body = null;
  try { body = await r.json(); } catch (e) { body = { ok: false, message: 'HTTP ' + r.status }; }
  return { status: r.status, body };
}

function status(id, text, error) {
  const s = $(id);
  s.textContent = text;
  s.className = 'status' + (error ? ' err' : '');
}

async function start() {
  const r = await api('session');
  if (r.status === 200 && r.body.loggedIn) {
    state.csrf = r.body.csrf;
    $('login').hidden = true;
    $('app').hidden = false;
    $('who').textContent = r.body.user === 'loopback' ? 'local access' : 'logged in as ' + r.body.user;
    $('logout').hidden = r.body.user === 'loopback';
    await refresh();
    if (!state.refresh) state.refresh = setInterval(() => { refreshSummary(); refreshRejections(); }, 5000);
  } else {
    $('app').hidden = true;
    $('login').hidden = false;
  }
}

async function refresh() {
  await Promise.all([refreshSummary(), refreshQueue(), refreshRejections()]);
}

// ---- overview -------------------------------------------------------------------------
async function refreshSummary() {
  const r = await api('summary');
  if (r.status !== 200) return;
  const now = r.body.now;
  const tiles = $('tiles');
  tiles.replaceChildren();
  const q = now.queue;
  const total = Object.values(q).reduce((a, b) => a + Math.max(0, b), 0);
  const items = [['connections', now.connections], ['accepted', now.accepted], ['rejected', now.rejected],
    ['delivered', now.delivered], ['deferred', now.deferred], ['bounced', now.bounced], ['in queue', total],
    ['on hold', q.hold]];
  for (const [k, v] of items) {
    const t = el('div', null, 'tile');
    t.dataset.key = k;
    t.append(el('div', v, 'v'), el('div', k, 'k'));
    tiles.append(t);
  }
  $('overview-note').textContent = 'Counters since the server started' +
    (r.body.metricsEnabled ? '' : ' (secumail_metrics_enable = no: counters are not kept)') +
    '; charts: the last hour, one point per ' + r.body.intervalSeconds + ' s.';
  const h = r.body.history.concat([now]);
  const perMinute = (key) => {
    const out = [];
    for (let i = 1; i < h.length; i++) {
      const dt = (h[i].time - h[i - 1].time) / 60000;
      out.push(dt > 0 ? Math.max(0, (h[i][key] - h[i - 1][key]) / dt) : 0);
    }
    return out;
  };
  chart($('chart-connections'), [{ data: perMinute('connections'), color: '#1f6feb' }]);
  chart($('chart-mail'), [{ data: perMinute('accepted'), color: '#1a7f37' }, { data: perMinute('rejected'), color: '#cf222e' }]);
  chart($('chart-queue'), [{ data: h.map((s) => Object.values(s.queue).reduce((a, b) => a + Math.max(0, b), 0)), color: '#8250df' }]);
}

function chart(canvas, series) {
  const c = canvas.getContext('2d');
  const w = canvas.width, hgt = canvas.height, pad = 28;
  c.clearRect(0, 0, w, hgt);
  let max = 1;
  for (const s of series) for (const v of s.data) max = Math.max(max, v);
  c.fillStyle = '#555';
  c.font = '11px sans-serif';
  c.fillText(max.toFixed(max < 10 ? 1 : 0), 2, 12);
  c.fillText('0', 2, hgt - 4);
  c.strokeStyle = '#ddd';
  c.beginPath(); c.moveTo(pad, hgt - pad / 2); c.lineTo(w, hgt - pad / 2); c.stroke();
  for (const s of series) {
    if (s.data.length === 0) continue;
    c.strokeStyle = s.color;
    c.lineWidth = 1.5;
    c.beginPath();
    s.data.forEach((v, i) => {
      const x = pad + (s.data.length === 1 ? 0 : i * (w - pad - 4) / (s.data.length - 1));
      const y = hgt - pad / 2 - v / max * (hgt - pad);
      if (i === 0) c.moveTo(x, y); else c.lineTo(x, y);
    });
    c.stroke();
  }
}

// ---- queue ----------------------------------------------------------------------------
async function refreshQueue() {
  const r = await api('queue?q=' + encodeURIComponent($('queue-q').value));
  if (r.status !== 200) { status('queue-status', r.body.message || 'error', true); return; }
  const tbody = $('queue-table').querySelector('tbody');
  tbody.replaceChildren();
  for (const m of r.body.messages) {
    const tr = el('tr');
    tr.dataset.id = m.id;
    const rc = el('td');
    for (const x of m.recipients) {
      rc.append(el('div', x.address));
      if (x.reason) rc.append(el('div', '(' + x.reason + ')', 'reason'));
    }
    const actions = el('td');
    const button = (label, action) => {
      const b = el('button', label);
      b.type = 'button';
      b.dataset.action = action;
      b.addEventListener('click', () => queueAction(action, m.id));
      actions.append(b, ' ');
    };
    if (m.queue === 'hold') button('Release', 'release'); else if (m.queue !== 'active') button('Hold', 'hold');
    button('Delete', 'delete');
    tr.append(el('td', m.id), el('td', m.queue, 'queue-name'), el('td', m.size), el('td', new Date(m.arrival).toLocaleString()),
      el('td', m.sender === '' ? 'MAILER-DAEMON' : m.sender), rc, actions);
    tbody.append(tr);
  }
  $('queue-empty').hidden = r.body.total !== 0;
}

async function queueAction(action, id) {
  // no confirmation dialog, like postsuper -d (and a dialog would stop automated clients)
  const form = { action };
  if (id) form.id = id;
  const r = await api('queue', form);
  status('queue-status', r.body.message, !r.body.ok);
  await refreshQueue();
  refreshSummary();
}

// ---- rejections -----------------------------------------------------------------------
async function refreshRejections() {
  const r = await api('rejections?limit=30');
  if (r.status !== 200) return;
  $('rejections-note').textContent = r.body.tracing ? '' : 'Decision traces are off (secumail_trace_enable = no).';
  const list = $('rejections-list');
  const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.dataset.key));
  list.replaceChildren();
  for (const t of r.body.rejections) {
    const d = el('details');
    d.dataset.key = t.time + ' ' + t.client + ' ' + t.queueId;
    if (open.has(d.dataset.key)) d.open = true;
    const refused = t.recipients.filter((x) => /^[45]/.test(x.reply));
    const reply = t.decision === 'refused' ? t.reply : (refused[0] ? refused[0].reply : t.reply);
    d.append(el('summary', new Date(t.time).toLocaleString() + '  ' + t.queueId + '  ' + t.client + '  from=<' +
      (t.sender || '') + '>  ' + refused.map((x) => 'to=<' + x.address + '>').join(' ') + '  ' + reply));
    d.append(el('pre', t.trace));
    list.append(d);
  }
}

// ---- explain --------------------------------------------------------------------------
async function explain(ev) {
  ev.preventDefault();
  const form = Object.fromEntries(new FormData($('explain-form')).entries());
  const r = await api('explain', form);
  $('explain-out').textContent = r.status === 200 ? r.body.lines.join('\n') : (r.body.message || 'error');
}

// ---- login ----------------------------------------------------------------------------
async function login(ev) {
  ev.preventDefault();
  const form = Object.fromEntries(new FormData($('login-form')).entries());
  const r = await api('login', form);
  if (r.status === 200) { status('login-status', ''); await start(); } else status('login-status', r.body.message, true);
}

async function logout() {
  await api('logout', {});
  clearInterval(state.refresh);
  state.refresh = null;
  state.csrf = null;
  await start();
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('queue-search').addEventListener('submit', (ev) => { ev.preventDefault(); refreshQueue(); });
  $('queue-flush').addEventListener('click', () => queueAction('flush'));
  $('explain-form').addEventListener('submit', explain);
  start();
});
