// Ferry dashboard: plain ES module, no build step. Talks to the REST API with the bearer token the
// user signs in with; the token lives in sessionStorage (gone with the tab) and travels only in the
// Authorization header, never in a URL. Every piece of data reaches the page through textContent.

const TOKEN_KEY = 'ferry.token';
const STATES = ['ok', 'vulnerable', 'cordoned', 'draining', 'patching', 'verifying', 'patched', 'failed'];
const STATE_LABEL = {
  ok: 'not affected', vulnerable: 'vulnerable', cordoned: 'cordoned', draining: 'draining', patching: 'patching',
  verifying: 'verifying', patched: 'patched', failed: 'failed',
};
const COLOR = {
  ok: '#d9d9d9', vulnerable: '#d55e00', cordoned: '#8c8c8c', draining: '#e69f00', patching: '#56b4e9',
  verifying: '#0072b2', patched: '#009e73', failed: '#000000',
};

let me = null;            // {role, tenant, name}
let cleanup = [];         // what the current view must stop when the route changes

// ------------------------------------------------------------------ small helpers

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function fmtDur(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

function fmtTime(iso) {
  return iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC') : '—';
}

function say(message, error = false) {
  const s = document.getElementById('status');
  s.textContent = message || '';
  s.className = error ? 'status error' : 'status';
}

function label(row, headers) {
  [...row.children].forEach((cell, k) => cell.setAttribute('data-label', headers[k] ?? ''));
  return row;
}

/** A table; on a narrow screen each row becomes a block whose cells carry their column's name (data-label). */
function table(headers, rows, attrs = {}) {
  for (const row of rows) label(row, headers);
  return el('div', {class: 'tablewrap'}, el('table', {...attrs, class: 'stack'},
    el('thead', {}, el('tr', {}, headers.map(h => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, rows)));
}

function stat(key, value, id) {
  return el('div', {class: 'stat'}, el('span', {class: 'v', id}, value), el('span', {class: 'k'}, key));
}

function throttle(fn, ms) {
  let last = 0, timer = null;
  const run = () => { last = Date.now(); timer = null; fn(); };
  const wrapped = () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(run, wait);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

// ------------------------------------------------------------------ the API

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(path, {method = 'GET', body} = {}) {
  const headers = {Authorization: 'Bearer ' + sessionStorage.getItem(TOKEN_KEY), Accept: 'application/json'};
  if (method !== 'GET') headers['Idempotency-Key'] = crypto.randomUUID();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (r.status === 204) return null;
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (!r.ok) {
    if (r.status === 401 && path !== '/v1/me') { signOut('Your token is no longer valid; sign in again.'); }
    throw new ApiError(r.status, (json && (json.detail || json.title)) || `HTTP ${r.status}`);
  }
  return json;
}

/** Server-sent events read with fetch, so the token goes in a header (EventSource cannot send one). */
function stream(path, onEvent) {
  const abort = new AbortController();
  let stopped = false, delay = 1000;
  (async () => {
    while (!stopped) {
      try {
        const r = await fetch(path, {signal: abort.signal, headers: {
          Authorization: 'Bearer ' + sessionStorage.getItem(TOKEN_KEY), Accept: 'text/event-stream'}});
        if (!r.ok) throw new ApiError(r.status, `stream: HTTP ${r.status}`);
        delay = 1000;
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          buf += value.replace(/\r\n/g, '\n');
          let cut;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            let event = 'message';
            const data = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            }
            if (data.length) onEvent(event, JSON.parse(data.join('\n')));
            if (event === 'end') { stopped = true; }
          }
        }
      } catch (e) {
        if (stopped || abort.signal.aborted) return;
        if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) return;
      }
      if (!stopped) { await new Promise(res => setTimeout(res, delay)); delay = Math.min(15000, delay * 2); }
    }
  })();
  return () => { stopped = true; abort.abort(); };
}

// ------------------------------------------------------------------ sign-in and routing

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  me = null;
  location.hash = '#/signin';
  route();
  if (message) say(message, true);
}

function signInView(main) {
  const input = el('input', {id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true,
    'aria-describedby': 'token-help'});
  const error = el('p', {id: 'signin-error', class: 'error', role: 'alert'});
  const form = el('form', {class: 'panel signin', id: 'signin-form', on: {submit: async ev => {
    ev.preventDefault();
    error.textContent = '';
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    try {
      me = await api('/v1/me');
      if (me.role !== 'operator' && me.role !== 'tenant') {
        throw new ApiError(403, 'this token is a host agent\'s; the dashboard takes an operator or a tenant token');
      }
      input.value = '';
      location.hash = me.role === 'operator' ? '#/fleet' : '#/tenant';
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      me = null;
      error.textContent = e.status === 401 ? 'That token is not valid.' : 'Sign-in failed: ' + e.message;
      input.value = '';
      input.focus();
    }
  }}},
  el('h1', {}, 'Sign in to Ferry'),
  el('label', {for: 'token'}, 'Access token'),
  input,
  el('p', {id: 'token-help', class: 'muted'}, 'An operator token, or your tenant token. It is kept only in this browser tab.'),
  el('button', {type: 'submit', class: 'primary', id: 'signin'}, 'Sign in'),
  error);
  main.append(form);
  input.focus();
}

const OPERATOR_NAV = [['#/fleet', 'Fleet map'], ['#/campaigns', 'Campaigns'], ['#/audit', 'Audit log']];
const TENANT_NAV = [['#/tenant', 'My instances and events']];

