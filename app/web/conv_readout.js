// The Filter Lab's hover readout (issue 14): the input and its feature map(s); pointing at a pixel of
// a map outlines its window on the input and shows the numbers under the kernel, the products, the
// sum, the bias and the output value. Everything is drawn here, in the browser, from one payload the
// server sends once per settings change: no rerun, no message per mouse move.
//
// The numbers are convcore's: the payload holds the padded input and the map as float32 and the
// kernels as slid (app/caches.readout_arrays). This file only indexes them; the output value shown
// is the map's own number, never a sum computed here.
//
// Test hook: the readout element carries data-conv-readout with data-row, data-col (output
// coordinates), data-channel, data-at ("channel,row,col"), data-value (full precision), data-bias,
// data-terms (JSON [input,
// weight] pairs) and, for a magnitude filter, data-combine="hypot" and data-terms2 (the y part).

const SHOWN = 7; // a kernel's rows and columns shown in the readout; a larger one shows its centre
const BUSY_MS = 150; // "Computing..." over the pictures once a rerun takes longer than this

function decode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getUint32(0, true);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + size)));
  const base = 4 + size + ((4 - ((4 + size) % 4)) % 4);
  const floats = (offset, count) => new Float32Array(bytes.slice(base + offset, base + offset + 4 * count).buffer);
  const p = head.padded;
  const n = p.channels * p.h * p.w; // whole pixel values come as bytes, the rest as float32
  p.values = p.dtype === 'u1' ? bytes.slice(base + p.offset, base + p.offset + n) : floats(p.offset, n);
  const [oh, ow] = head.out;
  head.maps.values = floats(head.maps.offset, head.maps.count * oh * ow);
  for (const pic of head.pictures) {
    pic.blob = new Blob([bytes.subarray(base + pic.offset, base + pic.offset + pic.length)], { type: pic.mime });
  }
  return head;
}

class Readout {
  constructor(root) {
    this.root = root;
    this.pics = root.querySelector('.pics');
    this.panel = root.querySelector('.readout');
    this.status = root.querySelector('.said');
    this.urls = [];
    this.pinned = null; // {c, r, q}: shown when the pointer is elsewhere
    this.hover = null;
    this.watchBusy();
  }

  update(head) {
    const first = !this.head;
    const same = this.head && this.head.out.join() === head.out.join() && this.head.maps.count === head.maps.count;
    this.head = head;
    this.root.classList.toggle('big', !!head.big);
    this.draw();
    if (first || !same || !this.pinned) {
      this.pinned = { c: 0, r: Math.floor((head.out[0] - 1) / 2), q: Math.floor((head.out[1] - 1) / 2) };
    }
    this.hover = null;
    this.show();
  }

  // ---- the pictures --------------------------------------------------------------------------
  draw() {
    const head = this.head;
    for (const u of this.urls) URL.revokeObjectURL(u);
    this.urls = head.pictures.map((p) => URL.createObjectURL(p.blob));
    this.pics.replaceChildren();
    // the pictures' shares and gap are in % of the row; the rest of the row is the readout's
    const total = head.pictures.reduce((a, p) => a + p.share, 0) + head.gap * (head.pictures.length - 1);
    this.pics.style.flex = `0 0 ${total}%`;
    this.pics.style.maxWidth = `${total}%`;
    this.pics.style.gap = `${(100 * head.gap) / total}%`;
    this.frames = [];
    head.pictures.forEach((p, k) => {
      const fig = el('figure', 'pic');
      fig.style.flex = `0 0 ${(100 * p.share) / total}%`;
      fig.style.maxWidth = `${(100 * p.share) / total}%`;
      const frame = el('div', 'frame');
      const img = el('img');
      img.src = this.urls[k];
      img.alt = p.alt;
      img.draggable = false;
      img.addEventListener('load', () => this.show()); // the overlays are placed in its pixels
      frame.appendChild(img);
      if (k === 0) {
        this.window = el('div', 'window');
        this.taps = el('div', 'taps');
        frame.append(this.taps, this.window);
        this.inputFrame = frame;
      } else {
        const c = k - 1;
        const cursor = el('div', 'cursor');
        frame.appendChild(cursor);
        frame.tabIndex = 0;
        frame.dataset.channel = String(c);
        frame.setAttribute('role', 'group');
        frame.setAttribute('aria-label', `${p.alt}. Point at a pixel, or use the arrow keys, to see how its number is made.`);
        this.listen(frame, c);
        this.frames.push({ frame, cursor, img });
      }
      fig.appendChild(frame);
      if (p.caption) fig.appendChild(el('figcaption', '', p.caption));
      this.pics.appendChild(fig);
    });
  }

