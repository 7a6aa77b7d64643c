// Live sliders (issue 14): while a watched Streamlit slider is dragged, send its value (at most one
// rerun at a time, the newest value once the app is idle) so the picture follows the drag instead
// of waiting for the release. Streamlit's own slider sends only on release; that final value still
// comes from the slider itself. Watched sliders are named by their key's CSS class (st-key-...).

export default function (component) {
  const host = component.parentElement;
  const state = host.__live || (host.__live = {});
  state.watch = new Set((component.data && component.data.keys) || []);
  state.send = component.setTriggerValue;
  if (state.on) return;
  state.on = true;
  const app = () => document.querySelector('[data-testid=stApp]');
  const idle = () => { const a = app(); return !a || a.getAttribute('data-test-script-state') !== 'running'; };
  let active = null; // {name, input}
  let sent = null;
  let pending = null;
  let moved = false; // a value was sent during this drag
  const flush = () => {
    if (!pending || !idle()) return;
    const { name, value } = pending;
    pending = null;
    if (sent === `${name}=${value}`) return;
    sent = `${name}=${value}`;
    moved = true;
    state.send('drag', { key: name, value, at: Date.now() });
  };
  new MutationObserver(flush).observe(document.body, { attributes: true, subtree: true, attributeFilter: ['data-test-script-state'] });
  document.addEventListener('pointerdown', (e) => {
    const box = e.target.closest && e.target.closest('[data-testid=stSlider]');
    const holder = box && box.closest('[class*="st-key-"]');
    const cls = holder && [...holder.classList].find((c) => c.startsWith('st-key-'));
    const name = cls && cls.slice('st-key-'.length);
    if (!name || !state.watch.has(name)) return;
    active = { name, input: box.querySelector('input[type=range]') };
    sent = `${name}=${active.input.value}`;
    moved = false;
  }, true);
  document.addEventListener('pointermove', () => {
    if (!active || !active.input) return;
    pending = { name: active.name, value: Number(active.input.value) };
    flush();
  }, true);
  // at the release, the released value once more: a drag value still on its way must not win over
  // the value the slider itself sends now
  const stop = () => {
    if (active && moved && active.input) {
      state.send('drag', { key: active.name, value: Number(active.input.value), at: Date.now() });
    }
    active = null;
    pending = null;
    moved = false;
  };
  document.addEventListener('pointerup', stop, true);
  document.addEventListener('pointercancel', stop, true);
}
