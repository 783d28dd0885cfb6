// The sign-up form: warn as soon as the chosen channels carry no urgent
// alerts under the network's communication plan (the list #channel-reach
// marks the channels that do with data-urgent). The server asks again on
// submitting; this only says it before the form is sent.
(function () {
  "use strict";
  var list = document.querySelector("#channel-reach [data-channel-kinds]");
  var hint = document.getElementById("urgent-hint");
  if (!list || !hint) return;
  var urgent = [];
  list.querySelectorAll("[data-urgent]").forEach(function (item) {
    urgent.push(item.getAttribute("data-channel"));
  });
  function filled(name) {
    var field = document.querySelector("[name=" + name + "]");
    return !!(field && field.value.trim());
  }
  function ticked(name) {
    var box = document.querySelector("[name=" + name + "]");
    return !!(box && box.checked);
  }
  function update() {
    var chosen = {
      sms: ticked("by_sms") && filled("mobile_phone"),
      email: ticked("by_email") && filled("email"),
      // Deaf or hard of hearing: never called, so calls bring nothing.
      voice: ticked("by_voice") && !ticked("deaf") && (filled("landline") || filled("mobile_phone")),
    };
    var any = chosen.sms || chosen.email || chosen.voice;
    var reached = urgent.some(function (channel) { return chosen[channel]; });
    hint.hidden = !any || reached;
  }
  ["by_sms", "by_email", "by_voice", "deaf", "mobile_phone", "landline", "email"].forEach(function (name) {
    var field = document.querySelector("[name=" + name + "]");
    if (field) field.addEventListener("input", update);
    if (field) field.addEventListener("change", update);
  });
  update();
})();
