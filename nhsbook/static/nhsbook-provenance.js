/* Glued numbers link to the code cell that computed them (nhsbook/provenance.py).
 *
 * Each number is an <a class="nhsbook-glue" href="#nhsbook-cell-N">. Hovering or
 * focusing it shows a popover naming the data that cell loaded; following it
 * opens the cell's collapsed source (<details>) and highlights the cell.
 */
(function () {
  "use strict";

  function provenance() {
    var island = document.getElementById("nhsbook-provenance-data");
    return island ? JSON.parse(island.textContent) : {};
  }

  function addList(parent, heading, items) {
    if (!items || !items.length) return;
    var title = document.createElement("span");
    title.className = "nhsbook-glue-popover-heading";
    title.textContent = heading;
    parent.appendChild(title);
    var list = document.createElement("ul");
    items.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    parent.appendChild(list);
  }

  function makePopover(link, info, index) {
    var box = document.createElement("span");
    box.className = "nhsbook-glue-popover";
    box.id = "nhsbook-glue-popover-" + index;
    box.setAttribute("role", "tooltip");
    box.hidden = true;
    var lead = document.createElement("span");
    lead.className = "nhsbook-glue-popover-lead";
    lead.textContent = "Computed in a code cell on this page: follow the link to see it.";
    box.appendChild(lead);
    addList(box, "Data that cell loaded:", info.loaded);
    addList(box, "Data loaded by earlier cells:", info.earlier);
    if (info.loaded && !info.loaded.length && !info.earlier.length) {
      addList(box, "Data:", ["no data resource loaded (computed in the notebook)"]);
    }
    link.setAttribute("aria-describedby", box.id);
    link.after(box); // outside the link, so the link's text stays the number
    return box;
  }

  function openCell(id) {
    var cell = id && document.getElementById(id);
    if (!cell || !cell.classList.contains("cell")) return;
    cell.querySelectorAll("details").forEach(function (d) { d.open = true; });
    document.querySelectorAll(".nhsbook-cell-target").forEach(function (c) {
      c.classList.remove("nhsbook-cell-target");
    });
    cell.classList.add("nhsbook-cell-target");
    cell.setAttribute("tabindex", "-1");
    cell.scrollIntoView({ block: "start" });
    cell.focus({ preventScroll: true });
  }

  function init() {
    var data = provenance();
    document.querySelectorAll("a.nhsbook-glue").forEach(function (link, index) {
      var box = makePopover(link, data[link.hash.slice(1)] || {}, index);
      var show = function () { box.hidden = false; };
      var hide = function () { box.hidden = true; };
      link.addEventListener("mouseenter", show);
      link.addEventListener("mouseleave", hide);
      link.addEventListener("focus", show);
      link.addEventListener("blur", hide);
      link.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
      link.addEventListener("click", function (e) {
        e.preventDefault();
        hide();
        history.pushState(null, "", link.hash);
        openCell(link.hash.slice(1));
      });
    });
    window.addEventListener("hashchange", function () { openCell(location.hash.slice(1)); });
    if (location.hash.indexOf("#nhsbook-cell-") === 0) openCell(location.hash.slice(1));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
