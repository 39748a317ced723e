// Progressive enhancement for the thank-you page: a button that copies the petition link.
// Without JavaScript the link stays visible in its text box, ready to select and copy.
document.querySelectorAll("[data-copy-target]").forEach((button) => {
  const input = document.getElementById(button.dataset.copyTarget);
  const status = button.closest(".copy-link")?.querySelector(".copy-link__status");
  if (!input || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      if (status) status.textContent = button.dataset.copiedText || "Link copied";
    } catch {
      input.select();
    }
  });
});
