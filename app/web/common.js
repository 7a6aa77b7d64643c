// Shared by the page's components (prepended to each one's module by app/components.py).

// A number as a student would write it (app/draw/text.fmt): integers plain, others with ``digits``
// significant digits (3, as in the step pictures; the hover readout uses 4 so that a brightness such
// as 198.2 keeps its decimal and the products shown add up to the sum shown).
function fmt(v, digits = 3) {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v - Math.round(v)) < 1e-6 * Math.max(1, Math.abs(v))) return String(Math.round(v));
  if (Math.abs(v) >= 1000) return v.toFixed(digits > 3 ? 1 : 0);
  return String(Number(v.toPrecision(digits)));
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
