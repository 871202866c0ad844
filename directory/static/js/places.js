// Type-ahead for the "Near" box: an ARIA 1.2 combobox with a listbox popup (the WAI-ARIA Authoring
// Practices' "list autocomplete" pattern). Progressive enhancement: without this script the box is a
// plain text field and the search works the same. Loaded as a file: the CSP forbids inline scripts.
(() => {
  const WAIT_MS = 120;

  function enhance(form) {
    const input = form.querySelector("input[name=near]");
    if (!input || !window.fetch) return;
    const url = form.dataset.placesUrl;
    const list = document.createElement("ul");
    const status = document.createElement("p");
    list.id = `${input.id}-places`;
    list.className = "combobox__list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Places");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.closest(".field").classList.add("combobox");
    input.after(list, status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");

    let places = [];
    let active = -1;
    let timer = 0;
    let pending = null;

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!places.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      const all = options();
      all.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      input.value = places[index].label;
      close();
      status.textContent = `${places[index].label} chosen.`;
    }

    function show(found) {
      places = found;
      list.replaceChildren(
        ...found.map((place, i) => {
          const option = document.createElement("li");
          option.id = `${list.id}-${i}`;
          option.className = "combobox__option";
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.textContent = place.label;
          if (place.kind !== "city") {
            const kind = document.createElement("span");
            kind.className = "combobox__kind";
            kind.textContent = place.kind === "zip" ? " ZIP code" : ` ${place.kind}`;
            option.append(kind);
          }
          // mousedown would move the focus away from the box before the click chose the place.
          option.addEventListener("mousedown", (event) => event.preventDefault());
          option.addEventListener("click", () => choose(i));
          return option;
        }),
      );
      active = -1;
      if (!found.length) {
        close();
        status.textContent = "";
        return;
      }
      open();
      status.textContent = `${found.length} place${found.length === 1 ? "" : "s"} suggested; use the up and down arrows to choose.`;
    }

    async function lookUp(text) {
      if (pending) pending.abort();
      pending = new AbortController();
      try {
        const response = await fetch(`${url}?q=${encodeURIComponent(text)}`, { signal: pending.signal });
        if (!response.ok) return show([]);
        const body = await response.json();
        const typed = text.toLowerCase();
        // A place typed in full needs no list either.
        const complete = body.places.some((place) => place.label.toLowerCase() === typed);
        if (input.value.trim() === text) show(complete ? [] : body.places);
      } catch (error) {
        if (error.name !== "AbortError") show([]);
      }
    }

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      const text = input.value.trim();
      // Nothing to complete in a whole ZIP code; a list would only cover the Search button.
      if (text.length < 2 || /^\d{5}(-\d{4})?$/.test(text)) {
        if (pending) pending.abort();
        show([]);
        return;
      }
      timer = window.setTimeout(() => lookUp(text), WAIT_MS);
    });

    input.addEventListener("keydown", (event) => {
      const count = options().length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!count) return;
        event.preventDefault();
        if (list.hidden) {
          open();
          highlight(event.key === "ArrowDown" ? 0 : count - 1);
          return;
        }
        // Past either end the highlight goes back to the box itself (-1), then round again.
        const next = active + (event.key === "ArrowDown" ? 1 : -1);
        highlight(next >= count ? -1 : next < -1 ? count - 1 : next);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        // Enter takes the highlighted place; the next Enter searches.
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });

    input.addEventListener("blur", close);
  }

  document.querySelectorAll("form[data-places-url]").forEach(enhance);
})();
