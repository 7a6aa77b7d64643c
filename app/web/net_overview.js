// The network overview (issue 15, CNN Explainer's core view): the input on the left, every layer as a
// column of feature maps (or a strip of numbers for a vector), the class probabilities on the right,
// and lines from the selected unit to the maps that feed it. A click on any unit selects it (the
// "select" trigger: the server then shows how that unit is computed); pointing at a unit says its
// value in the status line, without a rerun.
//
// The numbers are the network's own (app/widgets/overview.py sends every shown map as float32, from
// convcore.nets.explain.forward); this file only colours and places them.
//
// Test hook: the root carries data-net-overview, data-selected ("layer,channel,row,col"),
// data-columns (the number of layer columns), data-input (the input's cache key) and data-hover (the unit under the pointer, as
// "layer,channel,row,col=value"); each column is [data-layer=name] and each tile [data-channel].

const VECTOR_STRIP = 160; // vectors up to this long are a strip of cells; longer ones a square block
const GAP = 3;

function decode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getUint32(0, true);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + size)));
  const base = 4 + size + ((4 - ((4 + size) % 4)) % 4);
  for (const layer of head.layers) {
    layer.values = new Float32Array(bytes.slice(base + layer.offset, base + layer.offset + 4 * layer.count).buffer);
  }
  head.lut = {
    div: bytes.slice(base + head.luts.div, base + head.luts.div + 768),
    seq: bytes.slice(base + head.luts.seq, base + head.luts.seq + 768),
  };
  for (const pic of head.pictures) {
    pic.blob = new Blob([bytes.subarray(base + pic.offset, base + pic.offset + pic.length)], { type: pic.mime });
  }
  return head;
}

// The colour of value v in a layer: signed layers on the diverging table (0 in the middle), the
// others on the sequential one (0 at the start); each layer on its own scale (CNN Explainer's).
function colour(lut, layer, v) {
  let t;
  if (layer.signed) t = 0.5 + 0.5 * (layer.hi > 0 ? v / layer.hi : 0);
  else t = layer.hi > 0 ? v / layer.hi : 0;
  const k = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
  return [lut[k], lut[k + 1], lut[k + 2]];
}

class Overview {
  constructor(root, setTrigger) {
    this.root = root;
    this.cols = root.querySelector('.cols');
    this.svg = root.querySelector('svg.lines');
    this.said = root.querySelector('.said');
    this.setTrigger = setTrigger;
    this.urls = [];
  }

  update(head, setTrigger) {
    this.head = head;
    this.setTrigger = setTrigger;
    this.root.classList.toggle('big', !!head.big);
    this.root.dataset.selected = [head.selected.layer, head.selected.channel, head.selected.row, head.selected.col].join();
    this.root.dataset.columns = String(head.layers.length);
    this.root.dataset.input = head.input.key;
    this.build();
    this.lines();
    this.said.textContent = head.said;
    if (!this.root.__left) {
      // the status line goes back to the input's description when the pointer leaves the overview
      this.root.__left = true;
      this.cols.addEventListener('mouseleave', () => {
        this.said.textContent = this.head.said;
      });
    }
  }

  // ---- sizes --------------------------------------------------------------------------------
  // Where the component starts on the page (not in the window: scrolling does not move it), measured
  // on every build: the controls above it may still be settling when it first draws.
  pageTop() {
    let top = this.root.getBoundingClientRect().top;
    for (let e = this.root.parentElement; e; e = e.parentElement) top += e.scrollTop || 0;
    return top;
  }

  // The columns' height: what the window leaves under the page's controls (a 768-pixel projector
  // shows the whole overview), within bounds.
  height() {
    this.top = this.pageTop();
    const most = this.head.big ? 600 : 470;
    const head = this.head.big ? 92 : 62; // the column names (net_overview.css)
    return Math.max(150, Math.min(most, window.innerHeight - Math.max(0, this.top) - head - 40));
  }