function renderNav(current) {
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  if (!me) { nav.hidden = true; return; }
  nav.hidden = false;
  for (const [href, label] of me.role === 'operator' ? OPERATOR_NAV : TENANT_NAV) {
    nav.append(el('a', {href, 'aria-current': current.startsWith(href.split('/')[1]) ? 'page' : null}, label));
  }
  document.getElementById('who').textContent = me.role === 'operator' ? `operator · ${me.name}` : `tenant ${me.tenant}`;
  document.getElementById('signout').hidden = false;
}

async function route() {
  for (const c of cleanup) c();
  cleanup = [];
  say('');
  const main = document.getElementById('main');
  main.replaceChildren();
  const hash = location.hash || '#/';
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    me = null;
    renderNav('');
    document.getElementById('who').textContent = '';
    document.getElementById('signout').hidden = true;
    signInView(main);
    return;
  }
  if (!me) {
    try { me = await api('/v1/me'); } catch (e) { signOut('Sign in again.'); return; }
  }
  const [, view, id] = hash.split('/');
  renderNav(view || '');
  const operator = me.role === 'operator';
  const views = operator
    ? {fleet: fleetView, campaigns: campaignsView, campaign: campaignView, audit: auditView}
    : {tenant: tenantView, event: eventView};
  const fn = views[view] || (operator ? fleetView : tenantView);
  try {
    await fn(main, id && decodeURIComponent(id));
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    say(e.message, true);
  }
  const h1 = main.querySelector('h1');
  if (h1) { h1.tabIndex = -1; h1.focus({preventScroll: true}); }
}

// ------------------------------------------------------------------ fleet map

/** Draws one tile: the state's colour plus a mark, so that states differ without colour too. */
function drawTile(ctx, state, x, y, s) {
  ctx.fillStyle = COLOR[state];
  ctx.fillRect(x, y, s, s);
  const light = state === 'failed' || state === 'verifying' || state === 'vulnerable' || state === 'patched';
  ctx.strokeStyle = ctx.fillStyle = light ? '#ffffff' : '#000000';
  ctx.lineWidth = Math.max(1, s / 7);
  const m = Math.max(1, Math.round(s / 5));
  ctx.beginPath();
  switch (state) {
    case 'vulnerable': ctx.fillRect(x + s / 2 - m / 2, y + m, m, s - 2 * m - m); ctx.fillRect(x + s / 2 - m / 2, y + s - 1.6 * m, m, m * 0.8); return;
    case 'cordoned': ctx.fillRect(x + m, y + s / 2 - m / 2, s - 2 * m, m); return;
    case 'draining': ctx.moveTo(x + m, y + s - m); ctx.lineTo(x + s - m, y + m); break;
    case 'patching': ctx.fillRect(x + m, y + m, m, m); ctx.fillRect(x + s - 2 * m, y + s - 2 * m, m, m); return;
    case 'verifying': ctx.fillRect(x + s / 2 - m / 2, y + m, m, s - 2 * m); return;
    case 'patched': ctx.moveTo(x + m, y + s / 2); ctx.lineTo(x + s / 2.4, y + s - m * 1.3); ctx.lineTo(x + s - m, y + m); break;
    case 'failed': ctx.moveTo(x + m, y + m); ctx.lineTo(x + s - m, y + s - m); ctx.moveTo(x + s - m, y + m); ctx.lineTo(x + m, y + s - m); break;
    default: return;
  }
  ctx.stroke();
}

function swatch(state, size = 16) {
  const c = el('canvas', {width: size, height: size, 'aria-hidden': 'true'});
  drawTile(c.getContext('2d'), state, 0, 0, size);
  return c;
}

async function fleetView(main) {
  main.append(el('h1', {}, 'Fleet map'));
  const summary = el('p', {id: 'map-summary', class: 'muted'});
  const legend = el('ul', {class: 'legend', id: 'map-legend', 'aria-label': 'Host states'});
  const find = el('input', {id: 'find-host', placeholder: 'host id', 'aria-label': 'Find a host by id'});
  const zones = el('div', {id: 'zones'});
  const counts = el('div', {id: 'map-counts'});
  main.append(summary, legend,
    el('form', {class: 'row', on: {submit: ev => { ev.preventDefault(); map.find(find.value.trim()); }}},
      find, el('button', {type: 'submit'}, 'Find')),
    zones, el('h2', {}, 'Hosts by zone and state'), counts);
  const map = new FleetMapView(zones);
  let streamStop = null;
  const load = async () => {
    // User Timing marks: how long fetching and drawing the map take (./bench/dashboard reads them)
    performance.mark('ferry-map-start');
    const view = await api('/v1/fleet/map');
    performance.mark('ferry-map-fetched');
    summary.textContent = `${view.hosts.toLocaleString()} hosts in ${view.zones.length} zones, inventory version ${view.inventoryVersion}`
      + (view.campaign ? (view.live ? ` · campaign ${view.campaign} running` : ` · last campaign ${view.campaign}`) : '');
    legend.replaceChildren(...STATES.map(s => el('li', {'data-state': s}, swatch(s), `${STATE_LABEL[s]}`,
      el('strong', {class: 'count', 'data-state': s}, String(view.counts[s])))));
    counts.replaceChildren(zoneTable(view));
    map.render(view);
    performance.mark('ferry-map-drawn');
    performance.measure('ferry-map-fetch', 'ferry-map-start', 'ferry-map-fetched');
    performance.measure('ferry-map-draw', 'ferry-map-fetched', 'ferry-map-drawn');
    if (view.live && !streamStop) {
      const refresh = throttle(() => load().catch(e => say(e.message, true)), 1500);
      streamStop = stream(`/v1/campaigns/${encodeURIComponent(view.campaign)}/stream`, ev => { refresh(); if (ev === 'end') { streamStop = null; } });
      cleanup.push(() => { refresh.cancel(); if (streamStop) streamStop(); });
    }
  };
  await load();
  // no campaign running: look every 5 s whether one has started (a small request), then follow it
  const watchForCampaign = setInterval(async () => {
    if (streamStop) return;
    try {
      const list = await api('/v1/campaigns');
      if (list.items.some(c => c.state === 'running' || c.state === 'paused')) await load();
    } catch (e) { /* shown by the next successful load */ }
  }, 5000);
  cleanup.push(() => clearInterval(watchForCampaign));
  const onResize = throttle(() => map.redraw(), 200);
  window.addEventListener('resize', onResize);
  cleanup.push(() => window.removeEventListener('resize', onResize));
}