  at(frame, event) {
    const box = frame.querySelector('img').getBoundingClientRect();
    const [oh, ow] = this.head.out;
    const q = Math.floor(((event.clientX - box.left) / box.width) * ow);
    const r = Math.floor(((event.clientY - box.top) / box.height) * oh);
    if (q < 0 || r < 0 || q >= ow || r >= oh) return null;
    return { r, q };
  }

  listen(frame, c) {
    frame.addEventListener('pointermove', (e) => {
      if (e.pointerType === 'touch') return; // a finger pins with a tap (pointerdown)
      const p = this.at(frame, e);
      if (!p) return;
      const h = this.hover;
      if (h && h.c === c && h.r === p.r && h.q === p.q) return;
      this.hover = { c, ...p };
      this.show();
    });
    frame.addEventListener('pointerleave', () => {
      this.hover = null;
      this.show();
    });
    frame.addEventListener('pointerdown', (e) => {
      const p = this.at(frame, e);
      if (!p) return;
      this.pinned = { c, ...p };
      this.hover = e.pointerType === 'touch' ? null : this.pinned;
      this.show(true);
    });
    frame.addEventListener('keydown', (e) => {
      const step = e.shiftKey ? 10 : 1;
      const moves = { ArrowLeft: [0, -step], ArrowRight: [0, step], ArrowUp: [-step, 0], ArrowDown: [step, 0] };
      const m = moves[e.key];
      if (!m) return;
      e.preventDefault();
      const [oh, ow] = this.head.out;
      const from = this.pinned && this.pinned.c === c ? this.pinned : { c, r: this.pinned.r, q: this.pinned.q };
      this.pinned = { c, r: Math.min(oh - 1, Math.max(0, from.r + m[0])), q: Math.min(ow - 1, Math.max(0, from.q + m[1])) };
      this.hover = null;
      this.show(true);
    });
    frame.addEventListener('focus', () => {
      if (this.pinned.c !== c) {
        this.pinned = { ...this.pinned, c };
        this.show();
      }
    });
  }

  // ---- what one output number is made of ------------------------------------------------------
  terms(kernel, c, r, q) {
    const h = this.head;
    const p = h.padded;
    const w = h.kernels[kernel];
    const [sh, sw] = h.stride;
    const [dh, dw] = h.dilation;
    const channels = h.depthwise ? [c] : [...Array(p.channels).keys()];
    return channels.map((ch, wc) => {
      const slice = w[h.depthwise ? 0 : wc];
      const rows = slice.map((line, u) =>
        line.map((weight, v) => {
          const y = r * sh + u * dh;
          const x = q * sw + v * dw;
          return [p.values[(ch * p.h + y) * p.w + x], weight];
        }),
      );
      return { ch, rows };
    });
  }

