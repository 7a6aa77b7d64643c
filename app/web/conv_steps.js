// One convolution step as linked grids (issue 14): per input channel the padded input with the
// window, the kernel and the products; the output filled up to this step. Pointing at a product
// lights its input cell and its kernel weight; pointing at an output cell shows its window on the
// input; a click on an output cell goes to its step. When the step changes the window slides to its
// new place and the products appear one by one, then their sum (as in CNN Explainer): an
// animation in the browser, the grids stay.
//
// The numbers are convcore's trace (app/widgets/stepgrid.py): this file places them, it computes
// no product or sum of its own.

class StepGrid {
  constructor(root, setTriggerValue) {
    this.root = root;
    this.trigger = setTriggerValue;
  }

  update(d, setTriggerValue) {
    this.trigger = setTriggerValue;
    const same = this.d && this.d.signature === d.signature;
    const from = same ? this.d.current.index : null;
    this.d = d;
    if (!same) this.build();
    this.fit();
    this.place(from);
  }

  // ---- the grids, built once per trace ----------------------------------------------------------
  grid(values, title, cls, mask) {
    const fig = el('figure', `g ${cls}`);
    fig.appendChild(el('figcaption', '', title));
    const box = el('div', 'cells');
    box.style.gridTemplateColumns = `repeat(${values[0].length}, var(--cell))`;
    const cells = values.map((line, r) =>
      line.map((v, q) => {
        const c = el('span', 'cell', v === null ? '' : fmt(v));
        c.dataset.r = String(r);
        c.dataset.q = String(q);
        if (mask && mask[r][q]) c.classList.add('pad');
        if (v !== null) c.title = String(v);
        box.appendChild(c);
        return c;
      }),
    );
    const wrap = el('div', 'gw');
    wrap.appendChild(box);
    fig.appendChild(wrap);
    return { fig, box, wrap, cells };
  }

  build() {
    const d = this.d;
    const root = this.root;
    root.replaceChildren();
    root.classList.toggle('big', !!d.big);
    const row = el('div', 'row');
    this.chans = d.padded.map((plane, c) => {
      const name = d.padded.length > 1 ? ` (${'RGB'[c]})` : '';
      const box = el('div', 'chan');
      const input = this.grid(plane, `${d.input_title}${name}`, 'input', d.mask);
      const win = el('div', 'win');
      const ghost = el('div', 'win ghost');
      input.wrap.append(win, ghost);
      const side = el('div', 'side');
      const kernel = this.grid(d.kernel[c], `Kernel${name}`, 'kernel');
      const products = this.grid(d.current.products[c], `Products${name}`, 'products');
      const sum = el('p', 'csum');
      side.append(kernel.fig, products.fig, sum);
      box.append(input.fig, side);
      row.appendChild(box);
      products.cells.flat().forEach((cell) => {
        cell.addEventListener('pointerenter', () => this.link(c, +cell.dataset.r, +cell.dataset.q));
        cell.addEventListener('pointerleave', () => this.link(null));
      });
      return { input, win, ghost, kernel, products, sum };
    });
    const out = this.grid(d.output, d.output_title, 'output');
    out.cells.flat().forEach((cell) => {
      cell.tabIndex = -1;
      cell.addEventListener('pointerenter', () => this.ghost(+cell.dataset.r, +cell.dataset.q));
      cell.addEventListener('pointerleave', () => this.ghost(null));
      cell.addEventListener('click', () => this.trigger('jump', { row: +cell.dataset.r, col: +cell.dataset.q, at: Date.now() }));
    });
    out.fig.appendChild(el('p', 'hint', 'Click a cell to go to its step.'));
    row.appendChild(out.fig);
    this.out = out;
    root.appendChild(row);
    this.said = el('p', 'said'); // what the grids show, for a screen reader
    this.said.setAttribute('aria-live', 'polite');
    root.appendChild(this.said);
  }

  // cells as large as wanted, smaller when the grids would not fit the width (all alike)
  fit() {
    const d = this.d;
    const cols = d.padded[0][0].length + d.kernel[0][0].length + d.output[0].length;
    const room = Math.max(200, this.root.clientWidth - 80);
    const cell = Math.max(22, Math.min(d.cell, Math.floor(room / (cols + 1))));
    this.root.style.setProperty('--cell', `${cell}px`);
  }