function zoneTable(view) {
  const rows = view.zones.map(z => {
    const c = Object.fromEntries(STATES.map(s => [s, 0]));
    for (const r of z.racks) for (const st of r.state) c[STATES[st]]++;
    return el('tr', {'data-zone': z.zone}, el('th', {scope: 'row'}, z.zone),
      STATES.map(s => el('td', {'data-state': s}, String(c[s]))));
  });
  return table(['zone', ...STATES.map(s => STATE_LABEL[s])], rows, {id: 'zone-table'});
}

/** The map: one canvas per zone, racks as blocks of tiles; mouse, touch and arrow keys select a host. */
class FleetMapView {
  constructor(container) { this.container = container; this.zones = []; }

  render(view) {
    this.view = view;
    const n = view.hosts;
    this.cell = n <= 400 ? 26 : n <= 3000 ? 11 : 7;
    if (this.zones.length !== view.zones.length || this.zones.some((z, k) => z.name !== view.zones[k].zone)) {
      this.container.replaceChildren();
      this.zones = view.zones.map(z => {
        const total = z.racks.reduce((a, r) => a + r.hosts.length, 0);
        const canvas = el('canvas', {tabindex: '0', role: 'img',
          'aria-label': `Zone ${z.zone}, ${total} hosts. Arrow keys move between hosts, Page Up and Page Down between racks.`});
        const info = el('div', {class: 'hostinfo', 'aria-live': 'polite'});
        const section = el('section', {class: 'zone', 'data-zone': z.zone}, el('h2', {}, `Zone ${z.zone}`), canvas, info);
        this.container.append(section);
        const zone = {name: z.zone, canvas, info, selected: -1, data: z, tiles: []};
        canvas.addEventListener('click', ev => this.pick(zone, ev));
        canvas.addEventListener('mousemove', ev => this.hover(zone, ev));
        canvas.addEventListener('keydown', ev => this.key(zone, ev));
        return zone;
      });
    }
    view.zones.forEach((z, k) => { this.zones[k].data = z; });
    this.redraw();
  }

  redraw() {
    for (const zone of this.zones) this.layout(zone);
  }

