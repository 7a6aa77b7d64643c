// One step of a convolution or a pooling as linked grids (issue 14): per input channel the padded
// input with the window and, beside it, the step's small grids (convolution: the kernel and the
// products; pooling: the window's numbers, the largest marked); the output filled up to this step.
// Pointing at a cell of a small grid lights the input cell it reads (and the same cell of the other
// small grids); pointing at an output cell shows its window on the input; a click on an output cell
// goes to its step. When the step changes, the window slides to its new place and the numbers appear
// one by one, then the result (as in CNN Explainer): an animation in the browser, the grids stay.
//
// The numbers are convcore's trace (app/widgets/stepgrid.py): this file places them, it computes
// no product, sum or maximum of its own.

const show = (v) => (v === null ? '-inf' : fmt(v)); // max pooling's padding is -inf (sent as null)
const MIN_TYPE = { usual: 11, big: 14 }; // pixels: the smallest type of a number in a grid (fitType), presenter's big

class StepGrid {
  constructor(root) {
    this.root = root;
  }

  update(d, trigger) {
    this.trigger = trigger;
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
    const size = cls === 'input' || cls === 'output' ? '--gcell' : '--cell'; // (the same but on a large grid)
    box.style.gridTemplateColumns = `repeat(${values[0].length}, var(--cw, var(${size})))`; // --cw: fitType
    const cells = values.map((line, r) =>
      line.map((v, q) => {
        const c = el('span', 'cell', show(v));
        c.dataset.r = String(r);
        c.dataset.q = String(q);
        if (mask && mask[r][q]) c.classList.add('pad');
        c.title = String(v === null ? '-inf' : v);
        box.appendChild(c);
        return c;
      }),
    );
    const wrap = el('div', 'gw');
    wrap.appendChild(box);
    fig.appendChild(wrap);
    return { fig, box, wrap, cells };
  }

