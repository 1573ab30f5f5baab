// The choosers' search box (duban.work.forms.Picker: units, tasks). A
// chooser holds the first few records (the top of the person's tree, the
// latest tasks) and what is chosen; as the person types here, the server is
// asked for the records that match (/units/pick/?q=..., /tasks/pick/?q=...),
// and they are offered in the chooser beside the box, keeping what is
// already chosen. The answer: {"items": [{id, name, within}], "more": bool}.
(function () {
  "use strict";

  function label(item) {
    if (!item.within) return item.name;
    var chinese = (document.documentElement.lang || "").indexOf("zh") === 0;
    return chinese ? item.name + "（" + item.within + "）" : item.name + " (" + item.within + ")";
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
      data.items.forEach(function (item) {
        if (have[String(item.id)]) return;
        var option = document.createElement("option");
        option.value = String(item.id);
        option.textContent = label(item);
        select.add(option);
      });
      if (!select.multiple && !select.value && data.items.length === 1) {
        select.value = String(data.items[0].id);
      }
    }

    function ask(text) {
      var mine = ++asked;
      var base = box.getAttribute("data-picker-url");
      var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text);
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
