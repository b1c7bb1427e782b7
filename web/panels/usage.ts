// Usage: tokens and cost per day over the last 30 days (usage.daily, live), as an SVG bar chart.
import { api } from "../../convex/_generated/api";
import { h } from "../dom";
import type { Session } from "../session";

const DAYS = 30;
const NS = "http://www.w3.org/2000/svg";
const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text) el.textContent = text;
  return el;
}

type Day = { day: string; totalTokens: number; costMicros: number };

/** Two bar series (tokens, cost) over every day of the range, zero-filled. */
function chart(days: string[], rows: Day[]): SVGElement {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const W = 18;
  const H = 80;
  const root = svg("svg", {
    width: days.length * W + 40,
    height: 2 * H + 40,
    role: "img",
    "aria-label": "tokens and cost per day",
  });
  const series: [string, (d: Day | undefined) => number, string][] = [
    ["tokens", (d) => d?.totalTokens ?? 0, "#3867d6"],
    ["cost (µUSD)", (d) => d?.costMicros ?? 0, "#20bf6b"],
  ];
  series.forEach(([label, value, color], i) => {
    const top = i * (H + 20) + 12;
    const max = Math.max(1, ...days.map((d) => value(byDay.get(d))));
    root.append(svg("text", { x: 0, y: top - 2 }, `${label} (max ${max})`));
    days.forEach((d, j) => {
      const v = value(byDay.get(d));
      const bh = Math.round((v / max) * H);
      const bar = svg("rect", {
        x: 40 + j * W,
        y: top + H - bh,
        width: W - 4,
        height: bh,
        fill: color,
        "data-day": d,
        "data-value": v,
      });
      bar.append(svg("title", {}, `${d}: ${v}`));
      root.append(bar);
    });
  });
  root.append(
    svg("text", { x: 40, y: 2 * H + 38 }, days[0]),
    svg("text", { x: 40 + (days.length - 5) * W, y: 2 * H + 38 }, days.at(-1)!),
  );
  return root;
}

export function usagePanel(root: HTMLElement, s: Session) {
  const now = Date.now();
  const days = Array.from({ length: DAYS }, (_, i) => dayString(now - (DAYS - 1 - i) * 86_400_000));
  const totals = h("p", { className: "muted", testid: "usage-totals" });
  const box = h("div", { testid: "usage-chart" });
  root.append(h("h2", {}, "Usage, last 30 days"), totals, box);
  s.client.onUpdate(api.usage.daily, { from: days[0], to: days.at(-1)! }, (rows) => {
    const tokens = rows.reduce((a, r) => a + r.totalTokens, 0);
    const cost = rows.reduce((a, r) => a + r.costMicros, 0);
    totals.textContent = `${tokens} tokens · ${(cost / 1e6).toFixed(4)} USD`;
    totals.dataset.tokens = String(tokens);
    box.replaceChildren(chart(days, rows));
  });
}
