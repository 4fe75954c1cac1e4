/* The runbook page in the browser: the checklist kept across reloads and the queries filled in from a form.
 * What it writes is in the page's language (English and Chinese: WORDS below; any other falls back to English).
 *
 * Nothing here sends anything: ticks go to this browser's localStorage (one entry per SOP and version),
 * typed values stay in the page. Values reach the page only as text (textContent, never markup).
 * Without this script the page still shows every step, the flowchart and the SQL as written; with it, a
 * flowchart wider than a phone starts scrolled to its first step. */
(function () {
  "use strict";

  // -- the words this script writes, in the page's language (<html lang>, set by theme.language) -------------
  var WORDS = {
    en: {
      reset: "Reset checklist",
      none: "no box ticked yet",
      last: "last tick {when}",
      progress: "{done} of {total} ticked · {when} · kept in this browser only",
      value: "This value {error}.",
      line: "line {n} {error}",
      nul: "contains a NUL character, which DuckDB text cannot hold",
      notWhole: "is not a whole number",
      notNumber: "is not a number",
      tooLarge: "is too large",
      outside64: "is outside the 64-bit integers",
      notStamp: "is not an ISO 8601 timestamp (2026-01-05T00:00:00Z)",
      noSuchTime: "is not a date and time that exists",
      notBoolean: "is not true or false",
      pattern: "does not match the pattern {pattern}"
    },
    zh: {
      reset: "重置检查清单",
      none: "尚未勾选",
      last: "最后勾选于 {when}",
      progress: "已勾选 {done} / {total} · {when} · 仅保存在本浏览器中",
      value: "此值{error}。",
      line: "第 {n} 行{error}",
      nul: "含有 NUL 字符，DuckDB 文本无法保存",
      notWhole: "不是整数",
      notNumber: "不是数字",
      tooLarge: "过大",
      outside64: "超出 64 位整数范围",
      notStamp: "不是 ISO 8601 时间戳（2026-01-05T00:00:00Z）",
      noSuchTime: "不是真实存在的日期和时间",
      notBoolean: "不是 true 或 false",
      pattern: "不符合格式 {pattern}"
    }
  };
  var LANG = (document.documentElement.getAttribute("lang") || "en").split("-")[0];
  var SAID = WORDS[LANG] || WORDS.en;

  function say(key, values) {
    return SAID[key].replace(/\{(\w+)\}/g, function (all, name) {
      return values && name in values ? String(values[name]) : all;
    });
  }

  // -- checklist kept in localStorage ------------------------------------------------------------------------
  function boxKey(box, counts) {
    // A tick is named by its step and its place in the step, so that it survives a rebuild of the page.
    var step = "top";
    var node = box.closest("li");
    var heading = null;
    var all = document.querySelectorAll("article h3[id^='step-']");
    for (var i = 0; i < all.length; i++) {
      if (all[i].compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) heading = all[i];
    }
    if (heading) step = heading.id;
    counts[step] = (counts[step] || 0) + 1;
    return step + "#" + counts[step];
  }

  function load(key) {
    try {
      var raw = window.localStorage.getItem(key);
      var data = raw ? JSON.parse(raw) : null;
      return data && typeof data === "object" && data.ticked ? data : { ticked: {}, at: null };
    } catch (e) {
      return { ticked: {}, at: null };
    }
  }

  function save(key, state) {
    try {
      window.localStorage.setItem(key, JSON.stringify(state));
      return true;
    } catch (e) {
      return false;
    }
  }

  function setupChecklist() {
    var bar = document.querySelector("[data-sop-progress]");
    if (!bar) return;
    var key = "sopc:checklist:" + bar.getAttribute("data-sop-progress") + "@" + bar.getAttribute("data-sop-version");
    var boxes = Array.prototype.slice.call(document.querySelectorAll("article .task-list-control input[type=checkbox]"));
    var counts = {};
    var names = boxes.map(function (b) { return boxKey(b, counts); });
    var state = load(key);
    boxes.forEach(function (box, i) { box.checked = !!state.ticked[names[i]]; });

    var status = document.createElement("span");
    status.className = "sop-progress__status";
    var reset = document.createElement("button");
    reset.type = "button";
    reset.className = "md-button sop-progress__reset";
    reset.textContent = say("reset");
    bar.appendChild(status);
    bar.appendChild(reset);
    bar.hidden = false;

    function show() {
      var done = boxes.filter(function (b) { return b.checked; }).length;
      var when = say("none");
      if (state.at) {
        var at = new Date(state.at);
        // The page's language for the date too on a translated page; the browser's own on the English one.
        var locale = WORDS[LANG] && LANG !== "en" ? LANG : undefined;
        when = say("last", { when: at.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" }) });
      }
      status.textContent = say("progress", { done: done, total: boxes.length, when: when });
      bar.setAttribute("data-ticked", String(done));
    }

    boxes.forEach(function (box, i) {
      box.addEventListener("change", function () {
        if (box.checked) state.ticked[names[i]] = true;
        else delete state.ticked[names[i]];
        state.at = new Date().toISOString();
        save(key, state);
        show();
      });
    });
    reset.addEventListener("click", function () {
      boxes.forEach(function (b) { b.checked = false; });
      state = { ticked: {}, at: null };
      try { window.localStorage.removeItem(key); } catch (e) { /* storage refused: nothing kept anyway */ }
      show();
    });
    show();
  }

  // -- DuckDB literals -----------------------------------------------------------------------------------------
  function fail(message) { return { error: message }; }

  function quoteText(value) {
    if (value.indexOf("\u0000") >= 0) return fail(say("nul"));
    return { sql: "'" + value.replace(/'/g, "''") + "'" };
  }

  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

  function quoteNumber(value, integer) {
    var v = value.trim();
    if (integer ? !/^[+-]?\d+$/.test(v) : !NUMBER.test(v)) return fail(say(integer ? "notWhole" : "notNumber"));
    if (!isFinite(Number(v))) return fail(say("tooLarge"));
    if (integer) {
      var big = BigInt(v);
      if (big < -(2n ** 63n) || big >= 2n ** 63n) return fail(say("outside64"));
      return { sql: big.toString() };
    }
    return { sql: v.replace(/^\+/, "") };
  }

  var STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

  function pad(n, width) { var s = String(n); while (s.length < width) s = "0" + s; return s; }

  function quoteTimestamp(value) {
    // The runner reads a timestamp as UTC (an offset is converted, none means UTC) and binds a TIMESTAMP.
    var m = STAMP.exec(value.trim());
    if (!m) return fail(say("notStamp"));
    var y = +m[1], mo = +m[2], d = +m[3], h = +(m[4] || 0), mi = +(m[5] || 0), s = +(m[6] || 0);
    var check = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d ||
        check.getUTCHours() !== h || check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) {
      return fail(say("noSuchTime"));
    }
    var offset = 0;
    if (m[8] && m[8].toUpperCase() !== "Z") {
      var sign = m[8][0] === "-" ? -1 : 1;
      var digits = m[8].slice(1).replace(":", "");
      offset = sign * (+digits.slice(0, 2) * 60 + +(digits.slice(2) || 0));
    }
    var utc = new Date(check.getTime() - offset * 60000);
    var text = pad(utc.getUTCFullYear(), 4) + "-" + pad(utc.getUTCMonth() + 1, 2) + "-" + pad(utc.getUTCDate(), 2) +
      " " + pad(utc.getUTCHours(), 2) + ":" + pad(utc.getUTCMinutes(), 2) + ":" + pad(utc.getUTCSeconds(), 2);
    if (m[7]) text += "." + m[7];
    return { sql: "TIMESTAMP '" + text + "'" };
  }

  function quoteAs(value, kind) {
    if (kind === "integer") return quoteNumber(value, true);
    if (kind === "number") return quoteNumber(value, false);
    if (kind === "timestamp") return quoteTimestamp(value);
    if (kind === "boolean") {
      var word = value.trim().toLowerCase();
      if (word === "true" || word === "false") return { sql: word.toUpperCase() };
      return fail(say("notBoolean"));
    }
    return quoteText(value);
  }

  function quoteList(value, kind) {
    var items = value.split(/\r?\n/).map(function (s) { return s.trim(); }).filter(function (s) { return s !== ""; });
    var out = [];
    for (var i = 0; i < items.length; i++) {
      var one = quoteAs(items[i], kind);
      if (one.error) return fail(say("line", { n: i + 1, error: one.error }));
      out.push(one.sql);
    }
    if (!out.length) {
      return { sql: "[]::" + ({ number: "DOUBLE", timestamp: "TIMESTAMP" }[kind] || "VARCHAR") + "[]" };
    }
    return { sql: "[" + out.join(", ") + "]" };
  }

  // -- the form --------------------------------------------------------------------------------------------
  function literal(field, asKind) {
    var kind = field.getAttribute("data-kind");
    var value = field.value;
    if (kind === "list") return value.trim() === "" ? null : quoteList(value, asKind);
    if (value === "" || (kind !== "string" && value.trim() === "")) return null;
    var pattern = field.getAttribute("data-pattern");
    if (pattern) {
      var re;
      try { re = new RegExp(pattern, "u"); } catch (e) { re = null; }
      if (re && !re.test(value)) return fail(say("pattern", { pattern: pattern }));
    }
    if (kind === "computed" || kind === "value") return quoteAs(value, asKind);
    if (kind === "enum" || kind === "duration") return quoteText(value);
    return quoteAs(value, kind);
  }

  function setupForms() {
    var fields = Array.prototype.slice.call(document.querySelectorAll("[data-sop-value]"));
    if (!fields.length) return;
    document.querySelectorAll("[data-sop-form]").forEach(function (form) { form.hidden = false; });
    var byKey = {};
    fields.forEach(function (f) { byKey[f.getAttribute("data-sop-value")] = f; });
    var asKind = {};
    document.querySelectorAll("[data-sop-as]").forEach(function (s) { asKind[s.getAttribute("data-sop-as")] = s; });
    var errors = {};
    document.querySelectorAll("[data-sop-error]").forEach(function (e) { errors[e.getAttribute("data-sop-error")] = e; });
    var spans = Array.prototype.slice.call(document.querySelectorAll(".sop-param[data-param]"));
    spans.forEach(function (s) { s.setAttribute("data-written", s.textContent); });

    function update() {
      var values = {};
      Object.keys(byKey).forEach(function (key) {
        var chosen = asKind[key] ? asKind[key].value : "text";
        var result = literal(byKey[key], chosen);
        var error = errors[key];
        if (result && result.error) {
          if (error) { error.textContent = say("value", { error: result.error }); error.hidden = false; }
          byKey[key].setAttribute("aria-invalid", "true");
          result = null;
        } else {
          if (error) { error.textContent = ""; error.hidden = true; }
          byKey[key].removeAttribute("aria-invalid");
        }
        values[key] = result;
      });
      spans.forEach(function (span) {
        var got = values[span.getAttribute("data-param")];
        span.textContent = got ? got.sql : span.getAttribute("data-written");
        span.classList.toggle("sop-param--filled", !!got);
      });
    }

    fields.forEach(function (f) { f.addEventListener("input", update); f.addEventListener("change", update); });
    Object.keys(asKind).forEach(function (k) { asKind[k].addEventListener("change", update); });
    document.querySelectorAll("form[data-sop-form]").forEach(function (form) {
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      form.addEventListener("reset", function () { window.setTimeout(update, 0); });
    });
    update();
  }

  // -- the flowchart on a narrow screen: start with its first step in view -----------------------------------
  function centreFlowchart() {
    var figure = document.querySelector("figure.sop-flow");
    var first = figure && figure.querySelector(".sop-flow__node");
    if (!first || figure.scrollWidth <= figure.clientWidth) return;
    var box = first.getBoundingClientRect();
    var frame = figure.getBoundingClientRect();
    figure.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
  }

  function start() {
    setupChecklist();
    setupForms();
    centreFlowchart();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
