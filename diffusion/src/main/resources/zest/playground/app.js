// zest playground: paint a layout, generate with live progress (server-sent events), browse the history.
'use strict';

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45',
  '#469990', '#9a6324', '#800000', '#808000', '#000075', '#fabed4', '#dcbeff', '#aaffc3'];
const BG = [255, 255, 255];
const $ = (id) => document.getElementById(id);

const state = {
  info: null,
  segments: [],        // {color: '#rrggbb', text: ''}
  active: 0,
  image: null,         // ImageData of the layout canvas (exact colors, no anti-aliasing)
  job: null,           // {id, source}
  stepLosses: [],
  runs: [],
  compare: [],
};

// ---------- colors and the layout canvas ----------
function hexToRgb(hex) { const n = parseInt(hex.slice(1), 16); return [n >> 16 & 255, n >> 8 & 255, n & 255]; }
function rgbToHex(r, g, b) { return '#' + ((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1); }

const canvas = $('canvas');
const ctx = canvas.getContext('2d', { willReadFrequently: true });

function newImage(w, h) {
  const img = new ImageData(w, h);
  for (let i = 0; i < img.data.length; i += 4) { img.data[i] = BG[0]; img.data[i + 1] = BG[1]; img.data[i + 2] = BG[2]; img.data[i + 3] = 255; }
  return img;
}

function setCanvasSize(w, h, keep) {
  const old = state.image;
  const img = newImage(w, h);
  if (keep && old) { // nearest-neighbour rescale keeps the colors exact
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const sx = Math.floor(x * old.width / w), sy = Math.floor(y * old.height / h);
      const s = (sy * old.width + sx) * 4, d = (y * w + x) * 4;
      img.data[d] = old.data[s]; img.data[d + 1] = old.data[s + 1]; img.data[d + 2] = old.data[s + 2];
    }
  }
  canvas.width = w; canvas.height = h;
  state.image = img;
  redraw();
}

function redraw() { ctx.putImageData(state.image, 0, 0); updateCoverage(); }

function currentTool() { return document.querySelector('input[name=tool]:checked').value; }

function activeRgb() {
  const seg = state.segments[state.active];
  return currentTool() === 'eraser' || !seg ? BG : hexToRgb(seg.color);
}

function stamp(cx, cy, radius, rgb) {
  const img = state.image, w = img.width, h = img.height, r2 = radius * radius;
  for (let y = Math.max(0, Math.floor(cy - radius)); y <= Math.min(h - 1, Math.ceil(cy + radius)); y++)
    for (let x = Math.max(0, Math.floor(cx - radius)); x <= Math.min(w - 1, Math.ceil(cx + radius)); x++) {
      const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      if (dx * dx + dy * dy <= r2) { const o = (y * w + x) * 4; img.data[o] = rgb[0]; img.data[o + 1] = rgb[1]; img.data[o + 2] = rgb[2]; }
    }
}

function floodFill(x0, y0, rgb) {
  const img = state.image, w = img.width, h = img.height, d = img.data;
  const o0 = (y0 * w + x0) * 4, target = [d[o0], d[o0 + 1], d[o0 + 2]];
  if (target[0] === rgb[0] && target[1] === rgb[1] && target[2] === rgb[2]) return;
  const stack = [[x0, y0]];
  const same = (o) => d[o] === target[0] && d[o + 1] === target[1] && d[o + 2] === target[2];
  while (stack.length) {
    const [x, y] = stack.pop();
    let xl = x;
    while (xl >= 0 && same((y * w + xl) * 4)) xl--;
    xl++;
    let up = false, down = false;
    for (let xi = xl; xi < w && same((y * w + xi) * 4); xi++) {
      const o = (y * w + xi) * 4; d[o] = rgb[0]; d[o + 1] = rgb[1]; d[o + 2] = rgb[2];
      if (y > 0) { const s = same(((y - 1) * w + xi) * 4); if (s && !up) stack.push([xi, y - 1]); up = s; }
      if (y < h - 1) { const s = same(((y + 1) * w + xi) * 4); if (s && !down) stack.push([xi, y + 1]); down = s; }
    }
  }
}