  layout(zone) {
    const s = this.cell, gap = s >= 11 ? 2 : 1, rackGap = s >= 11 ? 14 : 8, label = s >= 11 ? 14 : 11;
    const width = Math.max(240, this.container.clientWidth || 1000);
    let x = 0, y = 0, lineHeight = 0;
    zone.tiles = [];
    zone.racks = [];
    for (const r of zone.data.racks) {
      const cols = Math.max(4, Math.min(r.hosts.length, Math.ceil(Math.sqrt(r.hosts.length * 2))));
      const rows = Math.ceil(r.hosts.length / cols);
      const w = cols * (s + gap), h = label + rows * (s + gap);
      if (x > 0 && x + w > width) { x = 0; y += lineHeight + rackGap; lineHeight = 0; }
      const first = zone.tiles.length;
      r.hosts.forEach((id, k) => zone.tiles.push({id, state: STATES[r.state[k]], instances: r.instances[k], rack: r.rack,
        x: x + (k % cols) * (s + gap), y: y + label + Math.floor(k / cols) * (s + gap), cols}));
      zone.racks.push({name: r.rack, x, y, first, count: r.hosts.length});
      x += w + rackGap;
      lineHeight = Math.max(lineHeight, h);
    }
    const dpr = window.devicePixelRatio || 1;
    const height = y + lineHeight + 2;
    zone.canvas.width = Math.ceil(width * dpr);
    zone.canvas.height = Math.ceil(height * dpr);
    zone.canvas.style.width = width + 'px';
    zone.canvas.style.height = height + 'px';
    const ctx = zone.canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = `${s >= 11 ? 11 : 9}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    for (const r of zone.racks) {
      let inst = 0;
      for (let k = r.first; k < r.first + r.count; k++) inst += zone.tiles[k].instances;
      ctx.fillStyle = '#333';
      ctx.fillText(`${r.name || 'no rack'} · ${inst} inst.`, r.x, r.y);
    }
    for (const t of zone.tiles) {
      drawTile(ctx, t.state, t.x, t.y, s);
      if (s >= 20) {
        ctx.fillStyle = t.state === 'ok' || t.state === 'draining' || t.state === 'patching' || t.state === 'cordoned' ? '#000' : '#fff';
        ctx.font = '10px system-ui, sans-serif';
        ctx.textAlign = 'right';
        ctx.textBaseline = 'bottom';
        ctx.fillText(String(t.instances), t.x + s - 1, t.y + s);
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
      }
    }
    if (zone.selected >= zone.tiles.length) zone.selected = -1;
    if (zone.selected >= 0) this.outline(zone, ctx);
  }

  outline(zone, ctx) {
    const t = zone.tiles[zone.selected], s = this.cell;
    ctx.strokeStyle = '#7b2cbf';
    ctx.lineWidth = 2;
    ctx.strokeRect(t.x - 2, t.y - 2, s + 4, s + 4);
  }

  at(zone, ev) {
    const b = zone.canvas.getBoundingClientRect();
    const px = ev.clientX - b.left, py = ev.clientY - b.top, s = this.cell;
    return zone.tiles.findIndex(t => px >= t.x && px < t.x + s && py >= t.y && py < t.y + s);
  }

  describe(zone, k) {
    const t = zone.tiles[k];
    zone.info.textContent = `${t.id} · rack ${t.rack || '—'} · ${STATE_LABEL[t.state]} · ${t.instances} instances`;
  }

  hover(zone, ev) {
    const k = this.at(zone, ev);
    zone.canvas.title = k >= 0 ? `${zone.tiles[k].id}: ${STATE_LABEL[zone.tiles[k].state]}, ${zone.tiles[k].instances} instances` : '';
  }

  pick(zone, ev) {
    const k = this.at(zone, ev);
    if (k >= 0) this.select(zone, k);
  }

  select(zone, k) {
    zone.selected = k;
    this.layout(zone);
    this.describe(zone, k);
  }

  key(zone, ev) {
    if (!zone.tiles.length) return;
    let k = zone.selected < 0 ? 0 : zone.selected;
    const t = zone.tiles[k];
    const rack = zone.racks.find(r => k >= r.first && k < r.first + r.count);
    const rackIndex = zone.racks.indexOf(rack);
    switch (ev.key) {
      case 'ArrowRight': k = Math.min(zone.tiles.length - 1, k + 1); break;
      case 'ArrowLeft': k = Math.max(0, k - 1); break;
      case 'ArrowDown': k = Math.min(rack.first + rack.count - 1, k + t.cols); break;
      case 'ArrowUp': k = Math.max(rack.first, k - t.cols); break;
      case 'PageDown': k = zone.racks[Math.min(zone.racks.length - 1, rackIndex + 1)].first; break;
      case 'PageUp': k = zone.racks[Math.max(0, rackIndex - 1)].first; break;
      case 'Home': k = 0; break;
      case 'End': k = zone.tiles.length - 1; break;
      default: return;
    }
    ev.preventDefault();
    this.select(zone, k);
  }

  find(id) {
    for (const zone of this.zones) {
      const k = zone.tiles.findIndex(t => t.id === id);
      if (k >= 0) { zone.canvas.focus(); this.select(zone, k); zone.canvas.scrollIntoView({block: 'nearest'}); return; }
    }
    say(`No host ${id} in the inventory.`, true);
  }
}

// ------------------------------------------------------------------ campaigns

function badge(state) {
  return el('span', {class: `badge ${state}`, 'data-state': state}, state);
}

async function campaignsView(main) {
  main.append(el('h1', {}, 'Campaigns'));
  const [list, advisories] = await Promise.all([api('/v1/campaigns'), api('/v1/advisories')]);
  const advisory = el('select', {id: 'propose-advisory', 'aria-label': 'Advisory'},
    advisories.items.map(a => el('option', {value: a}, a)));
  const strategy = el('select', {id: 'propose-strategy', 'aria-label': 'Strategy'},
    el('option', {value: 'ferry'}, 'ferry'), el('option', {value: 'naive'}, 'naive'));
  const accel = el('input', {id: 'propose-accel', type: 'number', min: '1', step: 'any', value: '60', 'aria-label': 'Acceleration'});
  const forecastRuns = el('input', {id: 'propose-forecast', type: 'number', min: '0', max: '10000', step: '1',
    placeholder: 'default', 'aria-label': 'Forecast runs'});
  const propose = el('button', {type: 'submit', class: 'primary', id: 'propose'}, 'Propose');
  main.append(el('form', {class: 'panel row', id: 'propose-form', on: {submit: async ev => {
    ev.preventDefault();
    propose.disabled = true;
    try {
      const body = {advisory: advisory.value, strategy: strategy.value, accel: Number(accel.value)};
      if (forecastRuns.value !== '') body.forecast = Number(forecastRuns.value); // else the server's default
      const c = await api('/v1/campaigns', {method: 'POST', body});
      location.hash = `#/campaign/${encodeURIComponent(c.id)}`;
    } catch (e) { say(e.message, true); propose.disabled = false; }
  }}}, el('strong', {}, 'New campaign:'), el('label', {for: 'propose-advisory'}, 'advisory'), advisory,
  el('label', {for: 'propose-strategy'}, 'strategy'), strategy,
  el('label', {for: 'propose-accel'}, 'simulated time ×'), accel,
  el('label', {for: 'propose-forecast'}, 'forecast runs'), forecastRuns, propose));
  if (!advisories.items.length) propose.disabled = true;
  const rows = list.items.slice().reverse().map(c => el('tr', {'data-campaign': c.id},
    el('td', {}, el('a', {href: `#/campaign/${encodeURIComponent(c.id)}`}, c.id)),
    el('td', {}, c.advisory), el('td', {}, badge(c.state)),
    el('td', {}, `${c.hostsPatched} / ${c.affectedHosts}`), el('td', {}, String(c.hostsFailed)),
    el('td', {}, fmtDur(c.predictedSeconds)), el('td', {}, c.expectedSeconds === null ? '—' : fmtDur(c.expectedSeconds)),
    el('td', {}, fmtDur(c.lowerBoundSeconds)),
    el('td', {}, c.deadlineSlackSeconds === null ? '—' : fmtDur(c.deadlineSlackSeconds)), el('td', {}, fmtTime(c.createdAt))));
  main.append(rows.length ? table(['campaign', 'advisory', 'state', 'patched', 'failed', 'predicted', 'expected', 'lower bound', 'slack',
    'proposed'], rows, {id: 'campaign-table'}) : el('p', {class: 'muted'}, 'No campaigns yet.'));
  const running = list.items.find(c => c.state === 'running' || c.state === 'paused');
  if (running) {
    const refresh = throttle(() => { if (location.hash.startsWith('#/campaigns')) route(); }, 2000);
    const stop = stream(`/v1/campaigns/${encodeURIComponent(running.id)}/stream`, refresh);
    cleanup.push(() => { refresh.cancel(); stop(); });
  }
}

