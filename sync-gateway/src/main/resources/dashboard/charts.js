// Small hand-drawn SVG line charts of the last few minutes.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const HEIGHT = 110;
const PAD = { left: 40, right: 6, top: 16, bottom: 16 };

function node(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten at or above max. */
function niceMax(max) {
  if (!(max > 0)) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= max) {
      return step * power;
    }
  }
  return 10 * power;
}

/** An axis label: at most one decimal, thousands as k. */
export function compactNumber(value) {
  if (value >= 1000) {
    return `${Number((value / 1000).toFixed(1))}k`;
  }
  return String(Number(value.toFixed(value < 10 ? 1 : 0)));
}

/**
 * Draws points ({t: ms, v: number|null}, a null value breaks the line) over the window
 * [now - windowMs, now] into svg, the latest value labelled with format(value) and the axis
 * with axis(value).
 */
export function drawLineChart(svg, points, { now = Date.now(), windowMs = 300_000, format = String, axis = compactNumber } = {}) {
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.replaceChildren();
  const from = now - windowMs;
  const visible = points.filter((p) => p.t >= from && p.t <= now + 5000);
  const values = visible.map((p) => p.v).filter((v) => v !== null && Number.isFinite(v));
  const top = niceMax(values.length ? Math.max(...values) : 0);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t) => PAD.left + ((t - from) / windowMs) * innerW;
  const y = (v) => PAD.top + innerH - (Math.max(0, v) / top) * innerH;

  for (const fraction of [0, 0.5, 1]) {
    const yy = PAD.top + innerH * (1 - fraction);
    svg.append(node('line', { class: fraction === 0 ? 'axis' : 'grid-line', x1: PAD.left, x2: WIDTH - PAD.right, y1: yy, y2: yy }));
    svg.append(node('text', { x: PAD.left - 4, y: yy + 3, 'text-anchor': 'end' }, axis(top * fraction)));
  }
  svg.append(node('text', { x: PAD.left, y: HEIGHT - 3 }, `-${Math.round(windowMs / 60_000)} min`));
  svg.append(node('text', { x: WIDTH - PAD.right, y: HEIGHT - 3, 'text-anchor': 'end' }, 'now'));

  // One polyline per run of known values.
  let run = [];
  const runs = [];
  for (const point of visible) {
    if (point.v === null || !Number.isFinite(point.v)) {
      if (run.length) {
        runs.push(run);
      }
      run = [];
    } else {
      run.push(point);
    }
  }
  if (run.length) {
    runs.push(run);
  }
  for (const segment of runs) {
    const coordinates = segment.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
    if (segment.length > 1) {
      const base = (PAD.top + innerH).toFixed(1);
      svg.append(node('polygon', {
        class: 'area',
        points: `${x(segment[0].t).toFixed(1)},${base} ${coordinates.join(' ')} ${x(segment.at(-1).t).toFixed(1)},${base}`,
      }));
      svg.append(node('polyline', { class: 'line', points: coordinates.join(' ') }));
    } else {
      svg.append(node('circle', { class: 'line', cx: x(segment[0].t), cy: y(segment[0].v), r: 1.5 }));
    }
  }
  const last = visible.findLast((p) => p.v !== null && Number.isFinite(p.v));
  svg.append(node('text', { class: 'current', x: WIDTH - PAD.right, y: 11, 'text-anchor': 'end' },
    last ? format(last.v) : 'no data yet'));
  svg.dataset.points = String(values.length);
}
