// The unit choosers' search box (duban.work.forms.UnitPicker). A chooser
// holds the top of the person's tree and what is chosen; as the person types
// here, the server is asked for the units whose names match
// (/units/pick/?q=...), and they are offered in the chooser beside the box,
// keeping what is already chosen.
(function () {
  "use strict";

  function label(unit) {
    if (!unit.within) return unit.name;
    var chinese = (document.documentElement.lang || "").indexOf("zh") === 0;
    return chinese ? unit.name + "（" + unit.within + "）" : unit.name + " (" + unit.within + ")";
  }

  function setup(box) {
    var select = document.getElementById(box.getAttribute("data-picker-for"));
    if (!select) return;
    var timer = null;
    var asked = 0;

    function offer(data) {
      var keep = [];
      Array.prototype.forEach.call(select.options, function (option) {
        if (option.value === "" || option.selected) keep.push(option);
      });
      while (select.options.length) select.remove(0);
      var have = {};
      keep.forEach(function (option) {
        select.add(option);
        have[option.value] = true;
      });
      data.units.forEach(function (unit) {
        if (have[String(unit.id)]) return;
        var option = document.createElement("option");
        option.value = String(unit.id);
        option.textContent = label(unit);
        select.add(option);
      });
      if (!select.multiple && !select.value && data.units.length === 1) {
        select.value = String(data.units[0].id);
      }
    }

    function ask(text) {
      var mine = ++asked;
      var url = box.getAttribute("data-picker-url") + "?q=" + encodeURIComponent(text);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (data) { if (data && mine === asked) offer(data); })
        .catch(function () {});
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { ask(box.value.trim()); }, 200);
    });
    // Enter in the box chooses, it does not send the form half-filled.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(timer);
        ask(box.value.trim());
      }
    });
  }

  document.querySelectorAll("input.picker-search").forEach(setup);
})();
