// Progressive enhancements; every page works without them. Loaded as a file: the CSP forbids inline scripts.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});

document.querySelectorAll("[data-copy]").forEach((button) => {
  const source = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.copyStatus);
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      if (status) status.textContent = "Link copied.";
    } catch {
      source.select();
      if (status) status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected link.";
    }
  });
});

// Forms that save something (data-once): once sent, the page must not come back from the back/forward cache
// with its button live, or saving it again would save twice. Such a page is fetched again instead.
document.querySelectorAll("form[data-once]").forEach((form) => {
  form.addEventListener("submit", () => { form.dataset.sent = "true"; });
});
window.addEventListener("pageshow", (event) => {
  if (event.persisted && document.querySelector("form[data-once][data-sent]")) window.location.reload();
});

// After a refused save the error summary takes focus, so it is read out and on screen wherever the person
// pressed Save. Its links bring each field into view from its label down (label, message and input).
const errorSummary = document.querySelector("[data-error-summary]");
if (errorSummary) {
  errorSummary.focus();
  errorSummary.querySelectorAll("a[href^='#']").forEach((link) => {
    link.addEventListener("click", (event) => {
      const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) return;
      event.preventDefault();
      const input = target.matches("input, select, textarea") ? target
        : target.querySelector("input:checked, input, select, textarea");
      (target.closest(".field, fieldset") || target).scrollIntoView({ block: "start" });
      if (input) input.focus({ preventScroll: true });
    });
  });
}

// On a phone each "good answer" hint folds behind its heading, made a button, so the checklist is not many
// screens tall. Wider screens, and print, show every hint in full.
const narrow = window.matchMedia("(max-width: 47.99rem)");
const folds = Array.from(document.querySelectorAll("[data-fold]"), (hint) => {
  const heading = hint.querySelector("h3");
  const text = hint.querySelector(".good-answer__text");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "fold-toggle";
  button.textContent = heading.textContent;
  button.setAttribute("aria-controls", text.id);
  const fold = (folded) => {
    hint.classList.toggle("good-answer--folded", folded);
    button.setAttribute("aria-expanded", String(!folded));
  };
  button.addEventListener("click", () => fold(button.getAttribute("aria-expanded") === "true"));
  return { hint, heading, button, fold };
});
function fitHintsToWidth() {
  folds.forEach(({ hint, heading, button, fold }) => {
    if (narrow.matches) {
      heading.replaceChildren(button);
      fold(true);
    } else {
      heading.replaceChildren(button.textContent);
      hint.classList.remove("good-answer--folded");
    }
  });
}
fitHintsToWidth();
narrow.addEventListener("change", fitHintsToWidth);
