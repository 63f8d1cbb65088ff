'use strict';
// The admin's autocomplete boxes (select2) show the chosen value in a text box of their own,
// which has no name when nothing is chosen (axe: aria-input-field-name). Each gets the name
// of its select: its title (set for inline rows, meetings/admin.py) or its label.
{
  const nameBoxes = (root) => {
    root.querySelectorAll('select.admin-autocomplete').forEach((select) => {
      const box = document.getElementById(`select2-${select.id}-container`);
      const label = select.title || (select.labels[0] ? select.labels[0].textContent.trim() : '');
      if (box && label) {
        box.setAttribute('aria-label', label.replace(/:$/, ''));
      }
    });
  };
  // After autocomplete.js, which draws the boxes in a jQuery ready handler. jQuery runs those
  // asynchronously, so under load they may run after the window's load event: name the boxes
  // once the ready handlers have run (a task after them), and again at load.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(() => setTimeout(() => nameBoxes(document), 0));
  }
  window.addEventListener('load', () => nameBoxes(document));
  // A row added to an inline gets its boxes drawn by autocomplete.js first.
  document.addEventListener('formset:added', (event) => {
    setTimeout(() => nameBoxes(event.target), 0);
  });
}
