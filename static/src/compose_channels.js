// The compose form: when the kind or the networks change, tick the channels
// the networks' communication plans allow for that kind, and untick the
// others, so a refusal does not come only after the whole text is typed.
// The plans come from the page (json_script "plan-channels"); saving checks
// them again on the server.
(function () {
  "use strict";
  var data = document.getElementById("plan-channels");
  var kind = document.getElementById("id_kind");
  if (!data || !kind) return;
  var plans = JSON.parse(data.textContent);
  var channels = ["sms", "email", "voice"];

  function chosenNetworks() {
    var boxes = document.querySelectorAll("input[name=networks]");
    var ids = [];
    boxes.forEach(function (box) { if (box.checked) ids.push(box.value); });
    if (!ids.length) boxes.forEach(function (box) { ids.push(box.value); });
    return ids.filter(function (id) { return plans[id]; });
  }

  function apply() {
    var ids = chosenNetworks();
    if (!ids.length) return;
    channels.forEach(function (channel) {
      var box = document.getElementById("id_by_" + channel);
      if (!box) return;
      box.checked = ids.every(function (id) {
        return (plans[id][kind.value] || []).indexOf(channel) !== -1;
      });
    });
  }

  kind.addEventListener("change", apply);
  document.querySelectorAll("input[name=networks]").forEach(function (box) {
    box.addEventListener("change", apply);
  });
})();