  show(said) {
    const h = this.head;
    if (!h) return;
    const at = this.hover || this.pinned;
    const { c, r, q } = at;
    const [oh, ow] = h.out;
    const value = h.maps.values[(c * oh + r) * ow + q];
    const parts = h.kernels.map((_, k) => this.terms(k, c, r, q));
    const flat = (part) => part.flatMap((g) => g.rows.flat());
    const panel = this.panel;
    panel.dataset.row = String(r);
    panel.dataset.col = String(q);
    panel.dataset.channel = String(c);
    panel.dataset.at = `${c},${r},${q}`;
    panel.dataset.value = String(value);
    panel.dataset.bias = String(h.bias);
    panel.dataset.terms = JSON.stringify(flat(parts[0]));
    if (parts.length > 1) {
      panel.dataset.combine = 'hypot';
      panel.dataset.terms2 = JSON.stringify(flat(parts[1]));
    } else {
      delete panel.dataset.combine;
      delete panel.dataset.terms2;
    }
    panel.dataset.pinned = String(!this.hover);
    this.outline(at);
    this.fill(at, value, parts);
    if (said) this.status.textContent = `Row ${r + 1}, column ${q + 1}: ${fmt(value, 4)}`;
  }

  outline({ c, r, q }) {
    const h = this.head;
    const img = this.inputFrame.querySelector('img');
    const sx = img.clientWidth / h.input.w;
    const sy = img.clientHeight / h.input.h;
    const [sh, sw] = h.stride;
    const [dh, dw] = h.dilation;
    const kh = h.kernels[0][0].length;
    const kw = h.kernels[0][0][0].length;
    const top = r * sh - h.pad[0];
    const left = q * sw - h.pad[1];
    const spanH = (kh - 1) * dh + 1;
    const spanW = (kw - 1) * dw + 1;
    const place = (box, x, y, w, ht, least) => {
      const W = Math.max(least, w);
      const H = Math.max(least, ht);
      box.style.left = `${x - (W - w) / 2}px`;
      box.style.top = `${y - (H - ht) / 2}px`;
      box.style.width = `${W}px`;
      box.style.height = `${H}px`;
    };
    place(this.window, left * sx, top * sy, spanW * sx, spanH * sy, 8);
    // the taps themselves, where they are far enough apart to be seen (dilation leaves gaps)
    const apart = Math.min(dw * sx, dh * sy) >= 5 && kh * kw <= 225;
    this.taps.replaceChildren();
    if (apart) {
      for (let u = 0; u < kh; u++) {
        for (let v = 0; v < kw; v++) {
          const dot = el('span', 'tap');
          place(dot, (left + v * dw) * sx, (top + u * dh) * sy, sx, sy, 3);
          this.taps.appendChild(dot);
        }
      }
    }
    this.frames.forEach(({ cursor, img: mapImg }, k) => {
      const mx = mapImg.clientWidth / h.out[1];
      const my = mapImg.clientHeight / h.out[0];
      place(cursor, q * mx, r * my, mx, my, 8);
      cursor.classList.toggle('other', k !== c);
    });
  }

  fill({ c, r, q }, value, parts) {
    const h = this.head;
    const panel = this.panel;
    panel.replaceChildren();
    const names = h.channel_names;
    const title = el('p', 'title');
    const where = h.maps.count > 1 ? ` of the ${names[c].toLowerCase()} map` : '';
    title.append(`${this.hover ? 'Pointing at' : 'Pinned:'} row ${r + 1}, column ${q + 1}${where} = `);
    title.appendChild(el('strong', 'value', fmt(value, 4)));
    title.append(this.hover ? ' (click to pin)' : ' (point, click or use the arrow keys to move)');
    panel.appendChild(title);
    const sums = parts.map((part, k) => {
      const box = el('div', 'sums');
      let total = 0;
      for (const g of part) {
        const row = el('div', 'eq');
        const label = h.combine === 'hypot' ? `${k ? 'y' : 'x'} part` : names[h.depthwise ? c : g.ch];
        if (label && (part.length > 1 || h.depthwise || h.combine === 'hypot' || h.padded.channels === 1)) {
          row.appendChild(el('span', 'lab', label));
        }
        const products = g.rows.map((line) => line.map(([x, w]) => x * w));
        const sum = products.flat().reduce((a, b) => a + b, 0);
        total += sum;
        // a sign stays with the grid after it when the row wraps
        const pair = (sign, grid) => {
          const span = el('span', 'pair');
          span.append(el('span', 'op', sign), grid);
          return span;
        };
        row.append(
          this.grid(g.rows.map((l) => l.map((t) => t[0])), 'Input under the kernel', 'input', g.ch),
          pair('×', this.grid(g.rows.map((l) => l.map((t) => t[1])), h.flip ? 'Kernel (flipped)' : 'Kernel', 'kernel')),
          pair('=', this.grid(products, 'Products', 'products')),
        );
        if (part.length > 1) row.appendChild(el('span', 'csum', `sum ${fmt(sum, 4)}`));
        box.appendChild(row);
      }
      panel.appendChild(box);
      return total;
    });
    const kh = h.kernels[0][0].length;
    const kw = h.kernels[0][0][0].length;
    const n = kh * kw * parts[0].length;
    const line = el('p', 'total');
    if (kh > SHOWN || kw > SHOWN) {
      panel.appendChild(el('p', 'note', `The centre ${Math.min(SHOWN, kh)} x ${Math.min(SHOWN, kw)} of the ${kh} x ${kw} numbers is shown; all ${n.toLocaleString('en')} products are added.`));
    }
    if (h.combine === 'hypot') {
      line.append(`x part ${fmt(sums[0], 4)}, y part ${fmt(sums[1], 4)}: √(x² + y²) = `);
    } else {
      line.append(`Sum of the ${n.toLocaleString('en')} products ${fmt(value - h.bias, 4)} + bias ${fmt(h.bias, 4)} = `);
    }
    line.appendChild(el('strong', 'value', fmt(value, 4)));
    panel.appendChild(line);
  }

