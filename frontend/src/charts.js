// Chart.js, registered with only what the pages draw (bars and lines on category and linear axes).
import { Chart, BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip } from 'chart.js';
import { h } from './dom.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.animation = false; // charts show data, not motion; it also keeps the browser tests deterministic
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;

export const PALETTE = ['#1d4ed8', '#15803d', '#b45309', '#7c3aed', '#be123c', '#0e7490', '#4d7c0f', '#a16207', '#334155', '#c026d3'];

/**
 * A chart in a sized box, created once the box is in the page (Chart.js measures its parent). The canvas has a label a
 * screen reader can read; each page also shows the numbers in a table.
 */
export function chart(id, label, config) {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': label });
  const box = h('div', { class: 'chart' }, canvas);
  requestAnimationFrame(() => {
    if (!canvas.isConnected) return;
    const instance = new Chart(canvas, config);
    canvas.chart = instance; // for the browser tests, which read what was plotted
  });
  return box;
}

export function isoTick(value) {
  return new Date(value).toISOString().replace('T', ' ').replace(/:00\.000Z$|\.000Z$/, '').replace(/ 00:00$/, '');
}