function canvasPoint(ev) {
  const rect = canvas.getBoundingClientRect();
  // the canvas keeps its aspect ratio inside its box (object-fit: contain)
  const scale = Math.min(rect.width / canvas.width, rect.height / canvas.height);
  const ox = rect.left + (rect.width - canvas.width * scale) / 2, oy = rect.top + (rect.height - canvas.height * scale) / 2;
  return [(ev.clientX - ox) / scale, (ev.clientY - oy) / scale];
}

let last = null;
function brushRadius() { return Math.max(0.5, Number($('brush-size').value) * canvas.width / 256); }
canvas.addEventListener('pointerdown', (ev) => {
  ev.preventDefault();
  const [x, y] = canvasPoint(ev);
  if (currentTool() === 'fill') {
    const xi = Math.floor(x), yi = Math.floor(y);
    if (xi >= 0 && yi >= 0 && xi < canvas.width && yi < canvas.height) floodFill(xi, yi, activeRgb());
    redraw();
    return;
  }
  canvas.setPointerCapture?.(ev.pointerId);
  last = [x, y];
  stamp(x, y, brushRadius(), activeRgb());
  redraw();
});
canvas.addEventListener('pointermove', (ev) => {
  if (!last) return;
  const [x, y] = canvasPoint(ev), r = brushRadius(), rgb = activeRgb();
  const dist = Math.hypot(x - last[0], y - last[1]), n = Math.max(1, Math.ceil(dist / Math.max(1, r / 2)));
  for (let i = 1; i <= n; i++) stamp(last[0] + (x - last[0]) * i / n, last[1] + (y - last[1]) * i / n, r, rgb);
  last = [x, y];
  redraw();
});
for (const evName of ['pointerup', 'pointercancel', 'pointerleave']) canvas.addEventListener(evName, () => { last = null; });

function coverage() {
  const counts = new Map(), d = state.image.data;
  for (let i = 0; i < d.length; i += 4) { const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2]; counts.set(k, (counts.get(k) || 0) + 1); }
  return counts;
}

function updateCoverage() {
  const counts = coverage(), total = state.image.width * state.image.height;
  document.querySelectorAll('#segments li').forEach((li, i) => {
    const seg = state.segments[i]; if (!seg) return;
    const n = counts.get(parseInt(seg.color.slice(1), 16)) || 0;
    li.querySelector('.seg-coverage').textContent = Math.round(100 * n / total) + '%';
  });
}

// ---------- segments ----------
function renderSegments() {
  const ol = $('segments');
  ol.textContent = '';
  state.segments.forEach((seg, i) => {
    const li = document.createElement('li');
    li.className = 'segment' + (i === state.active ? ' active' : '');
    li.dataset.color = seg.color;
    const sw = document.createElement('span');
    sw.className = 'swatch'; sw.style.background = seg.color; sw.title = 'paint with ' + seg.color;
    sw.addEventListener('click', () => { state.active = i; markActive(); });
    const input = document.createElement('input');
    input.type = 'text'; input.className = 'seg-text'; input.placeholder = 'segment ' + (i + 1) + ': what is here?';
    input.value = seg.text;
    input.addEventListener('focus', () => { if (state.active !== i) { state.active = i; markActive(); } });
    input.addEventListener('input', () => { seg.text = input.value; });
    const cov = document.createElement('span'); cov.className = 'seg-coverage';
    const del = document.createElement('button'); del.type = 'button'; del.textContent = '×'; del.title = 'delete segment (erases its paint)';
    del.addEventListener('click', () => removeSegment(i));
    li.append(sw, input, cov, del);
    ol.append(li);
  });
  updateCoverage();
}

function markActive() {
  document.querySelectorAll('#segments li').forEach((li, i) => li.classList.toggle('active', i === state.active));
}

