// Seats left on a course page. The page states the capacity without this script;
// with it, the capacity is followed by the places left now, as the functions
// count them (GET /courses/{slug}/seats: capacity, taken, waiting, open). Any
// failure leaves the page as it was.
(function () {
  'use strict';
  document.querySelectorAll('[data-seats-url]').forEach(function (el) {
    fetch(el.getAttribute('data-seats-url'), { headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (seats) {
        if (!seats || typeof seats.capacity !== 'number' || typeof seats.taken !== 'number') return;
        var left = Math.max(0, seats.capacity - seats.taken);
        el.textContent = left > 0
          ? el.getAttribute('data-left').replace('{n}', String(left))
          : el.getAttribute('data-full').replace('{w}', String(seats.waiting || 0));
        el.hidden = false;
      })
      .catch(function () {});
  });
})();