  // ---- one step ---------------------------------------------------------------------------------
  place(from) {
    const d = this.d;
    const s = d.current;
    const [, i, j] = s.position;
    const moving = from !== null && from !== s.index;
    const ms = moving ? d.duration : 0;
    this.root.style.setProperty('--move', `${Math.round(ms * 0.45)}ms`);
    this.chans.forEach((ch, c) => {
      this.window(ch.win, ch.input, s.rows, s.cols);
      ch.input.cells.flat().forEach((cell) => cell.classList.remove('tap'));
      s.rows.forEach((r) => s.cols.forEach((q) => ch.input.cells[r][q].classList.add('tap')));
      d.kernel[c].forEach((line, u) => line.forEach((w, v) => {
        const cell = ch.kernel.cells[u][v];
        cell.textContent = fmt(w);
        cell.title = String(w);
      }));
      const n = s.products[c].length * s.products[c][0].length;
      s.products[c].forEach((line, u) => line.forEach((p, v) => {
        const cell = ch.products.cells[u][v];
        cell.textContent = fmt(p);
        cell.title = String(p);
        cell.dataset.input = String(d.padded[c][s.rows[u]][s.cols[v]]);
        cell.dataset.weight = String(d.kernel[c][u][v]);
        cell.classList.toggle('neg', p < 0);
        // appear one by one after the window has moved
        cell.style.animation = 'none';
        if (moving) {
          void cell.offsetWidth; // restart the animation
          const delay = ms * 0.45 + ((u * line.length + v) * ms * 0.4) / n;
          cell.style.animation = `sg-in ${Math.max(60, (ms * 0.4) / n * 2)}ms ease-out ${delay}ms both`;
        }
      }));
      ch.sum.textContent = d.padded.length > 1 ? `Sum (${'RGB'[c]}): ${fmt(s.channel_sums[c])}` : '';
      ch.sum.style.animation = 'none';
      if (moving) {
        void ch.sum.offsetWidth;
        ch.sum.style.animation = `sg-in 150ms ease-out ${ms * 0.85}ms both`;
      }
    });
    // the output up to this step
    const ow = d.output[0].length;
    this.out.cells.flat().forEach((cell) => {
      const r = +cell.dataset.r;
      const q = +cell.dataset.q;
      const done = r * ow + q <= i * ow + j;
      cell.textContent = done ? fmt(d.output[r][q]) : '';
      cell.classList.toggle('todo', !done);
      cell.classList.toggle('now', r === i && q === j);
      cell.classList.toggle('neg', done && d.output[r][q] < 0);
    });
    const now = this.out.cells[i][j];
    now.style.animation = 'none';
    if (moving) {
      void now.offsetWidth;
      now.style.animation = `sg-in 150ms ease-out ${ms * 0.85}ms both`;
    }
    this.said.textContent = d.alt;
    this.root.dataset.step = String(s.index);
    this.root.dataset.window = `${s.rows[0]},${s.cols[0]}`;
    this.root.dataset.value = String(s.value);
  }

  // the padded input's rows and columns that output (i, j) reads (the trace's geometry)
  taps(i, j) {
    const d = this.d;
    const [kh, kw] = [d.kernel[0].length, d.kernel[0][0].length];
    const rows = [...Array(kh).keys()].map((u) => i * d.stride[0] + u * d.dilation[0]);
    const cols = [...Array(kw).keys()].map((v) => j * d.stride[1] + v * d.dilation[1]);
    return { rows, cols };
  }

  // the window's outline over the rows and columns it covers (with dilation: its span)
  window(box, input, rows, cols) {
    const first = input.cells[rows[0]][cols[0]];
    const last = input.cells[rows[rows.length - 1]][cols[cols.length - 1]];
    box.style.transform = `translate(${first.offsetLeft}px, ${first.offsetTop}px)`;
    box.style.width = `${last.offsetLeft + last.offsetWidth - first.offsetLeft}px`;
    box.style.height = `${last.offsetTop + last.offsetHeight - first.offsetTop}px`;
  }

  // pointing at a product: its input cell and its kernel weight light up
  link(c, u, v) {
    this.root.querySelectorAll('.linked').forEach((e) => e.classList.remove('linked'));
    if (c === null) return;
    const s = this.d.current;
    const ch = this.chans[c];
    ch.input.cells[s.rows[u]][s.cols[v]].classList.add('linked');
    ch.kernel.cells[u][v].classList.add('linked');
    ch.products.cells[u][v].classList.add('linked');
  }

  // pointing at an output cell: its window, dashed, on the input
  ghost(i, j) {
    this.chans.forEach((ch) => {
      if (i === null) {
        ch.ghost.classList.remove('on');
        return;
      }
      const s = this.taps(i, j);
      this.window(ch.ghost, ch.input, s.rows, s.cols);
      ch.ghost.classList.add('on');
    });
    this.root.dataset.ghost = i === null ? '' : `${i},${j}`;
  }
}

export default function (component) {
  const root = component.parentElement.querySelector('.sg');
  if (!root || !component.data) return;
  const grid = root.__grid || (root.__grid = new StepGrid(root, component.setTriggerValue));
  grid.update(component.data, component.setTriggerValue);
  if (!root.__resize) {
    root.__resize = new ResizeObserver(() => {
      grid.fit();
      grid.place(null);
    });
    root.__resize.observe(root);
  }
}
