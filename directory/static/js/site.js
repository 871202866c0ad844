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
