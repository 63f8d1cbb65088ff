'use strict';
// The admin's autocomplete boxes (select2) show the chosen value in a text box of their own,
// which has no name when nothing is chosen (axe: aria-input-field-name). Each gets the name
// of its select: its title (set for inline rows, meetings/admin.py) or its label.
//
// The boxes are drawn by autocomplete.js in a jQuery ready handler, which jQuery 3 runs
// asynchronously (so, under load, after the window's load event, where this script once
// named them and found none), and again for each row added to an inline. So every box is
// named when it appears in the document.
{
  const nameBox = (box) => {
    const match = /^select2-(.+)-container$/.exec(box.id || '');
    const select = match && document.getElementById(match[1]);
    if (!select || !select.classList.contains('admin-autocomplete')) {
      return;
    }
    const label = select.title || (select.labels[0] ? select.labels[0].textContent.trim() : '');
    if (label) {
      box.setAttribute('aria-label', label.replace(/:$/, ''));
    }
  };
  const nameBoxesIn = (node) => {
    if (node.nodeType !== Node.ELEMENT_NODE) {
      return;
    }
    if (node.id) {
      nameBox(node);
    }
    node.querySelectorAll('[id^="select2-"][id$="-container"]').forEach(nameBox);
  };
  new MutationObserver((changes) => {
    changes.forEach((change) => change.addedNodes.forEach(nameBoxesIn));
  }).observe(document.documentElement, { childList: true, subtree: true });
  // And once more when everything has loaded, for boxes drawn before this script ran.
  window.addEventListener('load', () => nameBoxesIn(document.documentElement));
}