async function campaignView(main, id) {
  const c0 = await api(`/v1/campaigns/${encodeURIComponent(id)}`);
  const title = el('h1', {}, `Campaign ${id} `);
  const stateBadge = el('span', {id: 'campaign-state'});
  title.append(stateBadge);
  const buttons = {
    approve: el('button', {type: 'button', class: 'primary', id: 'approve'}, 'Approve'),
    pause: el('button', {type: 'button', id: 'pause'}, 'Pause'),
    resume: el('button', {type: 'button', id: 'resume'}, 'Resume'),
  };
  const reason = el('input', {id: 'abort-reason', placeholder: 'reason', 'aria-label': 'Reason to abort'});
  const abort = el('button', {type: 'submit', class: 'danger', id: 'abort'}, 'Abort');
  const act = async (verb, body) => {
    for (const b of [...Object.values(buttons), abort]) b.disabled = true;
    try {
      const c = await api(`/v1/campaigns/${encodeURIComponent(id)}/${verb}`, {method: 'POST', body});
      say(`Campaign ${verb === 'approve' ? 'approved' : verb === 'pause' ? 'paused' : verb === 'resume' ? 'resumed' : 'aborting'}.`);
      update(c);
      if (verb === 'approve') watch();
    } catch (e) { say(e.message, true); update(await api(`/v1/campaigns/${encodeURIComponent(id)}`)); }
  };
  buttons.approve.addEventListener('click', () => act('approve'));
  buttons.pause.addEventListener('click', () => act('pause'));
  buttons.resume.addEventListener('click', () => act('resume'));
  const abortForm = el('form', {class: 'inline-form', on: {submit: ev => {
    ev.preventDefault();
    if (!reason.value.trim()) { say('Give a reason to abort.', true); reason.focus(); return; }
    act('abort', {reason: reason.value.trim()});
  }}}, reason, abort);
  const stats = el('div', {class: 'stats', id: 'campaign-stats'});
  const stepsBar = el('progress', {id: 'steps-progress', max: '1', value: '0', 'aria-label': 'Hosts done'});
  const stepsText = el('p', {id: 'steps-text'});
  const timeCanvas = el('canvas', {id: 'time-chart', role: 'img', 'aria-label': 'Predicted finish, lower bound, deadline and elapsed time, in hours'});
  const curveCanvas = el('canvas', {id: 'curve-chart', role: 'img', 'aria-label': 'Vulnerable hosts remaining over time, planned and actual'});
  const failures = el('div', {id: 'failures'});
  const recent = el('div', {id: 'recent'});
  const forecastText = el('p', {id: 'forecast-text'});
  const forecastWhatIf = el('div', {id: 'forecast-what-if'});
  main.append(title, el('div', {class: 'row'}, buttons.approve, buttons.pause, buttons.resume, abortForm),
    el('h2', {}, 'Progress'), stepsText, stepsBar, stats,
    el('div', {class: 'grid2'},
      el('section', {}, el('h2', {}, 'Finish: predicted, forecast, deadline'), el('div', {class: 'chartbox'}, timeCanvas),
        el('p', {class: 'muted', id: 'time-text'}), forecastText, forecastWhatIf),
      el('section', {}, el('h2', {}, 'Vulnerable hosts remaining'), el('div', {class: 'chartbox'}, curveCanvas))),
    el('h2', {}, 'Failures'), failures, el('h2', {}, 'Latest'), recent);

  const charts = makeCampaignCharts(timeCanvas, curveCanvas);
  cleanup.push(() => charts.destroy());

  let elapsed = 0;
  function update(c) {
    elapsed = (c.live && c.live.virtualSeconds) ?? c.virtualSeconds;
    stateBadge.replaceChildren(badge(c.state));
    buttons.approve.disabled = c.state !== 'proposed';
    buttons.pause.disabled = c.state !== 'running';
    buttons.resume.disabled = c.state !== 'paused';
    abort.disabled = !(c.state === 'running' || c.state === 'paused');
    const live = c.live || {};
    const phases = live.hostsByPhase || {};
    const steps = c.steps;
    const done = (phases.returned || 0) + (phases.failed || 0) + (phases.skipped || 0);
    const running = ['cordoned', 'draining', 'parked', 'patching', 'rebooting', 'verifying'].reduce((a, p) => a + (phases[p] || 0), 0);
    const finished = ['completed', 'halted', 'aborted'].includes(c.state);
    const doneSteps = finished ? c.hostsPatched + c.hostsFailed : Math.min(steps, done);
    stepsBar.max = Math.max(1, steps);
    stepsBar.value = doneSteps;
    stepsText.textContent = `Steps: ${doneSteps} done, ${finished ? 0 : running} running, `
      + `${Math.max(0, steps - doneSteps - (finished ? 0 : running))} waiting (of ${steps})`
      + (c.endReason ? ` — ${c.endReason}` : '');
    stats.replaceChildren(
      stat('hosts patched', `${live.hostsPatched ?? c.hostsPatched} / ${c.affectedHosts}`, 'stat-patched'),
      stat('hosts failed', String(live.hostsFailed ?? c.hostsFailed), 'stat-failed'),
      stat('live migrations', String(live.liveMigrations ?? '—')),
      stat('relocations', String(live.relocations ?? '—')),
      stat('reboots in place', String(live.rebootsInPlace ?? '—')),
      stat('failed migrations', String(live.failedMigrations ?? '—')),
      stat('events completed', String(live.eventsCompleted ?? '—')),
      stat('campaign time', fmtDur(live.virtualSeconds ?? c.virtualSeconds), 'stat-time'));
    charts.times(c);
    showForecast(c.forecast);
  }

  let forecastPoll = null;
  cleanup.push(() => clearTimeout(forecastPoll));
  function showForecast(f) {
    if (!f) { forecastText.textContent = 'No forecast for this campaign on this controller.'; forecastWhatIf.replaceChildren(); return; }
    if (f.state === 'running') {
      forecastText.textContent = `Forecast: ${f.done} of ${f.total || '…'} simulated campaigns done.`;
      clearTimeout(forecastPoll);
      forecastPoll = setTimeout(() => api(`/v1/campaigns/${encodeURIComponent(id)}`).then(update).catch(e => say(e.message, true)), 1000);
      return;
    }
    if (f.state === 'failed') { forecastText.textContent = `The forecast failed: ${f.error}`; return; }
    const odds = f.probabilityMeetsDeadline === null ? 'no disclosure deadline'
      : `finishes before the disclosure in ${Math.round(100 * f.probabilityMeetsDeadline)}% of runs`;
    forecastText.textContent = `Forecast (${f.runs} simulated campaigns): P10 ${fmtDur(f.p10Seconds)}, P50 ${fmtDur(f.p50Seconds)}, `
      + `P90 ${fmtDur(f.p90Seconds)}, P99 ${fmtDur(f.p99Seconds)}; ${odds}.` + (f.best ? ` Would help most: ${f.best}.` : '');
    forecastWhatIf.replaceChildren(f.whatIf.length ? table(['what if', 'P90', 'meets the deadline'], f.whatIf.map(w =>
      el('tr', {}, el('td', {class: 'wrap'}, w.change), el('td', {}, fmtDur(w.p90Seconds)),
        el('td', {}, w.probabilityMeetsDeadline === null ? '—' : `${Math.round(100 * w.probabilityMeetsDeadline)}%`))),
      {id: 'what-if-table'}) : '');
  }

  const loadTimeline = async () => {
    const t = await api(`/v1/campaigns/${encodeURIComponent(id)}/timeline`);
    charts.curve(t, elapsed);
    document.getElementById('time-text').textContent = `Predicted ${fmtDur(t.predictedSeconds)} as scheduled`
      + (c0.expectedSeconds === null ? '' : `, ${fmtDur(c0.expectedSeconds)} expected with tenants rescheduling`) + ', lower bound '
      + `${fmtDur(t.lowerBoundSeconds)}, deadline ${t.deadlineSeconds === null ? 'none' : fmtDur(t.deadlineSeconds)} after the start.`;
    failures.replaceChildren(t.failures.length ? table(['time', 'host or instance', 'what', 'reason'],
      t.failures.slice().reverse().map(f => el('tr', {}, el('td', {}, fmtDur(f.seconds)), el('td', {}, f.target),
        el('td', {}, f.kind), el('td', {class: 'wrap'}, f.reason)))) : el('p', {class: 'muted'}, 'None.'));
    recent.replaceChildren(t.recent.length ? table(['time', 'fact', 'target', 'what happened'],
      t.recent.map(f => el('tr', {}, el('td', {}, fmtDur(f.seconds)), el('td', {}, f.fact), el('td', {}, f.target),
        el('td', {class: 'wrap'}, f.summary)))) : el('p', {class: 'muted'}, 'Nothing yet.'));
  };
  const refreshTimeline = throttle(() => loadTimeline().catch(e => say(e.message, true)), 2000);
  cleanup.push(() => refreshTimeline.cancel());
  let watching = false;
  function watch() {
    if (watching) return;
    watching = true;
    const stop = stream(`/v1/campaigns/${encodeURIComponent(id)}/stream`, (ev, c) => {
      update(c);
      refreshTimeline();
      if (ev === 'end') { watching = false; loadTimeline(); }
    });
    cleanup.push(stop);
  }
  update(c0);
  await loadTimeline();
  if (c0.state === 'running' || c0.state === 'paused') watch();
}