  // The tile size, and how many side-by-side sub-columns a layer with many maps uses: one each, or
  // two for layers of more than 8 maps when that makes the tiles larger (the digit CNN's 16 maps of
  // conv2 on a 768-pixel projector).
  layout() {
    const h = this.head;
    const maps = h.layers.filter((l) => l.shape.length === 3);
    const width = Math.max(320, this.root.clientWidth || 600);
    // what does not scale with the tiles: the class column, the vector strips or blocks, the input
    const vectors = h.layers.filter((l) => l.shape.length === 1 && l.kind !== 'softmax');
    // the class list in two columns when one would run below the window (presenter mode at 768)
    this.classCols = h.classes.length * (h.big ? 25 : 25) > this.height() ? 2 : 1;
    const fixed = (h.big ? 190 : 150) * this.classCols + vectors.reduce((sum, l) => sum + (l.shape[0] <= VECTOR_STRIP ? 14 : 36) + 8, 0) + 72;
    const height = this.height();
    const fit = (split) => {
      const k = (l) => (split && l.shown.length > 8 ? 2 : 1);
      const units = maps.reduce((sum, l) => sum + k(l), 0);
      const rows = Math.max(1, ...maps.map((l) => Math.ceil(l.shown.length / k(l))));
      const byHeight = Math.floor((height - GAP * rows) / rows);
      const byWidth = Math.floor((width - fixed - maps.length * 8) / units - GAP);
      const tile = Math.max(18, Math.min(h.big ? 72 : 56, byHeight, byWidth));
      return { tile, k, fits: rows * (tile + GAP) <= height };
    };
    const one = fit(false);
    const two = fit(true);
    // larger tiles win; at the same size, the shorter layout when the taller one runs off the window
    return two.tile > one.tile || (two.tile === one.tile && !one.fits && two.fits) ? two : one;
  }

  // ---- the columns --------------------------------------------------------------------------
  build() {
    const h = this.head;
    for (const u of this.urls) URL.revokeObjectURL(u);
    this.urls = [];
    this.cols.replaceChildren();
    const layout = this.layout();
    const tile = (this.tile = layout.tile);
    this.colOf = {};
    // the input
    const inCol = this.column('input', 'input', `input: ${h.input.shape.join(' x ')}`);
    const img = el('img', 'input');
    const url = URL.createObjectURL(h.pictures[h.input.picture].blob);
    this.urls.push(url);
    img.src = url;
    img.alt = h.input.alt;
    img.style.width = `${Math.max(56, Math.round(tile * 1.6))}px`;
    inCol.tiles.append(img);
    for (const layer of h.layers) {
      const shape = layer.shape.join(' x ');
      const more = layer.shape.length === 3 && layer.shown.length < layer.shape[0];
      const label = `${layer.name}: ${shape}` + (more ? ` (${layer.shown.length} of ${layer.shape[0]} maps shown)` : '');
      const col = this.column(layer.name, layer.kind, label);
      if (layer.kind === 'softmax') this.classes(col, layer);
      else if (layer.shape.length === 3) this.maps(col, layer, tile, layout.k(layer));
      else this.vector(col, layer);
      if (more) col.head.append(el('span', 'more', `${layer.shown.length}/${layer.shape[0]}`));
    }
  }

  column(name, kind, label) {
    const col = el('div', `col k-${kind}`);
    col.dataset.layer = name;
    const head = el('div', 'head');
    head.append(el('span', 'name', name));
    head.title = label;
    const tiles = el('div', 'tiles');
    col.append(head, tiles);
    this.cols.append(col);
    col.head = head;
    col.tiles = tiles;
    this.colOf[name] = col;
    return col;
  }

  maps(col, layer, tile, split) {
    const [, H, W] = layer.shape;
    if (split > 1) col.tiles.classList.add('split');
    layer.canvases = {};
    layer.shown.forEach((c, k) => {
      const canvas = el('canvas', 'map');
      canvas.width = W;
      canvas.height = H;
      canvas.style.width = `${tile}px`;
      canvas.style.height = `${Math.round((tile * H) / W)}px`;
      canvas.dataset.channel = String(c);
      canvas.title = `${layer.name}, map ${c + 1} of ${layer.shape[0]} (${H} x ${W})`;
      const ctx = canvas.getContext('2d');
      const im = ctx.createImageData(W, H);
      const lut = layer.signed ? this.head.lut.div : this.head.lut.seq;
      for (let i = 0; i < H * W; i++) {
        const [r, g, b] = colour(lut, layer, layer.values[k * H * W + i]);
        im.data[4 * i] = r;
        im.data[4 * i + 1] = g;
        im.data[4 * i + 2] = b;
        im.data[4 * i + 3] = 255;
      }
      ctx.putImageData(im, 0, 0);
      const at = (e) => {
        const box = canvas.getBoundingClientRect();
        // the pointer's pixel is [clientX, clientX + 1): its centre is half a pixel on (Chromium
        // gives whole pixels while a box may start at a fraction)
        const row = Math.min(H - 1, Math.max(0, Math.floor(((e.clientY + 0.5 - box.top) / box.height) * H)));
        const q = Math.min(W - 1, Math.max(0, Math.floor(((e.clientX + 0.5 - box.left) / box.width) * W)));
        return [row, q, layer.values[k * H * W + row * W + q]];
      };
      canvas.addEventListener('mousemove', (e) => {
        const [row, q, v] = at(e);
        this.say(layer.name, c, row, q, v, `${layer.name}, map ${c + 1}, row ${row + 1}, column ${q + 1}: ${fmt(v, 4)}`);
      });
      canvas.addEventListener('click', (e) => {
        const [row, q] = at(e);
        this.select(layer.name, c, row, q);
      });
      layer.canvases[c] = canvas;
      col.tiles.append(canvas);
    });
  }