function addSegment(text = '', color = null) {
  const used = new Set(state.segments.map((s) => s.color));
  color = color || PALETTE.find((c) => !used.has(c));
  if (!color) { showError('at most ' + PALETTE.length + ' segments'); return null; }
  state.segments.push({ color, text });
  state.active = state.segments.length - 1;
  renderSegments();
  return state.segments[state.active];
}

function removeSegment(i) {
  const rgb = hexToRgb(state.segments[i].color), d = state.image.data;
  for (let p = 0; p < d.length; p += 4)
    if (d[p] === rgb[0] && d[p + 1] === rgb[1] && d[p + 2] === rgb[2]) { d[p] = BG[0]; d[p + 1] = BG[1]; d[p + 2] = BG[2]; }
  state.segments.splice(i, 1);
  state.active = Math.max(0, Math.min(state.active, state.segments.length - 1));
  renderSegments(); redraw();
}

$('add-segment').addEventListener('click', () => addSegment());
$('clear-canvas').addEventListener('click', () => { setCanvasSize(canvas.width, canvas.height, false); });

// ---------- upload a color-coded layout ----------
$('upload').addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  ev.target.value = '';
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(file);
    let w = bitmap.width, h = bitmap.height;
    const valid = (v) => v >= 64 && v <= 1024 && v % 8 === 0;
    if (valid(w) && valid(h)) { $('width').value = w; $('height').value = h; } else { w = canvas.width; h = canvas.height; }
    const tmp = document.createElement('canvas'); tmp.width = w; tmp.height = h;
    const tctx = tmp.getContext('2d', { willReadFrequently: true });
    tctx.imageSmoothingEnabled = false;
    tctx.drawImage(bitmap, 0, 0, w, h);
    const img = tctx.getImageData(0, 0, w, h), d = img.data;
    const counts = new Map();
    for (let i = 0; i < d.length; i += 4) { const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2]; counts.set(k, (counts.get(k) || 0) + 1); }
    const isBg = (k) => (k >> 16 & 255) > 240 && (k >> 8 & 255) > 240 && (k & 255) > 240;
    const main = [...counts.entries()].filter(([k, n]) => !isBg(k) && n >= w * h * 0.002)
      .sort((a, b) => b[1] - a[1]).slice(0, PALETTE.length).map(([k]) => k);
    const palette = [[...BG], ...main.map((k) => [k >> 16 & 255, k >> 8 & 255, k & 255])];
    for (let i = 0; i < d.length; i += 4) { // snap every pixel to the nearest kept color
      let best = 0, bestD = Infinity;
      palette.forEach((c, j) => { const dd = Math.abs(c[0] - d[i]) + Math.abs(c[1] - d[i + 1]) + Math.abs(c[2] - d[i + 2]); if (dd < bestD) { bestD = dd; best = j; } });
      d[i] = palette[best][0]; d[i + 1] = palette[best][1]; d[i + 2] = palette[best][2]; d[i + 3] = 255;
    }
    const oldTexts = new Map(state.segments.map((s) => [s.color, s.text]));
    state.segments = main.map((k) => { const c = rgbToHex(k >> 16 & 255, k >> 8 & 255, k & 255); return { color: c, text: oldTexts.get(c) || '' }; });
    state.active = 0;
    canvas.width = w; canvas.height = h; state.image = img;
    renderSegments(); redraw();
    setStatus('layout loaded: ' + main.length + ' colors; give each segment its text');
  } catch (e) {
    showError('cannot read that image: ' + e.message);
  }
});

// ---------- example layouts ----------
const EXAMPLES = {
  'Apple and cup': { prompt: 'a red apple and a blue cup on a wooden table', shapes: [
    { text: 'a red apple', shape: 'rect', box: [0, 0, 0.5, 1] },
    { text: 'a blue cup', shape: 'disk', box: [0.75, 0.5, 0.23] }] },
  'Sky and meadow': { prompt: 'a landscape photo, a cloudy sky above a green meadow', shapes: [
    { text: 'a cloudy sky', shape: 'rect', box: [0, 0, 1, 0.45] },
    { text: 'a green meadow', shape: 'rect', box: [0, 0.45, 1, 1] }] },
  'Dog on a sofa': { prompt: 'a dog sitting on a sofa in a living room', shapes: [
    { text: 'a sofa', shape: 'rect', box: [0.05, 0.5, 0.95, 0.9] },
    { text: 'a dog', shape: 'disk', box: [0.5, 0.45, 0.2] },
    { text: 'a window', shape: 'rect', box: [0.65, 0.08, 0.95, 0.35] }] },
};

