// Draws every book figure on the page with the site's own copy of vega-embed
// (vega-bundle-*.js, generated from vl-convert at build time; nothing is
// loaded from outside the site). Each <figure data-nhsbook-figure> carries
// its spec in a JSON script element and shows the build's SVG (img.nhsbook-still)
// until the interactive chart is drawn. The bundle (0.9 MB) is loaded after the
// page has loaded, so text and the still charts come first.
//
// For every figure it also
// - scales the chart to the column (the SVG keeps its aspect ratio);
// - offers the values behind the tooltips as a table (keyboard and touch readers
//   cannot hover), built when the reader opens it;
// - keeps the text alternative in step with the chart's inputs: when a bound
//   parameter (drop-down, radio) changes, the figure's label names the choice.
(function () {
  "use strict";
  var script = document.currentScript;
  var bundle = script && script.dataset.vegaBundle
    ? new URL(script.dataset.vegaBundle, script.src).href
    : null;
  var MAX_ROWS = 300;

  function loadBundle() {
    return new Promise(function (resolve, reject) {
      if (typeof window.vegaEmbed === "function") return resolve();
      if (!bundle) return reject(new Error("vega-embed is not loaded"));
      var tag = document.createElement("script");
      tag.src = bundle;
      tag.async = true;
      tag.onload = function () {
        typeof window.vegaEmbed === "function" ? resolve() : reject(new Error("vega-embed is not loaded"));
      };
      tag.onerror = function () { reject(new Error("could not load " + bundle)); };
      document.head.appendChild(tag);
    });
  }

  function payloadOf(figure) {
    return JSON.parse(figure.querySelector("script.nhsbook-figure-data").textContent);
  }

  // --- the values behind the tooltips, as a table -------------------------------------------

  // "ci95_low" -> "Ci95 low": a readable header when a tooltip has no title.
  function humanise(field) {
    var words = String(field).replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  // [{field, title}] of every tooltip in the spec, and the datasets those layers draw from.
  function tooltipFields(spec) {
    var fields = [], seen = {}, datasets = {};
    (function walk(node, dataName) {
      if (!node || typeof node !== "object") return;
      if (Array.isArray(node)) { node.forEach(function (n) { walk(n, dataName); }); return; }
      if (node.data && node.data.name) dataName = node.data.name;
      var tips = node.encoding && node.encoding.tooltip;
      if (tips) {
        (Array.isArray(tips) ? tips : [tips]).forEach(function (tip) {
          if (tip && tip.field && !seen[tip.field]) {
            seen[tip.field] = true;
            fields.push({ field: tip.field, title: tip.title || humanise(tip.field) });
          }
        });
        if (dataName) datasets[dataName] = true;
      }
      Object.keys(node).forEach(function (key) {
        if (key !== "data" && key !== "datasets" && key !== "encoding") walk(node[key], dataName);
      });
    })(spec, spec.data && spec.data.name);
    return { fields: fields, datasets: Object.keys(datasets) };
  }

  function rowsOf(spec, names) {
    var all = spec.datasets || {};
    if (!names.length) {
      if (spec.data && spec.data.values) return spec.data.values;
      names = Object.keys(all);
    }
    return names.reduce(function (rows, name) { return rows.concat(all[name] || []); }, []);
  }

  function formatValue(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") {
      var text = Number.isInteger(value) ? String(value) : String(+value.toPrecision(4));
      return text.replace(/^-/, "\u2212");
    }
    return String(value);
  }

  function buildTable(payload, tips) {
    var rows = rowsOf(payload.spec, tips.datasets).filter(function (row) {
      return tips.fields.some(function (f) { return row[f.field] !== undefined; });
    });
    var table = document.createElement("table");
    table.className = "nhsbook-table";
    var caption = table.createCaption();
    caption.textContent = "Values shown in the tooltips of figure " + payload.id +
      (rows.length > MAX_ROWS ? " (first " + MAX_ROWS + " of " + rows.length + " rows; all in the CSV)" : "");
    var head = table.createTHead().insertRow();
    tips.fields.forEach(function (f) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = f.title;
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.slice(0, MAX_ROWS).forEach(function (row) {
      var tr = body.insertRow();
      tips.fields.forEach(function (f) {
        var td = tr.insertCell();
        td.textContent = formatValue(row[f.field]);
        if (typeof row[f.field] === "number") td.className = "num";
      });
    });
    var wrap = document.createElement("div");
    wrap.className = "nhsbook-table-wrap";
    wrap.tabIndex = 0;  // scrollable region: reachable by keyboard
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", caption.textContent);
    wrap.appendChild(table);
    return wrap;
  }

  function offerTable(figure, payload) {
    var tips = tooltipFields(payload.spec);
    if (!tips.fields.length || figure.querySelector("details.nhsbook-data")) return;
    var details = document.createElement("details");
    details.className = "nhsbook-data";
    var summary = document.createElement("summary");
    summary.textContent = "Show the values behind the tooltips as a table";
    details.appendChild(summary);
    details.addEventListener("toggle", function () {
      if (details.open && !details.querySelector("table")) details.appendChild(buildTable(payload, tips));
    });
    figure.querySelector(".nhsbook-chart").insertAdjacentElement("afterend", details);
  }

  // --- inputs: the text alternative names the current choice -------------------------------

  function boundParams(spec) {
    return (spec.params || []).filter(function (p) { return p.bind && p.name; });
  }

  function choiceLabel(param, value) {
    var bind = param.bind || {};
    if (bind.options && bind.labels) {
      var i = bind.options.indexOf(value);
      if (i >= 0) return bind.labels[i];
    }
    return formatValue(value);
  }

  function followInputs(figure, payload, view) {
    var chart = figure.querySelector(".nhsbook-chart");
    var params = boundParams(payload.spec);
    if (!params.length) return;
    function describe() {
      var chosen = params.map(function (p) {
        var name = (p.bind && p.bind.name) || p.name;
        return String(name).replace(/[:\s]+$/, "") + ": " + choiceLabel(p, view.signal(p.name));
      });
      chart.setAttribute("aria-label", payload.alt + " Showing " + chosen.join("; ") + ".");
    }
    params.forEach(function (p) { view.addSignalListener(p.name, describe); });
    describe();
  }

  // --- drawing ------------------------------------------------------------------------------

  function draw(figure) {
    var payload;
    try {
      payload = payloadOf(figure);
    } catch (error) {  // one damaged figure must not stop the others
      figure.setAttribute("data-rendered", "error");
      console.error("Figure " + figure.getAttribute("data-nhsbook-figure") + " is damaged: " + error);
      return Promise.resolve();
    }
    var chart = figure.querySelector(".nhsbook-chart");
    var still = chart.querySelector("img.nhsbook-still");
    var live = document.createElement("div");
    live.className = "nhsbook-live";
    if (still) live.hidden = true;  // drawn off screen, then swapped in: no jump
    chart.appendChild(live);
    return window
      .vegaEmbed(live, payload.spec, { renderer: "svg", actions: false })
      .then(function (result) {
        live.hidden = false;
        if (still) still.remove();
        // The chart is one image (role="img"); its inputs sit below it, not inside.
        var bindings = live.querySelector(".vega-bindings");
        if (bindings) chart.insertAdjacentElement("afterend", bindings);
        followInputs(figure, payload, result.view);
        figure.setAttribute("data-rendered", "true");
      })
      .catch(function (error) {
        live.remove();
        figure.setAttribute("data-rendered", "error");
        console.error("Figure " + payload.id + " failed to render: " + error);
      });
  }

  function failAll(figures, error) {
    figures.forEach(function (figure) { figure.setAttribute("data-rendered", "error"); });
    console.error("Figures: " + error.message);
  }

  function start() {
    var figures = Array.prototype.slice.call(document.querySelectorAll("figure[data-nhsbook-figure]"));
    var first = figures.length && figures[0].querySelector("img.nhsbook-still");
    if (first) first.loading = "eager";  // the others load as the reader scrolls to them
    figures.forEach(function (figure) {
      try {
        offerTable(figure, payloadOf(figure));
      } catch (error) {  // reported when the figure is drawn
      }
    });
    var go = function () {
      loadBundle().then(function () { figures.forEach(draw); }, function (e) { failAll(figures, e); });
    };
    if (document.readyState === "complete") go();
    else window.addEventListener("load", go);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
