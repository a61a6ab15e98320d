// Runs in <head> before first paint so the stored theme never flashes.
(function () {
  var t = null;
  try { t = localStorage.getItem('ewom-theme'); } catch (e) { /* storage blocked */ }
  if (t !== 'light' && t !== 'dark') {
    t = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }
  document.documentElement.setAttribute('data-theme', t);
})();
