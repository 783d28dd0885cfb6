// Behaviour that would otherwise need inline scripts (forbidden by our CSP).
document.addEventListener("DOMContentLoaded", () => {
  // Forms that ask for confirmation before a destructive action.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
});
