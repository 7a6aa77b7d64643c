// Scrolls the page once to the heading a lesson step is about (app/presenter.py): the first h1-h4 whose
// text starts with data.heading, when it appears (the page draws it after this component). Pictures and
// charts above it may still be arriving and push it down: for a few seconds it is put back in place
// whenever it drifts, until the reader scrolls, clicks or types.
const SETTLE_MS = 4000;

export default function (component) {
  const root = component.parentElement;
  const d = component.data;
  if (!d || !d.heading || root.__done === d.token) return;
  root.__done = d.token;
  const find = () =>
    [...document.querySelectorAll('h1, h2, h3, h4')].find((e) => e.textContent.trim().startsWith(d.heading));
  const place = (h) => {
    h.style.scrollMarginTop = '9rem'; // below the lesson bar, which stays on top
    h.scrollIntoView({ block: 'start', behavior: 'instant' });
    return h.getBoundingClientRect().top;
  };
  let reader = false; // the reader took over: leave the page where they put it
  const stop = () => { reader = true; };
  const events = ['wheel', 'touchstart', 'keydown', 'mousedown'];
  events.forEach((e) => window.addEventListener(e, stop, { capture: true, passive: true, once: true }));
  let tries = 0;
  const look = () => {
    const h = find();
    if (!h) {
      if (tries++ < 120) setTimeout(look, 250); // up to 30 s: a cold server draws slowly
      return;
    }
    let where = place(h);
    const until = Date.now() + SETTLE_MS;
    const keep = () => {
      if (reader || Date.now() > until) {
        events.forEach((e) => window.removeEventListener(e, stop, { capture: true }));
        return;
      }
      const now = find();
      if (now && Math.abs(now.getBoundingClientRect().top - where) > 4) where = place(now);
      setTimeout(keep, 200);
    };
    setTimeout(keep, 200);
  };
  setTimeout(look, 300);
}
