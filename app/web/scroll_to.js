// Scrolls the page once to the heading a lesson step is about (app/presenter.py): the first h1-h4 whose
// text starts with data.heading, when it appears (the page draws it after this component).
export default function (component) {
  const root = component.parentElement;
  const d = component.data;
  if (!d || !d.heading || root.__done === d.token) return;
  root.__done = d.token;
  let tries = 0;
  const look = () => {
    const h = [...document.querySelectorAll('h1, h2, h3, h4')].find((e) => e.textContent.trim().startsWith(d.heading));
    if (h) {
      h.style.scrollMarginTop = '9rem'; // below the lesson bar, which stays on top
      h.scrollIntoView({ block: 'start', behavior: 'instant' });
    }
    else if (tries++ < 60) setTimeout(look, 250);
  };
  setTimeout(look, 300);
}