function makeCampaignCharts(timeCanvas, curveCanvas) {
  if (!window.Chart) return {times() {}, curve() {}, destroy() {}};
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  const hours = s => s === null || s === undefined ? null : +(s / 3600).toFixed(2);
  const times = new Chart(timeCanvas, {
    type: 'bar',
    data: {labels: ['lower bound', 'predicted', 'expected', 'forecast P50–P90', 'forecast P90–P99', 'deadline', 'elapsed'],
      datasets: [{label: 'hours after the start', data: [],
        backgroundColor: ['#56b4e9', '#0072b2', '#f0e442', '#cc79a7', '#e69f00', '#d55e00', '#009e73'], borderColor: '#000', borderWidth: 1}]},
    options: {indexAxis: 'y', maintainAspectRatio: false, plugins: {legend: {display: false}},
      scales: {x: {title: {display: true, text: 'hours after the start'}, beginAtZero: true}}},
  });
  const curve = new Chart(curveCanvas, {
    type: 'line',
    data: {datasets: [
      {label: 'planned', data: [], stepped: 'before', borderColor: '#0072b2', borderDash: [6, 4], pointRadius: 0, borderWidth: 2},
      {label: 'actual', data: [], stepped: 'before', borderColor: '#d55e00', pointRadius: 0, borderWidth: 3}]},
    options: {maintainAspectRatio: false, parsing: false,
      scales: {x: {type: 'linear', title: {display: true, text: 'hours after the start'}, beginAtZero: true},
        y: {title: {display: true, text: 'vulnerable hosts'}, beginAtZero: true, ticks: {precision: 0}}}},
  });
  return {
    times(c) {
      const slack = c.deadlineSlackSeconds;
      const f = c.forecast && c.forecast.state === 'done' ? c.forecast : null; // floating bars: the band from one percentile to the next
      times.data.datasets[0].data = [hours(c.lowerBoundSeconds), hours(c.predictedSeconds), hours(c.expectedSeconds),
        f ? [hours(f.p50Seconds), hours(f.p90Seconds)] : null, f ? [hours(f.p90Seconds), hours(f.p99Seconds)] : null,
        slack === null ? null : hours(c.predictedSeconds + slack), hours((c.live && c.live.virtualSeconds) ?? c.virtualSeconds)];
      times.update();
    },
    curve(t, elapsedSeconds) {
      curve.data.datasets[0].data = t.planned.map(p => ({x: hours(p.seconds), y: p.remaining}));
      const actual = t.actual.map(p => ({x: hours(p.seconds), y: p.remaining}));
      const last = actual[actual.length - 1];
      if (elapsedSeconds && hours(elapsedSeconds) > last.x) actual.push({x: hours(elapsedSeconds), y: last.y}); // up to now
      curve.data.datasets[1].data = actual;
      curve.update();
    },
    destroy() { times.destroy(); curve.destroy(); },
  };
}

