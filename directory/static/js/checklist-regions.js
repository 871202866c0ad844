// Where it hurts, on the checklist form: ticking or unticking a region marks at once the questions that matter
// most for the regions ticked. The server says which (GET data-region-marks?regions=...), so the rule lives in
// one place; without this script the marks follow when the checklist is saved.
(function () {
  'use strict';
  var fields = document.querySelector('[data-region-marks]');
  var template = document.getElementById('region-mark-template');
  var status = document.getElementById('region-marks-status');
  if (!fields || !template || !status || !window.fetch || !window.URLSearchParams) return;
  var latest = 0;

  function mark(why) {
    var node = template.content.firstElementChild.cloneNode(true);
    node.querySelector('.region-mark__why').textContent = why;
    return node;
  }

  function show(marked) {
    var count = 0;
    document.querySelectorAll('[data-region-mark]').forEach(function (slot) {
      var why = marked[slot.getAttribute('data-region-mark')];
      var now = slot.querySelector('.region-mark__why');
      if (why) count += 1;
      if (why && now && now.textContent === why) return;
      slot.replaceChildren();
      if (why) slot.appendChild(mark(why));
    });
    // One message for a screen reader, not one per question marked further down the form.
    status.textContent = status.getAttribute('data-count-template').replace('{count}', count);
  }

  fields.addEventListener('change', function () {
    var query = new URLSearchParams();
    fields.querySelectorAll('input[name="regions"]:checked').forEach(function (box) { query.append('regions', box.value); });
    var asked = ++latest;
    fetch(fields.getAttribute('data-region-marks') + '?' + query.toString(), { headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (marked) { if (marked && asked === latest) show(marked); })
      .catch(function () { /* offline: the marks follow on save */ });
  });
})();
