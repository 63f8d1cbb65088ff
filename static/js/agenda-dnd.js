// Drag and drop for the agenda builder. The move buttons do the same for keyboards and
// without JavaScript; this only sends how many places an item was dragged.
(function () {
  "use strict";
  let dragged = null;

  function rows(list) {
    return Array.from(list.querySelectorAll("li[data-move-url]"));
  }

  document.addEventListener("dragstart", function (event) {
    const row = event.target.closest && event.target.closest("li[data-move-url]");
    if (!row) return;
    dragged = { row: row, from: rows(row.parentElement).indexOf(row) };
    event.dataTransfer.effectAllowed = "move";
    row.classList.add("dragging");
  });

  document.addEventListener("dragover", function (event) {
    if (dragged && event.target.closest && event.target.closest(".agenda-builder")) {
      event.preventDefault();
    }
  });

  document.addEventListener("drop", function (event) {
    if (!dragged) return;
    const target = event.target.closest && event.target.closest("li[data-move-url]");
    if (!target) return;
    event.preventDefault();
    const to = rows(target.parentElement).indexOf(target);
    const steps = to - dragged.from;
    const url = dragged.row.dataset.moveUrl;
    dragged.row.classList.remove("dragging");
    dragged = null;
    if (steps !== 0 && window.htmx) {
      window.htmx.ajax("POST", url, { target: "#agenda", swap: "outerHTML", values: { steps: steps } });
    }
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.row.classList.remove("dragging");
    dragged = null;
  });
})();
