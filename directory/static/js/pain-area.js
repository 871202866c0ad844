// "Where does it hurt?": a click on the drawing ticks the region's checkbox, and the drawing shows what is
// ticked and which box has the focus. The checkboxes work alone without this file.
document.querySelectorAll(".pain-area").forEach((area) => {
  const boxes = new Map(
    Array.from(area.querySelectorAll('input[name="regions"]'), (input) => [input.value, input]),
  );
  const spots = area.querySelectorAll("[data-region]");

  const paint = () => {
    spots.forEach((spot) => {
      const input = boxes.get(spot.dataset.region);
      spot.classList.toggle("is-ticked", Boolean(input && input.checked));
      spot.classList.toggle("is-focused", Boolean(input && input === document.activeElement));
    });
  };

  spots.forEach((spot) => {
    const input = boxes.get(spot.dataset.region);
    if (!input) return;
    spot.classList.add("is-live");
    spot.addEventListener("click", () => {
      input.checked = !input.checked;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  area.addEventListener("change", paint);
  area.addEventListener("focusin", paint);
  area.addEventListener("focusout", () => setTimeout(paint));
  paint();
});

// The "what may be going on" panel folds its longer parts on a phone; beside the results there is room.
if (window.matchMedia("(min-width: 64rem)").matches) {
  document.querySelectorAll(".pain-guide [data-open-wide]").forEach((details) => {
    details.open = true;
  });
}
