// Draws every book figure on the page with the site's own copy of vega-embed
// (vega-bundle-*.js, generated from vl-convert at build time; nothing is
// loaded from outside the site). Each <figure data-nhsbook-figure> carries
// its spec in a JSON script element.
(function () {
  "use strict";
  function draw(figure) {
    var payload = JSON.parse(figure.querySelector("script.nhsbook-figure-data").textContent);
    var target = figure.querySelector(".nhsbook-chart");
    if (typeof window.vegaEmbed !== "function") {
      figure.setAttribute("data-rendered", "error");
      console.error("Figure " + payload.id + ": vega-embed is not loaded");
      return;
    }
    return window
      .vegaEmbed(target, payload.spec, { renderer: "svg", actions: false })
      .then(function () { figure.setAttribute("data-rendered", "true"); })
      .catch(function (error) {
        figure.setAttribute("data-rendered", "error");
        console.error("Figure " + payload.id + " failed to render: " + error);
      });
  }
  function drawAll() {
    document.querySelectorAll("figure[data-nhsbook-figure]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