// ------------------------------------------------------------------ audit log

async function auditView(main) {
  main.append(el('h1', {}, 'Audit log'));
  const inputs = Object.fromEntries(['actor', 'target', 'action'].map(k =>
    [k, el('input', {id: `audit-${k}`, name: k, placeholder: k, 'aria-label': `Filter by ${k}`})]));
  const body = el('tbody', {});
  const more = el('button', {type: 'button', id: 'audit-more', hidden: true}, 'Older entries');
  let next = null;
  const query = cursor => {
    const p = new URLSearchParams();
    for (const [k, i] of Object.entries(inputs)) if (i.value.trim()) p.set(k, i.value.trim());
    p.set('limit', '100');
    if (cursor) p.set('cursor', cursor);
    return '/v1/audit?' + p;
  };
  const headers = ['time', 'actor', 'action', 'target', 'outcome', 'detail', 'request'];
  const rowOf = a => label(el('tr', {'data-outcome': a.outcome}, el('td', {}, fmtTime(new Date(a.at).toISOString())),
    el('td', {}, a.actor), el('td', {}, a.action), el('td', {}, a.target ?? ''), el('td', {}, badge(a.outcome)),
    el('td', {class: 'wrap'}, a.detail ?? ''), el('td', {class: 'muted'}, a.requestId ?? '')), headers);
  const load = async append => {
    const page = await api(query(append ? next : null));
    if (!append) body.replaceChildren();
    body.append(...page.items.map(rowOf));
    next = page.next;
    more.hidden = !next;
  };
  main.append(el('form', {class: 'panel row', id: 'audit-filter', on: {submit: ev => { ev.preventDefault(); load(false); }}},
    ...Object.values(inputs), el('button', {type: 'submit', class: 'primary'}, 'Filter')),
  el('div', {class: 'tablewrap'}, el('table', {id: 'audit-table', class: 'stack'}, el('thead', {}, el('tr', {},
    headers.map(h => el('th', {scope: 'col'}, h)))), body)), more);
  more.addEventListener('click', () => load(true));
  await load(false);
  // newest first: refreshed every 5 s while the first page is shown (the audit log has no stream)
  const timer = setInterval(() => { if (!next || body.children.length <= 100) load(false).catch(() => {}); }, 5000);
  cleanup.push(() => clearInterval(timer));
}

