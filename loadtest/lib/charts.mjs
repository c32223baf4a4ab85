// Grouped bar charts and line charts rendered to PNG with lib/raster.mjs.

import { Raster } from './raster.mjs';

const PALETTE = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];
const INK = [30, 30, 30];
const GRID = [225, 225, 225];
const WIDTH = 900;
const HEIGHT = 520;
const MARGIN = { left: 90, right: 30, top: 60, bottom: 90 };

/** Compact number: 1234567 → "1.23M". */
export function compact(value) {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 1 : 2)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}K`;
  if (abs >= 10 || Number.isInteger(value)) return String(Math.round(value));
  return value.toFixed(1);
}

/** A "nice" axis maximum and step for data up to `max`. */
function niceScale(max) {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough);
  return { top: Math.ceil(max / step) * step, step };
}

function frame(raster, title, yLabel, top) {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  raster.text((WIDTH - Raster.textWidth(title, 2)) / 2, 18, title, INK, 2);
  const { step } = niceScale(top);
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = MARGIN.top + plotH - (v / top) * plotH;
    raster.line(MARGIN.left, y, MARGIN.left + plotW, y, GRID);
    const label = compact(v);
    raster.text(MARGIN.left - 8 - Raster.textWidth(label), y - 3, label, INK);
  }
  raster.line(MARGIN.left, MARGIN.top, MARGIN.left, MARGIN.top + plotH, INK);
  raster.line(MARGIN.left, MARGIN.top + plotH, MARGIN.left + plotW, MARGIN.top + plotH, INK);
  raster.text(8, MARGIN.top - 20, yLabel, INK);
  return { plotW, plotH };
}

function legend(raster, names) {
  let x = MARGIN.left;
  const y = HEIGHT - 28;
  names.forEach((name, i) => {
    raster.fillRect(x, y, 12, 12, PALETTE[i % PALETTE.length]);
    raster.text(x + 18, y + 3, name, INK);
    x += 18 + Raster.textWidth(name) + 28;
  });
}

/**
 * @param {{title: string, yLabel: string, series: string[],
 *   groups: {label: string, values: (number|null)[]}[]}} spec  values[i] belongs to series[i]
 * @returns {Buffer} PNG
 */
export function barChart({ title, yLabel, series, groups }) {
  const raster = new Raster(WIDTH, HEIGHT);
  const max = Math.max(0, ...groups.flatMap((g) => g.values.filter((v) => v != null)));
  const { top } = niceScale(max * 1.08);
  const { plotW, plotH } = frame(raster, title, yLabel, top);
  const groupW = plotW / Math.max(1, groups.length);
  const barW = Math.min(70, (groupW * 0.8) / Math.max(1, series.length));
  groups.forEach((group, g) => {
    const start = MARGIN.left + g * groupW + (groupW - barW * series.length) / 2;
    group.values.forEach((value, s) => {
      const x = start + s * barW;
      if (value == null) {
        raster.text(x + 2, MARGIN.top + plotH - 12, 'N/A', INK);
        return;
      }
      const h = (value / top) * plotH;
      raster.fillRect(x + 2, MARGIN.top + plotH - h, barW - 4, h, PALETTE[s % PALETTE.length]);
      const label = compact(value);
      raster.text(x + (barW - Raster.textWidth(label)) / 2, MARGIN.top + plotH - h - 11, label, INK);
    });
    const label = group.label;
    raster.text(MARGIN.left + g * groupW + (groupW - Raster.textWidth(label)) / 2, MARGIN.top + plotH + 10, label, INK);
  });
  legend(raster, series);
  return raster.toPng();
}

/**
 * @param {{title: string, xLabel: string, yLabel: string,
 *   series: {name: string, points: [number, number][]}[]}} spec
 * @returns {Buffer} PNG
 */
export function lineChart({ title, xLabel, yLabel, series }) {
  const raster = new Raster(WIDTH, HEIGHT);
  const points = series.flatMap((s) => s.points);
  const maxY = Math.max(0, ...points.map((p) => p[1]));
  const maxX = Math.max(0, ...points.map((p) => p[0]));
  const { top } = niceScale(maxY * 1.08);
  const xScale = niceScale(maxX);
  const { plotW, plotH } = frame(raster, title, yLabel, top);
  for (let v = 0; v <= xScale.top + xScale.step / 2; v += xScale.step) {
    const x = MARGIN.left + (v / xScale.top) * plotW;
    raster.line(x, MARGIN.top + plotH, x, MARGIN.top + plotH + 4, INK);
    const label = compact(v);
    raster.text(x - Raster.textWidth(label) / 2, MARGIN.top + plotH + 10, label, INK);
  }
  raster.text(MARGIN.left + (plotW - Raster.textWidth(xLabel)) / 2, MARGIN.top + plotH + 28, xLabel, INK);
  const toXY = ([x, y]) => [MARGIN.left + (x / xScale.top) * plotW, MARGIN.top + plotH - (y / top) * plotH];
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const xy = s.points.map(toXY);
    for (let k = 1; k < xy.length; k++) raster.line(xy[k - 1][0], xy[k - 1][1], xy[k][0], xy[k][1], color, 2);
    for (const [x, y] of xy) raster.fillRect(x - 3, y - 3, 7, 7, color);
  });
  legend(raster, series.map((s) => s.name));
  return raster.toPng();
}
