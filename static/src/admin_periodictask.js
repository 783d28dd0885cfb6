// The admin's periodic task form (django-celery-beat): under the crontab
// field, say in words when the chosen schedule runs. django-celery-beat does
// this with an inline script, which our Content-Security-Policy forbids.
(() => {
  const label = document.currentScript.dataset.label;
  document.addEventListener("DOMContentLoaded", () => {
    const data = document.getElementById("readable-crontabs");
    const select = document.getElementById("id_crontab");
    const help = document.querySelector(".field-crontab .help");
    if (!data || !select || !help) {
      return;
    }
    const readable = JSON.parse(data.textContent);
    const original = help.textContent;
    document.querySelectorAll(".field-crontab_translation").forEach((row) => {
      row.style.display = "none";
    });
    select.addEventListener("change", () => {
      help.textContent = original;
      const words = readable[select.value];
      if (words) {
        help.append(document.createElement("br"), `${label}: ${words}`);
      }
    });
  });
})();