// ------------------------------------------------------------------ tenants

async function tenantView(main) {
  main.append(el('h1', {}, 'My instances and maintenance events'));
  const events = el('div', {id: 'events'});
  const instances = el('div', {id: 'instances'});
  main.append(el('h2', {}, 'Maintenance events'), events, el('h2', {}, 'Instances'), instances);
  let shown = null;
  const renderEvents = page => {
    const json = JSON.stringify(page.items);
    if (json === shown) return; // the stream's first message repeats what was fetched: keep what the user typed
    shown = json;
    const typed = new Map([...events.querySelectorAll('tr[data-event]')].map(r => [r.dataset.event,
      r.querySelector('.reschedule-at')?.value]));
    events.replaceChildren(page.items.length ? table(['event', 'instance', 'state', 'not before', 'deadline', 'not after', 'what',
      'afterwards', 'actions'], page.items.map(eventRow), {id: 'event-table'}) : el('p', {class: 'muted'}, 'No maintenance events.'));
    for (const r of events.querySelectorAll('tr[data-event]')) {
      const input = r.querySelector('.reschedule-at');
      if (input && typed.get(r.dataset.event)) input.value = typed.get(r.dataset.event);
    }
  };
  const inst = await api('/v1/tenant/instances?limit=1000');
  instances.replaceChildren(table(['instance', 'state', 'group', 'cpus', 'memory', 'on host maintenance', 'host'],
    inst.items.map(i => el('tr', {'data-instance': i.id}, el('td', {}, i.id), el('td', {}, i.state), el('td', {}, i.group ?? ''),
      el('td', {}, String(i.cpus)), el('td', {}, `${i.memoryMiB} MiB`), el('td', {}, i.onHostMaintenance), el('td', {}, i.host))),
    {id: 'instance-table'}));
  renderEvents(await api('/v1/tenant/events'));
  cleanup.push(stream('/v1/tenant/stream', (ev, page) => { if (ev === 'events') renderEvents(page); }));
}

function eventRow(e) {
  // a live migration's event is informational: the instance keeps running, there is nothing to move
  const movable = (e.state === 'scheduled' || e.state === 'rescheduled') && !e.informational;
  // no lower bound from this browser's clock (it may be wrong, and the server judges the time); the deadline is the server's
  const when = el('input', {type: 'datetime-local', 'aria-label': `New time for ${e.id} (UTC)`, class: 'reschedule-at',
    max: e.deadline.slice(0, 16)});
  const actions = movable ? el('div', {class: 'inline-form'},
    el('form', {class: 'inline-form', on: {submit: async ev => {
      ev.preventDefault();
      if (!when.value) { say('Choose a time (UTC) before the deadline.', true); when.focus(); return; }
      try {
        await api(`/v1/tenant/events/${encodeURIComponent(e.id)}/reschedule`, {method: 'POST', body: {notBefore: when.value + ':00Z'}});
        say(`Event ${e.id} rescheduled to ${when.value.replace('T', ' ')} UTC.`);
      } catch (x) { say(x.message, true); }
    }}}, when, el('span', {class: 'muted'}, 'UTC'), el('button', {type: 'submit', class: 'reschedule'}, 'Reschedule')),
    el('button', {type: 'button', class: 'now', on: {click: async () => {
      try {
        await api(`/v1/tenant/events/${encodeURIComponent(e.id)}/now`, {method: 'POST'});
        say(`Event ${e.id} starts now.`);
      } catch (x) { say(x.message, true); }
    }}}, 'Do it now')) : e.informational ? el('span', {class: 'muted'}, 'informational') : '';
  const after = e.state === 'completed'
    ? `on ${e.newHost ?? 'the same host'}` + (e.downtimeMs === null ? '' : e.informational ? `, paused ${e.downtimeMs} ms`
      : `, ${(e.downtimeMs / 1000).toFixed(1)} s down`) : '';
  return el('tr', {'data-event': e.id, 'data-state': e.state},
    el('td', {}, el('a', {href: `#/event/${encodeURIComponent(e.id)}`}, e.id)), el('td', {}, e.instance), el('td', {}, badge(e.state)),
    el('td', {}, fmtTime(e.notBefore)), el('td', {}, fmtTime(e.deadline)), el('td', {}, e.notAfter ? fmtTime(e.notAfter) : ''),
    el('td', {class: 'wrap'}, e.detail ?? ''),
    el('td', {}, after), el('td', {class: 'wrap'}, actions));
}

async function eventView(main, id) {
  main.append(el('h1', {}, `Maintenance event ${id}`));
  let e;
  try {
    e = await api(`/v1/tenant/events/${encodeURIComponent(id)}`);
  } catch (x) {
    if (x.status !== 404) throw x;
    main.append(el('p', {class: 'error', id: 'not-found', role: 'alert'}, 'No such event among yours.'),
      el('p', {}, el('a', {href: '#/tenant'}, 'Back to my events')));
    return;
  }
  main.append(table(['event', 'instance', 'state', 'not before', 'deadline', 'not after', 'what', 'afterwards', 'actions'], [eventRow(e)],
    {id: 'event-table'}), el('p', {}, el('a', {href: '#/tenant'}, 'All my events')));
}

// ------------------------------------------------------------------ start

document.getElementById('signout').addEventListener('click', () => signOut());
window.addEventListener('hashchange', route);
route();
