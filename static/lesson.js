// A lesson's progress, for a signed-in learner (see functions/core/src/workflows/learning):
// the page reports how long it was open and how long of that it was visible (Page
// Visibility API) — at load (which starts the lesson), every 30 seconds, when it is
// hidden, and with 学完本节. Without this script the button posts the form and the
// lesson is finished all the same; its time is then what the server saw.
(function () {
  "use strict";
  var form = document.querySelector("form.lesson-finish[data-progress-url]");
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var progressUrl = form.getAttribute("data-progress-url");
  var status = form.querySelector(".lesson-progress");
  var every = 30000;
  var lastReport = Date.now();
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var visibleMs = 0;
  var stopped = false;

  function say(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
  }

  // The seconds since the last report, open and visible; the counters start again.
  function take() {
    var now = Date.now();
    if (visibleSince !== null) {
      visibleMs += now - visibleSince;
      visibleSince = document.visibilityState === "visible" ? now : null;
    }
    var open = Math.floor((now - lastReport) / 1000);
    var visible = Math.min(open, Math.floor(visibleMs / 1000));
    lastReport += open * 1000;
    visibleMs -= visible * 1000;
    return { study_secs: String(open), effective_secs: String(visible) };
  }

  function post(url, seconds) {
    return fetch(url, {
      method: "POST",
      body: new URLSearchParams(seconds),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      keepalive: true,
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; }, function () { return { status: r.status, body: {} }; });
    });
  }

  function report() {
    if (stopped) return Promise.resolve(null);
    return post(progressUrl, take()).then(function (answer) {
      if (answer.status === 401 || answer.status === 403) {
        stopped = true;
        say(answer.status === 401 ? "登录后学习才会记入学习记录。" : (answer.body.error || "本课程的报名尚未审核通过，学习不计入记录。"));
      } else if (answer.status >= 400) {
        say(answer.body.error || "学习进度未能记录，稍后将再试。");
      } else {
        say("");
      }
      return answer;
    }, function () { return null; });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      visibleSince = Date.now();
    } else {
      report();
    }
  });

  form.addEventListener("submit", function (event) {
    if (stopped) return; // the server's answer, as a page: sign in, or why not
    event.preventDefault();
    post(form.action, take()).then(function (answer) {
      if (answer.status < 400 && answer.body.redirect) {
        window.location.assign(answer.body.redirect);
      } else if (answer.status === 401) {
        form.submit();
      } else {
        say(answer.body.error || "未能记录，请稍后再试。");
      }
    }, function () { form.submit(); });
  });

  report(); // starts the lesson
  window.setInterval(report, every);
})();