function loadExample(name) {
  const ex = EXAMPLES[name]; if (!ex) return;
  setCanvasSize(canvas.width, canvas.height, false);
  state.segments = [];
  const w = canvas.width, h = canvas.height;
  for (const s of ex.shapes) {
    const seg = addSegment(s.text), rgb = hexToRgb(seg.color);
    if (s.shape === 'rect') {
      const [x0, y0, x1, y1] = s.box;
      for (let y = Math.round(y0 * h); y < Math.round(y1 * h); y++) for (let x = Math.round(x0 * w); x < Math.round(x1 * w); x++) {
        const o = (y * w + x) * 4; state.image.data.set(rgb, o);
      }
    } else {
      stamp(s.box[0] * w, s.box[1] * h, s.box[2] * Math.min(w, h), rgb);
    }
  }
  $('prompt').value = ex.prompt;
  state.active = 0;
  renderSegments(); redraw();
}
for (const name of Object.keys(EXAMPLES)) { const o = document.createElement('option'); o.value = name; o.textContent = name; $('examples').append(o); }
$('examples').addEventListener('change', (ev) => { loadExample(ev.target.value); ev.target.value = ''; });

// ---------- settings ----------
const FIELDS = { prompt: 'prompt', negative_prompt: 'negative-prompt', guidance: 'guidance', tau: 'tau', eta: 'eta', lambda: 'lambda',
  pww_weight: 'pww-weight', layers: 'layers', cfg: 'cfg', steps: 'steps', sampler: 'sampler', sampler_eta: 'sampler-eta',
  seed: 'seed', width: 'width', height: 'height' };
const NUMERIC = new Set(['tau', 'eta', 'pww_weight', 'cfg', 'steps', 'sampler_eta', 'seed', 'width', 'height']);

function applySettings(s) {
  for (const [k, id] of Object.entries(FIELDS)) if (s[k] !== undefined && s[k] !== null) $(id).value = s[k];
  syncLayerBoxes();
}

function collectRequest() {
  const req = {};
  for (const [k, id] of Object.entries(FIELDS)) {
    const v = $(id).value;
    if (NUMERIC.has(k)) { if (v.trim() === '') throw new Error(k.replace('_', ' ') + ' is empty'); req[k] = Number(v); }
    else req[k] = v;
  }
  if (state.segments.some((s) => s.text.trim() !== '')) {
    if (canvas.width !== req.width || canvas.height !== req.height) setCanvasSize(req.width, req.height, true);
    req.layout_png = canvas.toDataURL('image/png');
    req.segments = state.segments.map((s) => ({ color: s.color, text: s.text.trim() }));
  }
  return req;
}

function syncLayerBoxes() {
  const terms = new Set($('layers').value.split(',').map((t) => t.trim().toLowerCase()));
  document.querySelectorAll('#layer-boxes input[type=checkbox]').forEach((cb) => { cb.checked = terms.has(cb.value); });
}
$('layers').addEventListener('input', syncLayerBoxes);
document.querySelectorAll('#layer-boxes input[type=checkbox]').forEach((cb) => cb.addEventListener('change', () => {
  const boxes = [...document.querySelectorAll('#layer-boxes input[type=checkbox]')];
  const known = new Set(boxes.map((b) => b.value));
  const others = $('layers').value.split(',').map((t) => t.trim()).filter((t) => t && !known.has(t.toLowerCase()));
  $('layers').value = [...boxes.filter((b) => b.checked).map((b) => b.value), ...others].join(',');
}));
$('random-seed').addEventListener('click', () => { $('seed').value = Math.floor(Math.random() * 2147483647); });
for (const id of ['width', 'height']) $(id).addEventListener('change', () => {
  const w = Number($('width').value), h = Number($('height').value);
  if (w >= 64 && h >= 64 && w <= 1024 && h <= 1024 && w % 8 === 0 && h % 8 === 0) setCanvasSize(w, h, true);
});

