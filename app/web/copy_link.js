// The "Copy link" button (app/links.copy_button): copies the address as the browser shows it now.
export default function(component) {
  const root = component.parentElement;
  const button = root.querySelector('.btn');
  const done = root.querySelector('.done');
  const byHand = root.querySelector('.by-hand');
  function said(text) { done.textContent = text; setTimeout(() => { done.textContent = ''; }, 4000); }
  function fallback(href) {
    const area = document.createElement('textarea');
    area.value = href; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }
  button.onclick = async () => {
    const href = window.location.href;
    root.querySelector('.copy').dataset.copied = href;
    let ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(href); ok = true; } catch (e) { ok = false; }
    }
    if (!ok) ok = fallback(href);
    if (ok) { byHand.hidden = true; said('Link copied'); }
    else { byHand.hidden = false; byHand.value = href; byHand.select(); said('Copy the link below'); }
  };
}