  vector(col, layer) {
    const n = layer.shape[0];
    const strip = n <= VECTOR_STRIP;
    const side = strip ? 1 : Math.ceil(Math.sqrt(n));
    const rows = strip ? n : Math.ceil(n / side);
    const canvas = el('canvas', strip ? 'strip' : 'block');
    canvas.width = side;
    canvas.height = rows;
    const height = Math.min(this.height(), strip ? Math.max(60, n * 4) : 120);
    canvas.style.height = `${height}px`;
    canvas.style.width = strip ? '14px' : `${height}px`;
    if (!strip) canvas.style.width = `${Math.min(height, 36)}px`;
    if (!strip) canvas.style.height = `${Math.round((Math.min(height, 36) * rows) / side)}px`;
    canvas.title = `${layer.name}: ${n} numbers` + (strip ? ', top to bottom' : `, row by row in a ${rows} x ${side} block`);
    canvas.dataset.channel = '0';
    const ctx = canvas.getContext('2d');
    const im = ctx.createImageData(side, rows);
    const lut = layer.signed ? this.head.lut.div : this.head.lut.seq;
    for (let i = 0; i < side * rows; i++) {
      const [r, g, b] = i < n ? colour(lut, layer, layer.values[i]) : [255, 255, 255];
      im.data.set([r, g, b, 255], 4 * i);
    }
    ctx.putImageData(im, 0, 0);
    const at = (e) => {
      const box = canvas.getBoundingClientRect();
      const r = Math.min(rows - 1, Math.max(0, Math.floor(((e.clientY + 0.5 - box.top) / box.height) * rows)));
      const q = Math.min(side - 1, Math.max(0, Math.floor(((e.clientX + 0.5 - box.left) / box.width) * side)));
      return Math.min(n - 1, r * side + q);
    };
    canvas.addEventListener('mousemove', (e) => {
      const i = at(e);
      this.say(layer.name, i, 0, 0, layer.values[i], `${layer.name}, number ${i + 1} of ${n}: ${fmt(layer.values[i], 4)}`);
    });
    canvas.addEventListener('click', (e) => this.select(layer.name, at(e), 0, 0));
    layer.canvas = canvas;
    layer.cells = { strip, side, rows, n };
    col.tiles.append(canvas);
  }

  classes(col, layer) {
    const list = el('div', 'classes');
    if (this.classCols > 1) list.classList.add('two');
    layer.bars = {};
    for (const { index, name } of this.head.classes) {
      const p = layer.values[index];
      const row = el('button', 'cls');
      row.type = 'button';
      row.dataset.channel = String(index);
      const bar = el('span', 'bar');
      bar.style.width = `${Math.max(1, Math.round(p * 100))}%`;
      row.append(el('span', 'label', name), el('span', 'p', `${(p * 100).toFixed(1)}%`), bar);
      const said = p < 1e-4 ? p.toExponential(2).replace('e', ' x 10^') : fmt(p, 4); // never a false 0
      row.title = `P(${name}) = ${said}`;
      row.addEventListener('click', () => this.select(layer.name, index, 0, 0));
      row.addEventListener('mousemove', () => this.say(layer.name, index, 0, 0, p, `P(${name}) = ${said}`));
      layer.bars[index] = row;
      list.append(row);
    }
    col.tiles.append(list);
  }

  say(name, c, r, q, v, text) {
    this.said.textContent = text;
    this.root.dataset.hover = `${name},${c},${r},${q}=${v}`;
  }

  select(layer, channel, row, col) {
    this.setTrigger('select', { layer, channel, row, col });
  }

  // ---- the lines from the selected unit to what feeds it ------------------------------------
  // A unit's place on screen: a point inside its tile (map) or cell (vector), or its class row.
  point(layer, c, r, q) {
    const rootBox = this.cols.getBoundingClientRect();
    const rel = (x, y) => [x - rootBox.left, y - rootBox.top]; // the lines scroll with the columns
    if (layer === 'input') {
      const img = this.colOf.input.querySelector('img');
      const b = img.getBoundingClientRect();
      const [, H, W] = this.head.input.shape;
      return rel(b.left + ((q + 0.5) / W) * b.width, b.top + ((r + 0.5) / H) * b.height);
    }
    const info = this.head.layers.find((l) => l.name === layer);
    if (!info) return null;
    if (info.kind === 'softmax') {
      const bar = info.bars[c];
      if (!bar) return null;
      const b = bar.getBoundingClientRect();
      return rel(b.left, b.top + b.height / 2);
    }
    if (info.shape.length === 3) {
      const canvas = info.canvases[c];
      if (!canvas) return null;
      const b = canvas.getBoundingClientRect();
      const [, H, W] = info.shape;
      return rel(b.left + ((q + 0.5) / W) * b.width, b.top + ((r + 0.5) / H) * b.height);
    }
    const b = info.canvas.getBoundingClientRect();
    const { side, rows } = info.cells;
    return rel(b.left + (((c % side) + 0.5) / side) * b.width, b.top + ((Math.floor(c / side) + 0.5) / rows) * b.height);
  }