  grid(values, caption, kind, ch) {
    const rows = values.length;
    const cols = values[0].length;
    const r0 = Math.max(0, Math.floor((rows - SHOWN) / 2));
    const c0 = Math.max(0, Math.floor((cols - SHOWN) / 2));
    const shown = values.slice(r0, r0 + SHOWN).map((l) => l.slice(c0, c0 + SHOWN));
    const fig = el('figure', `grid ${kind}`);
    const table = el('div', 'cells');
    table.style.gridTemplateColumns = `repeat(${shown[0].length}, auto)`;
    const tint = kind === 'input' ? this.head.tints[ch] : null;
    for (const line of shown) {
      for (const v of line) {
        const cell = el('span', 'cell', fmt(v, 4));
        cell.title = String(v);
        if (tint) {
          // the pixel's own colour (brightness grey, or its red, green or blue), and whichever of
          // black and white text reads better on it
          const level = Math.max(0, Math.min(255, v));
          const rgb = tint.map((m) => Math.round(level * m));
          const lin = rgb.map((u) => ((u /= 255) <= 0.04045 ? u / 12.92 : ((u + 0.055) / 1.055) ** 2.4));
          const lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
          cell.style.background = `rgb(${rgb.join(',')})`;
          cell.style.color = (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) ? '#000' : '#fff';
        } else if (v < 0) {
          cell.classList.add('neg');
        }
        table.appendChild(cell);
      }
    }
    fig.append(table, el('figcaption', '', caption));
    return fig;
  }

  // ---- "Computing..." while a rerun takes longer than BUSY_MS ----------------------------------
  watchBusy() {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app) return;
    let timer = null;
    const check = () => {
      if (!this.root.isConnected) {
        observer.disconnect();
        return;
      }
      const running = app.getAttribute('data-test-script-state') === 'running';
      if (running && !timer && !this.root.classList.contains('busy')) {
        timer = setTimeout(() => {
          this.root.classList.add('busy');
          timer = null;
        }, BUSY_MS);
      } else if (!running) {
        clearTimeout(timer);
        timer = null;
        this.root.classList.remove('busy');
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
  }
}

export default function (component) {
  const root = component.parentElement.querySelector('.cr');
  if (!root || !component.data) return;
  const readout = root.__readout || (root.__readout = new Readout(root));
  readout.update(decode(component.data));
  // the overlays are placed in pixels: place them again when the pictures change size
  if (!root.__resize) {
    root.__resize = new ResizeObserver(() => readout.show());
    root.__resize.observe(root);
  }
}