  // a large grid's cells shaded by value (numbers only on pointing): grey levels for numbers that are
  // all >= 0 (0 black, the largest white, as a picture), else red for positive and blue for negative
  shade(grid, values) {
    const flat = values.flat().filter((v) => v !== null);
    const top = Math.max(1e-12, ...flat.map(Math.abs));
    const signed = flat.some((v) => v < 0);
    grid.cells.flat().forEach((cell) => {
      const v = values[+cell.dataset.r][+cell.dataset.q];
      let bg = '#e6e7eb';
      if (v !== null && !signed) {
        const g = Math.round((255 * v) / top);
        bg = `rgb(${g},${g},${g})`;
      } else if (v !== null) {
        const a = Math.round(255 * (1 - Math.abs(v) / top));
        bg = v >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`;
      }
      cell.style.setProperty('--bg', bg);
    });
  }

  build() {
    const d = this.d;
    const root = this.root;
    root.replaceChildren();
    root.classList.toggle('big', !!d.big);
    root.classList.toggle('dense', !!d.dense);
    const row = el('div', 'row');
    this.chans = d.inputs.map((input, c) => {
      const box = el('div', 'chan');
      const grid = this.grid(input.values, input.title, 'input', d.mask);
      if (d.dense) this.shade(grid, input.values);
      const win = el('div', 'win');
      const ghost = el('div', 'win ghost');
      grid.wrap.append(win, ghost);
      const side = el('div', 'side');
      const small = d.current.side[c].map((g) => {
        const made = this.grid(g.values, g.title, g.cls);
        side.appendChild(made.fig);
        made.cells.flat().forEach((cell) => {
          cell.addEventListener('pointerenter', () => this.link(c, +cell.dataset.r, +cell.dataset.q));
          cell.addEventListener('pointerleave', () => this.link(null));
        });
        return made;
      });
      const sum = el('p', 'csum');
      side.appendChild(sum);
      box.append(grid.fig, side);
      row.appendChild(box);
      return { input: grid, win, ghost, small, sum };
    });
    const out = this.grid(d.output, d.output_title, 'output');
    if (d.dense) this.shade(out, d.output);
    out.cells.flat().forEach((cell) => {
      cell.addEventListener('pointerenter', () => this.ghost(+cell.dataset.r, +cell.dataset.q));
      cell.addEventListener('pointerleave', () => this.ghost(null));
      cell.addEventListener('click', () => this.trigger('jump', { row: +cell.dataset.r, col: +cell.dataset.q, at: Date.now() }));
    });
    out.fig.appendChild(el('p', 'hint', 'Click a cell to go to its step.'));
    row.appendChild(out.fig);
    this.ruler = el('span', 'ruler'); // measures a number in the cells' type (fitType)
    this.out = out;
    root.appendChild(row);
    this.said = el('p', 'said'); // what the grids show, for a screen reader
    this.said.setAttribute('aria-live', 'polite');
    root.appendChild(this.said);
    root.appendChild(this.ruler);
  }

  // The height, in pixels, that the grids may take: from their top to the bottom of the first screen
  // (the page's scrolling area), less their titles and the hint under the output. A projector at
  // 1024 x 768 shows a whole 16 x 16 input and its output without scrolling.
  tall() {
    const main = this.root.closest('[data-testid="stMain"]');
    const view = main || document.documentElement;
    const top = this.root.getBoundingClientRect().top - view.getBoundingClientRect().top + view.scrollTop;
    return (main ? main.clientHeight : window.innerHeight) - top - 64;
  }

  // cells as large as wanted, smaller when the grids would not fit the width or the first screen's
  // height (all alike; never under 22 pixels, where a number such as 255 would no longer be read: a
  // grid that 22-pixel cells would not fit in the height keeps the size the width allows).
  // A large input (d.dense: over 16 x 16) keeps the small grids' numbers readable: the input and the
  // output are drawn with small shaded cells (--gcell), the kernel and products at full size.
  fit() {
    const d = this.d;
    const widest = Math.max(...d.current.side[0].map((g) => g.values[0].length));
    const n = d.inputs[0].values[0].length;
    const room = Math.max(200, this.root.clientWidth - 80);
    if (!d.dense) {
      const rows = Math.max(d.inputs[0].values.length, d.output.length);
      const high = Math.floor(this.tall() / rows); // (where even 22 would not fit, the cells keep their size)
      const cell = Math.max(22, Math.min(d.cell, high >= 22 ? high : d.cell, Math.floor(room / (n + widest + d.output[0].length + 1))));
      this.root.style.setProperty('--cell', `${cell}px`);
      this.root.style.setProperty('--gcell', `${cell}px`);
      return;
    }
    const gcell = Math.max(5, Math.min(12, Math.floor((room * 0.4) / n)));
    const cell = Math.max(22, Math.min(d.cell, Math.floor((room - n * gcell - 48) / (2 * widest))));
    this.root.style.setProperty('--cell', `${cell}px`);
    this.root.style.setProperty('--gcell', `${gcell}px`);
  }

  // replay an entrance animation on ``cell`` after ``delay`` ms (none when not moving)
  appear(cell, moving, ms, delay) {
    cell.style.animation = 'none';
    if (!moving) return;
    void cell.offsetWidth; // restart the animation
    cell.style.animation = `sg-in ${Math.max(60, ms)}ms ease-out ${delay}ms both`;
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
      ch.input.cells.flat().forEach((cell) => cell.classList.remove('tap', 'chosen'));
      s.rows.forEach((r) => s.cols.forEach((q) => ch.input.cells[r][q].classList.add('tap')));
      s.side[c].forEach((g, k) => {
        const cells = ch.small[k].cells;
        const n = g.values.length * g.values[0].length;
        g.values.forEach((line, u) => line.forEach((v, w) => {
          const cell = cells[u][w];
          cell.textContent = show(v);
          cell.title = String(v === null ? '-inf' : v);
          cell.classList.toggle('neg', v !== null && v < 0);
          const chosen = !!g.chosen && g.chosen[0] === u && g.chosen[1] === w;
          cell.classList.toggle('chosen', chosen);
          if (chosen) ch.input.cells[s.rows[u]][s.cols[w]].classList.add('chosen');
          // the numbers that make this step appear one by one once the window has moved
          if (g.appear) this.appear(cell, moving, (ms * 0.8) / n, ms * 0.45 + ((u * line.length + w) * ms * 0.4) / n);
        }));
      });
      ch.sum.textContent = s.sums[c] || '';
      this.appear(ch.sum, moving, 150, ms * 0.85);
    });
    // the output up to this step
    const ow = d.output[0].length;
    this.out.cells.flat().forEach((cell) => {
      const r = +cell.dataset.r;
      const q = +cell.dataset.q;
      const done = r * ow + q <= i * ow + j;
      cell.textContent = done ? show(d.output[r][q]) : '';
      cell.classList.toggle('todo', !done);
      cell.classList.toggle('now', r === i && q === j);
      cell.classList.toggle('neg', done && d.output[r][q] < 0);
    });
    this.appear(this.out.cells[i][j], moving, 150, ms * 0.85);
    this.chans.forEach((ch, c) => {
      if (!d.dense) this.fitType(ch.input, d.inputs[c].values.flat().map(show));
      ch.small.forEach((g, k) => this.fitType(g, s.side[c][k].values.flat().map(show)));
    });
    if (!d.dense) this.fitType(this.out, d.output.flat().map(show)); // every step's: the type stays while playing
    this.said.textContent = d.alt;
    this.root.dataset.step = String(s.index);
    this.root.dataset.window = `${s.rows[0]},${s.cols[0]}`;
    this.root.dataset.value = String(s.value);
  }

  // A grid's type made smaller, alike in all its cells, when its longest number would not fit a cell
  // whole: "-0.00148" in a small cell lost its sign and its last digits. Measured in the cells' own
  // type (bold, as the chosen cell's), with 2 pixels of air each side. Never under MIN_TYPE pixels,
  // where it could no longer be read from the back of a classroom: the grid's cells grow wider instead.
  fitType(grid, texts) {
    const longest = texts.reduce((a, b) => (b.length > a.length ? b : a), '');
    this.ruler.textContent = longest;
    grid.box.style.removeProperty('--cw');
    const room = grid.cells[0][0].clientWidth - 4;
    const wide = this.ruler.getBoundingClientRect().width;
    if (!(room > 0 && wide > room)) {
      grid.box.style.removeProperty('--fit');
      return;
    }
    const full = parseFloat(getComputedStyle(this.ruler).fontSize);
    const fit = Math.max(room / wide, Math.min(1, MIN_TYPE[this.d.big ? 'big' : 'usual'] / full));
    grid.box.style.setProperty('--fit', fit.toFixed(3));
    if (wide * fit > room) grid.box.style.setProperty('--cw', `${Math.ceil(wide * fit) + 4}px`);
  }

  // the padded input's rows and columns that output (i, j) reads (the trace's geometry)
  taps(i, j) {
    const d = this.d;
    const [kh, kw] = d.window;
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

  // pointing at a cell of a small grid: the input cell it reads and its partners light up
  link(c, u, v) {
    this.root.querySelectorAll('.linked').forEach((e) => e.classList.remove('linked'));
    if (c === null) return;
    const s = this.d.current;
    const ch = this.chans[c];
    ch.input.cells[s.rows[u]][s.cols[v]].classList.add('linked');
    ch.small.forEach((g) => g.cells[u][v].classList.add('linked'));
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
  const grid = root.__grid || (root.__grid = new StepGrid(root));
  grid.update(component.data, component.setTriggerValue);
  if (!root.__resize) {
    root.__resize = new ResizeObserver(() => {
      grid.fit();
      grid.place(null);
    });
    root.__resize.observe(root);
  }
}
