/**
 * Wide tables scroll sideways instead of breaking words: each table sits in a focusable scroll
 * container (a named region, so keyboard users can reach it and scroll it with the arrow keys).
 */

/** Wraps every table under `root` in `<div class="table-scroll" role="region" tabindex="0" aria-label=…>`. */
export function wrapTables(root: ParentNode, label: (columns: string) => string): void {
  for (const table of Array.from(root.querySelectorAll("table"))) {
    if (table.parentElement?.classList.contains("table-scroll")) continue;
    const region = document.createElement("div");
    region.className = "table-scroll";
    region.setAttribute("role", "region");
    region.tabIndex = 0;
    // The header cells tell tables apart (regions must have distinct names).
    const columns = Array.from(table.querySelectorAll("thead th"), (th) => th.textContent?.trim() ?? "").filter(Boolean).join(", ");
    region.setAttribute("aria-label", label(columns.length > 80 ? `${columns.slice(0, 79)}…` : columns));
    table.replaceWith(region);
    region.append(table);
  }
}
