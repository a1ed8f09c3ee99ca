// Inline SVG line charts of the node's samples: no library, one polyline per series, the axis' top value labelled.
const svgNs = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A chart of samples over time. series: [{ label, key, className }]; values may be null (no data in that interval).
 * The figure carries a text summary for screen readers.
 */
export function lineChart(title, samples, series, unit) {
  const width = 560;
  const height = 160;
  const pad = { left: 64, right: 12, top: 12, bottom: 22 };
  const values = samples.flatMap((s) => series.map((x) => s[x.key])).filter((v) => v !== null && v !== undefined);
  const max = Math.max(1e-9, ...values);
  const top = niceCeiling(max);
  const t0 = samples.length ? Date.parse(samples[0].at) : 0;
  const t1 = samples.length ? Date.parse(samples[samples.length - 1].at) : 1;
  const x = (t) => pad.left + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - (v / top) * (height - pad.top - pad.bottom);

  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, class: 'chart' });
  chart.append(
    svg('line', { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0), class: 'axis' }),
    svg('line', { x1: pad.left, x2: width - pad.right, y1: y(top), y2: y(top), class: 'grid' }),
    svg('text', { x: pad.left - 6, y: y(top) + 4, 'text-anchor': 'end', class: 'tick' }, `${format(top)}${unit}`),
    svg('text', { x: pad.left - 6, y: y(0) + 4, 'text-anchor': 'end', class: 'tick' }, `0`),
    svg('text', { x: pad.left, y: height - 4, class: 'tick' }, samples.length ? `${Math.round((t1 - t0) / 60000) || '<1'} min` : 'no samples yet'),
    svg('text', { x: width - pad.right, y: height - 4, 'text-anchor': 'end', class: 'tick' }, 'now'));
  for (const s of series) {
    const known = samples.filter((p) => p[s.key] !== null && p[s.key] !== undefined);
    const points = known.map((p) => [x(Date.parse(p.at)).toFixed(1), y(p[s.key]).toFixed(1)]);
    if (points.length) chart.append(svg('polyline', { points: points.map((p) => p.join(',')).join(' '), class: `series ${s.className}` }));
    // A dot per sample: an interval with turns between two without shows as a point, not as nothing.
    for (const [cx, cy] of points) chart.append(svg('circle', { cx, cy, r: 2.5, class: `dot ${s.className}` }));
  }
  const last = samples[samples.length - 1];
  const summary = series.map((s) => `${s.label}: ${last && last[s.key] !== null && last[s.key] !== undefined ? format(last[s.key]) + unit : '—'}`).join(', ');
  const figure = document.createElement('figure');
  const caption = document.createElement('figcaption');
  caption.append(title + ' ');
  for (const s of series) {
    const key = document.createElement('span');
    key.className = `key ${s.className}`;
    key.textContent = s.label;
    caption.append(key, ' ');
  }
  const now = document.createElement('span');
  now.className = 'muted';
  now.textContent = `(now: ${summary})`;
  caption.append(now);
  figure.append(caption, chart);
  return figure;
}

function niceCeiling(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function format(value) {
  if (Number.isInteger(value) || value >= 100) return Math.round(value).toString();
  if (value >= 1) return value.toFixed(1);
  return value.toFixed(2);
}