// ---------- status, errors ----------
function setStatus(text) { $('status').textContent = text; }
function showError(msg) { const e = $('error'); e.textContent = msg; e.hidden = false; }
function clearError() { $('error').hidden = true; $('error').textContent = ''; $('warnings').textContent = ''; }

async function refreshInfo() {
  try {
    const info = await (await fetch('/api/info')).json();
    state.info = state.info || info;
    const pill = $('server-state');
    pill.textContent = info.busy ? 'busy · ' + info.waiting + ' waiting' : 'idle';
    pill.className = 'pill ' + (info.busy ? 'busy' : 'idle');
    return info;
  } catch (e) { $('server-state').textContent = 'server unreachable'; return null; }
}

// ---------- generation ----------
function setRunning(on) { $('generate').disabled = on; $('cancel').disabled = !on; document.body.classList.toggle('running', on); }

async function generate() {
  clearError();
  let req;
  try { req = collectRequest(); } catch (e) { showError(e.message); return; }
  setRunning(true);
  setStatus('sending…');
  let res, body;
  try {
    res = await fetch('/api/generate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(req) });
    body = await res.json().catch(() => ({ error: 'HTTP ' + res.status }));
  } catch (e) { setRunning(false); showError('cannot reach the server: ' + e.message); setStatus(''); return; }
  if (!res.ok) { setRunning(false); showError(body.error || ('HTTP ' + res.status)); setStatus(''); return; }
  state.job = { id: body.id, request: req, texts: (req.segments || []).filter((s) => s.text).map((s) => s.text) };
  state.stepLosses = [];
  $('maps').textContent = '';
  drawLoss([]);
  $('progress-bar').style.width = '0%';
  setStatus(body.position > 0 ? 'waiting in the queue: ' + body.position + ' ahead' : 'starting…');
  listen(body.id);
}

function listen(id) {
  const es = new EventSource('/api/jobs/' + id + '/events');
  const finish = () => { es.close(); setRunning(false); state.job = null; refreshInfo(); };
  es.addEventListener('queued', (ev) => { const d = JSON.parse(ev.data); setStatus(d.position > 0 ? 'waiting in the queue: ' + d.position + ' ahead' : 'starting…'); });
  es.addEventListener('start', (ev) => { const d = JSON.parse(ev.data); setStatus('step 0/' + d.total); });
  es.addEventListener('warning', (ev) => { const li = document.createElement('li'); li.textContent = JSON.parse(ev.data).message; $('warnings').append(li); });
  es.addEventListener('step', (ev) => {
    const d = JSON.parse(ev.data);
    $('progress-bar').style.width = (100 * d.step / d.total) + '%';
    let text = 'step ' + d.step + '/' + d.total + ' · ETA ' + d.eta.toFixed(1) + ' s';
    if (d.loss !== undefined) { text += ' · loss ' + d.loss.toFixed(4); state.stepLosses.push(d.loss); drawLoss(state.stepLosses); }
    setStatus(text);
    if (d.preview) { $('preview').src = d.preview; $('preview-figure').hidden = false; }
    if (d.maps) showMaps(d.maps.map((png, i) => ({ png, text: state.job ? state.job.texts[i] : '' })), 'live');
  });
  es.addEventListener('done', (ev) => {
    const run = JSON.parse(ev.data);
    showRun(run, state.stepLosses.length ? state.stepLosses : run.losses);
    setStatus('done in ' + run.seconds.toFixed(1) + ' s');
    $('progress-bar').style.width = '100%';
    finish();
    loadHistory();
  });
  es.addEventListener('error', (ev) => {
    if (ev.data) { showError(JSON.parse(ev.data).message); setStatus('failed'); finish(); }
    else if (es.readyState === EventSource.CLOSED) { showError('lost the connection to the server'); finish(); }
  });
  es.addEventListener('cancelled', () => { setStatus('cancelled'); $('progress-bar').style.width = '0%'; finish(); });
}

$('generate').addEventListener('click', generate);
$('cancel').addEventListener('click', async () => {
  if (!state.job) return;
  setStatus('cancelling…');
  await fetch('/api/jobs/' + state.job.id + '/cancel', { method: 'POST' }).catch(() => {});
});

function showMaps(maps, kind) {
  const strip = $('maps');
  strip.textContent = '';
  strip.dataset.kind = kind;
  maps.forEach((m, i) => {
    const fig = document.createElement('figure');
    const img = document.createElement('img'); img.src = m.png; img.alt = 'attention map ' + (i + 1); img.className = 'map';
    const cap = document.createElement('figcaption'); cap.textContent = m.text || ('segment ' + (i + 1));
    fig.append(img, cap); strip.append(fig);
  });
}

function drawLoss(values) {
  const svg = $('loss-curve');
  svg.textContent = '';
  $('loss-label').textContent = values.length ? values.length + ' steps: ' + values[0].toFixed(4) + ' → ' + values[values.length - 1].toFixed(4) : 'no loss yet (ZestGuide steps, or any step with a layout)';
  if (!values.length) return;
  const max = Math.max(...values), min = Math.min(...values), span = max - min || 1;
  const pts = values.map((v, i) => [values.length === 1 ? 150 : 5 + 290 * i / (values.length - 1), 95 - 90 * (v - min) / span]);
  const ns = 'http://www.w3.org/2000/svg';
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', pts.map((p) => p.join(',')).join(' '));
  line.setAttribute('fill', 'none'); line.setAttribute('stroke', '#2d6cdf'); line.setAttribute('stroke-width', '2');
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.append(line);
  for (const p of pts) { const c = document.createElementNS(ns, 'circle'); c.setAttribute('cx', p[0]); c.setAttribute('cy', p[1]); c.setAttribute('r', '2'); c.setAttribute('fill', '#2d6cdf'); svg.append(c); }
}

function showRun(run, losses) {
  const img = $('result-image');
  img.src = run.image; img.hidden = false; img.dataset.run = run.id;
  $('result-caption').textContent = 'seed ' + run.request.seed + ' · ' + run.request.guidance;
  showMaps(run.maps || [], 'final');
  drawLoss(losses || []);
  const a = $('download'); a.href = run.image; a.download = 'zest-' + run.id + '.png'; a.hidden = false;
}

// ---------- history, re-load, compare ----------
async function loadHistory() {
  const runs = await (await fetch('/api/runs')).json();
  state.runs = runs;
  state.compare = state.compare.filter((id) => runs.some((r) => r.id === id));
  const g = $('history');
  g.textContent = '';
  for (const run of [...runs].reverse()) {
    const r = run.request;
    const card = document.createElement('div'); card.className = 'card'; card.dataset.run = run.id;
    const img = document.createElement('img'); img.src = run.image; img.alt = r.prompt;
    const p = document.createElement('div'); p.className = 'params';
    p.textContent = r.prompt + ' · ' + r.guidance + ' · seed ' + r.seed + ' · ' + r.steps + ' steps · CFG ' + r.cfg + ' · ' + r.width + '×' + r.height
      + (r.segments ? ' · ' + r.segments.filter((s) => s.text).map((s) => s.text).join(' | ') : '');
    const row = document.createElement('div'); row.className = 'row';
    const load = document.createElement('button'); load.type = 'button'; load.textContent = 'Load'; load.title = 'load these settings and layout';
    load.addEventListener('click', () => reloadRun(run.id));
    const show = document.createElement('button'); show.type = 'button'; show.textContent = 'Show';
    show.addEventListener('click', async () => {
      const full = await (await fetch('/api/runs/' + run.id)).json();
      $('preview-figure').hidden = true; // the live preview belongs to the last run, not this one
      showRun(full, full.losses);
    });
    const cmp = document.createElement('label'); const cb = document.createElement('input'); cb.type = 'checkbox'; cb.className = 'compare-box';
    cb.checked = state.compare.includes(run.id);
    cb.addEventListener('change', () => toggleCompare(run.id, cb.checked));
    cmp.append(cb, ' compare');
    const dl = document.createElement('a'); dl.href = run.image; dl.download = 'zest-' + run.id + '.png'; dl.textContent = 'PNG';
    row.append(load, show, cmp, dl);
    card.append(img, p, row);
    g.append(card);
  }
  renderCompare();
}

async function reloadRun(id) {
  const run = await (await fetch('/api/runs/' + id)).json();
  const r = run.request;
  applySettings(r);
  state.segments = (r.segments || []).map((s) => ({ color: s.color, text: s.text }));
  state.active = 0;
  if (r.layout_png) {
    const bitmap = await new Promise((ok, fail) => { const im = new Image(); im.onload = () => ok(im); im.onerror = () => fail(new Error('bad layout image')); im.src = r.layout_png; });
    const tmp = document.createElement('canvas'); tmp.width = bitmap.width; tmp.height = bitmap.height;
    const t = tmp.getContext('2d', { willReadFrequently: true }); t.drawImage(bitmap, 0, 0);
    canvas.width = bitmap.width; canvas.height = bitmap.height;
    state.image = t.getImageData(0, 0, bitmap.width, bitmap.height);
  } else {
    setCanvasSize(r.width, r.height, false);
  }
  renderSegments(); redraw();
  setStatus('loaded the settings of run ' + id);
}

function toggleCompare(id, on) {
  state.compare = state.compare.filter((x) => x !== id);
  if (on) state.compare.push(id);
  while (state.compare.length > 2) state.compare.shift();
  document.querySelectorAll('.compare-box').forEach((cb) => { cb.checked = state.compare.includes(cb.closest('.card').dataset.run); });
  renderCompare();
}

function renderCompare() {
  const box = $('compare');
  if (state.compare.length !== 2) { box.hidden = true; return; }
  const [a, b] = state.compare.map((id) => state.runs.find((r) => r.id === id));
  box.hidden = false;
  $('compare-a').src = a.image; $('compare-b').src = b.image;
  $('compare-a-cap').textContent = 'A · ' + a.id; $('compare-b-cap').textContent = 'B · ' + b.id;
  const tbody = $('compare-table').querySelector('tbody');
  tbody.textContent = '';
  const fmt = (r, k) => k === 'segments' ? (r.segments || []).filter((s) => s.text).map((s) => s.text).join(' | ') : String(r[k] ?? '');
  for (const k of [...Object.keys(FIELDS), 'segments']) {
    const va = fmt(a.request, k), vb = fmt(b.request, k);
    const tr = document.createElement('tr'); if (va !== vb) tr.className = 'diff';
    for (const t of [k, va, vb]) { const td = document.createElement('td'); td.textContent = t; tr.append(td); }
    tbody.append(tr);
  }
}

// ---------- start ----------
(async function init() {
  const info = await refreshInfo();
  if (info) {
    $('model-name').textContent = 'model: ' + info.model;
    for (const s of info.samplers) { const o = document.createElement('option'); o.value = s; o.textContent = s; $('sampler').append(o); }
    applySettings(Object.assign({ seed: Math.floor(Math.random() * 2147483647) }, info.defaults));
    setCanvasSize(info.defaults.width, info.defaults.height, false);
  } else {
    setCanvasSize(512, 512, false);
  }
  addSegment(); addSegment();
  state.active = 0; markActive();
  drawLoss([]);
  loadHistory().catch(() => {});
  setInterval(() => { if (!state.job) refreshInfo(); }, 4000);
  document.body.dataset.ready = 'true';
})();