  lines() {
    const svg = this.svg;
    svg.replaceChildren();
    svg.setAttribute('width', String(this.cols.offsetWidth));
    svg.setAttribute('height', String(this.cols.offsetHeight));
    const h = this.head;
    const s = h.selected;
    const to = this.point(s.layer, s.channel, s.row, s.col);
    if (!to) return;
    const feed = h.feed;
    const ns = 'http://www.w3.org/2000/svg';
    const top = Math.max(1e-12, ...(feed.weights || [1]).map(Math.abs));
    const rc = feed.centre || [0, 0];
    feed.channels.forEach((c, k) => {
      const from = feed.vector ? this.point(feed.source, c, 0, 0) : this.point(feed.source, c, rc[0], rc[1]);
      if (!from) return;
      const line = document.createElementNS(ns, 'line');
      line.setAttribute('x1', from[0]);
      line.setAttribute('y1', from[1]);
      line.setAttribute('x2', to[0]);
      line.setAttribute('y2', to[1]);
      const w = feed.weights ? feed.weights[k] : 1;
      line.setAttribute('class', feed.weights ? (w >= 0 ? 'pos' : 'neg') : 'plain');
      line.setAttribute('stroke-width', String(feed.weights ? 0.6 + (2.4 * Math.abs(w)) / top : 1.4));
      svg.append(line);
    });
    // the unit itself, and its window on each map that feeds it
    const ring = (x, y, size, cls) => {
      const r = document.createElementNS(ns, 'rect');
      r.setAttribute('x', x - size / 2);
      r.setAttribute('y', y - size / 2);
      r.setAttribute('width', size);
      r.setAttribute('height', size);
      r.setAttribute('class', cls);
      svg.append(r);
    };
    ring(to[0], to[1], 9, 'unit halo'); // white under black: seen on a black map and on a white one
    ring(to[0], to[1], 7, 'unit');
    if (feed.window) this.windows(feed, svg, ns);
  }

  windows(feed, svg, ns) {
    const [r0, r1, q0, q1] = feed.window; // rows r0..r1, columns q0..q1 (inclusive) of the source
    for (const c of feed.channels) {
      const a = this.point(feed.source, c, r0, q0);
      const b = this.point(feed.source, c, r1, q1);
      if (!a || !b) continue;
      const cell = this.cellSize(feed.source);
      const rect = document.createElementNS(ns, 'rect');
      rect.setAttribute('x', a[0] - cell[0] / 2);
      rect.setAttribute('y', a[1] - cell[1] / 2);
      rect.setAttribute('width', Math.max(3, b[0] - a[0] + cell[0]));
      rect.setAttribute('height', Math.max(3, b[1] - a[1] + cell[1]));
      rect.setAttribute('class', 'window');
      svg.append(rect);
    }
  }

  cellSize(layer) {
    if (layer === 'input') {
      const b = this.colOf.input.querySelector('img').getBoundingClientRect();
      return [b.width / this.head.input.shape[2], b.height / this.head.input.shape[1]];
    }
    const info = this.head.layers.find((l) => l.name === layer);
    const canvas = Object.values(info.canvases)[0];
    const b = canvas.getBoundingClientRect();
    return [b.width / info.shape[2], b.height / info.shape[1]];
  }
}

export default function (component) {
  const root = component.parentElement.querySelector('.no');
  if (!root || !component.data) return;
  const view = root.__view || (root.__view = new Overview(root, component.setTriggerValue));
  view.update(decode(component.data), component.setTriggerValue);
  if (!root.__resize) {
    // sizes depend on the width: rebuild when it changes (not on every height change)
    let width = root.clientWidth;
    root.__resize = new ResizeObserver(() => {
      if (Math.abs(root.clientWidth - width) > 4) {
        width = root.clientWidth;
        view.build();
      }
      view.lines();
    });
    root.__resize.observe(root);
    // the page above may still grow after the first draw (pictures, a lesson bar): when the
    // component has moved, the room left under it has changed, so lay it out again
    const settle = () => {
      if (Math.abs(view.pageTop() - view.top) > 4) {
        view.build();
        view.lines();
      }
    };
    for (const ms of [300, 1000, 2500]) setTimeout(settle, ms);
  }
}
