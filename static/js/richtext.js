// The case document's rich text (ADR 0006). Each textarea marked data-richtext gets a small
// toolbar (bold, italic, lists, link) over an editable area, and what is written there goes
// back into the textarea as the few tags the server allows; the server sanitises it again.
// Without JavaScript the textarea stays, and its empty lines make the paragraphs.
(function () {
  "use strict";

  // What each element becomes; an element not listed is unwrapped and its text kept.
  const KEEP = {
    P: "p", DIV: "p", BR: "br", STRONG: "strong", B: "strong", EM: "em", I: "em",
    UL: "ul", OL: "ol", LI: "li", A: "a", H1: "h3", H2: "h3", H3: "h3", H4: "h4",
    H5: "h4", H6: "h4", BLOCKQUOTE: "blockquote",
  };
  // Elements dropped with everything in them.
  const DROP = new Set([
    "SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "IFRAME", "OBJECT", "EMBED", "SVG", "MATH",
    "HEAD", "TITLE", "META", "LINK", "BUTTON", "SELECT", "TEXTAREA",
  ]);
  const BLOCKS = new Set(["p", "ul", "ol", "h3", "h4", "blockquote"]);
  const BLOCK_INSIDE = "p, div, ul, ol, li, h1, h2, h3, h4, h5, h6, blockquote, table";
  const SAFE_URL = /^(https?:\/\/|mailto:)/i;
  // The same test as cases/richtext.py: only an allowed tag makes a text markup.
  const MARKUP = /<\/?(?:a|blockquote|br|em|h3|h4|li|ol|p|strong|ul)(?:\s[^<>]*)?\/?>/i;

  // Inline handlers and styles, cut from the tags before parsing only because Chromium
  // reports them to the page's Content Security Policy even in an inert document (pasted
  // Word text is full of styles). Safety does not rest on this: nothing in the inert
  // document runs or loads, only the allowed tags are copied out, and the server sanitises.
  const NOISY = /[\s/](?:on[a-z-]*|style)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*)/gi;

  function parse(html) {
    const doc = document.implementation.createHTMLDocument("");
    doc.body.innerHTML = html.replace(/<[a-z][^>]*>/gi, function (tag) {
      return tag.replace(NOISY, " ");
    });
    return doc.body;
  }

  function copyInto(target, source) {
    const doc = target.ownerDocument;
    Array.from(source.childNodes).forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        target.appendChild(doc.createTextNode(node.nodeValue));
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      const tag = node.nodeName.toUpperCase();
      if (DROP.has(tag)) return;
      let name = KEEP[tag];
      // A pasted <div> around paragraphs or lists is a wrapper, not a paragraph.
      if (name === "p" && node.querySelector(BLOCK_INSIDE)) name = undefined;
      if (!name) {
        copyInto(target, node);
        return;
      }
      const copy = doc.createElement(name);
      if (name === "a") {
        const href = (node.getAttribute("href") || "").trim();
        if (SAFE_URL.test(href)) copy.setAttribute("href", href);
      }
      target.appendChild(copy);
      if (name !== "br") copyInto(copy, node);
    });
  }

  // Words and inline elements directly in the box are gathered into paragraphs, and
  // paragraphs without words are dropped.
  function intoParagraphs(box) {
    const doc = box.ownerDocument;
    let run = null;
    Array.from(box.childNodes).forEach(function (node) {
      const name = node.nodeName.toLowerCase();
      if (BLOCKS.has(name)) {
        run = null;
        return;
      }
      if (node.nodeType === Node.TEXT_NODE && !node.nodeValue.trim() && !run) {
        box.removeChild(node);
        return;
      }
      if (!run) {
        run = doc.createElement("p");
        box.insertBefore(run, node);
      }
      run.appendChild(node);
    });
    box.querySelectorAll("p").forEach(function (p) {
      if (!p.textContent.trim()) p.remove();
    });
  }

  function serialise(editor) {
    const box = document.implementation.createHTMLDocument("").createElement("div");
    copyInto(box, editor);
    intoParagraphs(box);
    if (!box.textContent.trim()) return "";
    // The editor keeps spaces at the ends of words as no-break spaces while one types.
    const walker = box.ownerDocument.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      walker.currentNode.nodeValue = walker.currentNode.nodeValue.replace(/\u00a0/g, " ");
    }
    return Array.from(box.children).map(function (block) { return block.outerHTML; }).join("\n");
  }

  function load(editor, value) {
    if (MARKUP.test(value)) {
      copyInto(editor, parse(value));
    } else {
      value.replace(/\r\n?/g, "\n").split(/\n{2,}/).forEach(function (block) {
        if (!block.trim()) return;
        const p = document.createElement("p");
        block.split("\n").forEach(function (line, index) {
          if (index) p.appendChild(document.createElement("br"));
          p.appendChild(document.createTextNode(line));
        });
        editor.appendChild(p);
      });
    }
    intoParagraphs(editor);
    if (!editor.firstChild) {
      editor.appendChild(document.createElement("p")).appendChild(document.createElement("br"));
    }
  }

  function enhance(textarea, template) {
    const label = document.querySelector('label[for="' + textarea.id + '"]');
    const editor = document.createElement("div");
    editor.className = "richtext-editor";
    editor.id = textarea.id + "-editor";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.style.minHeight = (Number(textarea.getAttribute("rows")) || 4) * 1.6 + "em";
    const toolbar = template.content.firstElementChild.cloneNode(true);
    toolbar.setAttribute("aria-controls", editor.id);
    if (label) {
      // The label now names the editor; a click on it goes there, not to the hidden field.
      label.id = label.id || textarea.id + "-label";
      label.removeAttribute("for");
      label.addEventListener("click", function () { editor.focus(); });
      editor.setAttribute("aria-labelledby", label.id);
      const name = label.textContent.trim().replace(/:$/, "");
      toolbar.setAttribute("aria-label", toolbar.getAttribute("aria-label") + ": " + name);
    }
    // The help text explains the bare textarea; the errors still describe the field.
    const help = document.getElementById(textarea.id + "_helptext");
    if (help) help.hidden = true;
    const described = (textarea.getAttribute("aria-describedby") || "")
      .split(/\s+/).filter(function (id) { return id && id !== textarea.id + "_helptext"; });
    if (described.length) editor.setAttribute("aria-describedby", described.join(" "));
    if (textarea.getAttribute("aria-invalid") === "true") editor.setAttribute("aria-invalid", "true");

    load(editor, textarea.value);
    textarea.hidden = true;
    textarea.before(toolbar, editor);

    let changed = false;
    function write() {
      changed = true;
      textarea.value = serialise(editor);
    }
    editor.addEventListener("input", write);
    textarea.form.addEventListener("submit", function () {
      if (changed) textarea.value = serialise(editor);
    });

    // Pasted text keeps the allowed formatting only.
    editor.addEventListener("paste", function (event) {
      if (!event.clipboardData) return;
      event.preventDefault();
      const html = event.clipboardData.getData("text/html");
      if (html) {
        const box = document.implementation.createHTMLDocument("").createElement("div");
        copyInto(box, parse(html));
        document.execCommand("insertHTML", false, box.innerHTML);
      } else {
        document.execCommand("insertText", false, event.clipboardData.getData("text/plain"));
      }
    });

    // The selection in the editor, kept while the toolbar has the focus.
    let range = null;
    function restore() {
      editor.focus();
      if (!range) return;
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    function showState() {
      toolbar.querySelectorAll("button[aria-pressed]").forEach(function (button) {
        const on = document.queryCommandState(button.dataset.command);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    function keep() {
      const selection = window.getSelection();
      if (selection.rangeCount && editor.contains(selection.anchorNode)) {
        range = selection.getRangeAt(0).cloneRange();
        showState();
      }
    }
    document.addEventListener("selectionchange", keep);
    // "selectionchange" comes later, as a task of its own: a key pressed just before the
    // focus moves to the toolbar (Enter, then Shift+Tab) would otherwise be left out of the
    // kept selection, and the command would act where the caret was before it.
    editor.addEventListener("focusout", keep);

    function currentLink() {
      const node = range && range.commonAncestorContainer;
      const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
      const link = element && element.closest("a");
      return link && editor.contains(link) ? link : null;
    }
    function addLink(button) {
      const link = currentLink();
      const answer = window.prompt(button.dataset.prompt, link ? link.getAttribute("href") || "" : "https://");
      restore();
      if (answer === null) return;
      let url = answer.trim();
      if (!url || url === "https://") {
        if (link) document.execCommand("unlink", false, null);
        return;
      }
      if (/^[^\s:/@]+@[^\s/@]+\.[^\s/@]+$/.test(url)) url = "mailto:" + url;
      else if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) url = "https://" + url;
      if (!SAFE_URL.test(url)) {
        window.alert(button.dataset.refused);
        return;
      }
      if (window.getSelection().isCollapsed && !link) {
        const a = document.createElement("a");
        a.setAttribute("href", url);
        a.textContent = url.replace(/^mailto:/, "");
        document.execCommand("insertHTML", false, a.outerHTML);
      } else {
        document.execCommand("createLink", false, url);
      }
    }

    function run(button) {
      restore();
      if (button.dataset.command === "createLink") addLink(button);
      else document.execCommand(button.dataset.command, false, null);
      write();
      showState();
    }
    // A mouse press must not take the selection out of the editor.
    toolbar.addEventListener("mousedown", function (event) {
      if (event.target.closest("button")) event.preventDefault();
    });
    toolbar.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-command]");
      if (button) run(button);
    });
    editor.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        run(toolbar.querySelector('[data-command="createLink"]'));
      }
    });

    // One tab stop for the toolbar; the arrow keys, Home and End move between its buttons.
    const buttons = Array.from(toolbar.querySelectorAll("button"));
    buttons.forEach(function (button, index) { button.tabIndex = index === 0 ? 0 : -1; });
    toolbar.addEventListener("keydown", function (event) {
      const index = buttons.indexOf(document.activeElement);
      const next = {
        ArrowRight: (index + 1) % buttons.length,
        ArrowLeft: (index - 1 + buttons.length) % buttons.length,
        Home: 0,
        End: buttons.length - 1,
      }[event.key];
      if (index < 0 || next === undefined) return;
      event.preventDefault();
      buttons[index].tabIndex = -1;
      buttons[next].tabIndex = 0;
      buttons[next].focus();
    });
  }

  function start() {
    const template = document.getElementById("richtext-toolbar");
    if (!template || !("content" in template)) return;
    document.execCommand("defaultParagraphSeparator", false, "p");
    document.querySelectorAll("textarea[data-richtext]").forEach(function (textarea) {
      enhance(textarea, template);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
